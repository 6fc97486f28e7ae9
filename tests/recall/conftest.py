"""Recall fixtures: the real Lambdas on moto (webhook, sweep, sender) with an in-memory WeChat."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from tests.conftest import ROOT, FakeClock
from tests.support.callbacks import (
    AES_KEY,
    APP_ID,
    TOKEN,
    WxAccount,
    event_xml,
    http_event,
    register,
    sealed,
    text_xml,
)
from wxengage.accounts import MessageMode
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.wiring.recall import get_sender
from wxengage_local.aws import physical_ids
from wxengage_local.handlers import FakeLambdaContext, load_handler
from wxengage_local.queue_pump import QueuePump
from wxengage_local.template import LocalTemplate
from wxengage_local.ticker import scheduled_event

H48 = 48 * 3600


@dataclass
class FakeWeChat:
    """The WeChat port in memory: records sends, answers tags, fails on demand."""

    tags: dict[str, list[int]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    tag_calls: int = 0

    def send_custom(self, message: dict[str, Any]) -> None:
        if self.failures:
            err = self.failures.pop(0)
            if getattr(err, "maybe_delivered", False):
                self.sent.append(message)  # it reached WeChat; only the answer got lost
            raise err
        self.sent.append(message)

    def tag_ids_of(self, openid: str) -> list[int]:
        self.tag_calls += 1
        return self.tags.get(openid, [])

    def to(self, openid: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["touser"] == openid]


@dataclass
class World:
    """Everything a recall test touches, driven through the functions' entry points."""

    settings: Settings
    clock: FakeClock
    wechat: FakeWeChat
    pump: QueuePump
    msg_id: int = 1000

    def rule(self, created_ago: int = 3 * 86400, **fields: Any) -> RecallRule:
        """Put a rule created `created_ago` seconds ago (windows count only after a rule exists)."""
        data = {
            "name": "r1",
            "lead_minutes": 30,
            "content": {"kind": "custom", "replies": [{"type": "text", "text": "We miss you"}]},
        } | fields
        rule = RecallRule.model_validate(data)
        plan = AccountStore(self.settings).read_settings(APP_ID).plan
        now = self.clock.now
        self.clock.now = now - created_ago
        try:
            RuleStore(self.settings).put(APP_ID, rule, plan)
        finally:
            self.clock.now = now
        return rule

    def post(self, xml: str) -> dict[str, Any]:
        account = WxAccount(APP_ID, TOKEN, AES_KEY, MessageMode.SAFE)
        body, query = sealed(account, xml, timestamp=int(self.clock.now))
        handler = load_handler(ROOT / "functions/webhook", "app.lambda_handler")
        resp: dict[str, Any] = handler(
            http_event("POST", APP_ID, query, body), FakeLambdaContext("Webhook")
        )
        assert resp["statusCode"] == 200, resp
        return resp

    def say(self, openid: str, at: int | None = None, content: str = "hi") -> dict[str, Any]:
        self.msg_id += 1
        return self.post(
            text_xml(
                openid=openid,
                create_time=at or int(self.clock.now),
                content=content,
                msg_id=self.msg_id,
            )
        )

    def event(self, openid: str, event: str, at: int | None = None, key: str = "") -> None:
        self.post(event_xml(event, openid=openid, create_time=at or int(self.clock.now), key=key))

    def sweep(self) -> dict[str, Any]:
        handler = load_handler(ROOT / "functions/recall_sweep", "app.lambda_handler")
        report: dict[str, Any] = handler(scheduled_event("sweep"), FakeLambdaContext("Sweep"))
        return report

    def deliver(self) -> int:
        return self.pump.drain()

    def sweep_and_send(self) -> dict[str, Any]:
        report = self.sweep()
        self.deliver()
        return report

    def rule_key(self, name: str) -> str:
        """The key a rule's recalls and stats go by (its id): the live rule of that name, else
        the last deleted one."""
        store = RuleStore(self.settings)
        live = [r for r in store.all(APP_ID) if r.rule.name == name]
        gone = [r for r in store.deleted(APP_ID) if r.rule.name == name]
        found = live or gone[-1:]
        assert found, f"no rule {name} ever"
        return found[0].stats_key

    def stats(self, rule: str = "r1") -> dict[str, int]:
        return StatsStore(self.settings).day(
            APP_ID, self.rule_key(rule), local_day(int(self.clock.now), "Asia/Shanghai")
        )

    def recall(self, openid: str, rule: str = "r1") -> tuple[str, str]:
        found = RecallStore(self.settings).get(APP_ID, f"{openid}#{self.rule_key(rule)}")
        assert found is not None, f"no recall planned for {openid}"
        return found[1]["status"]["S"], found[1].get("outcome", {}).get("S", "")


@pytest.fixture
def world(stack: Settings, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> World:
    register(stack, mode=MessageMode.SAFE)
    wechat = FakeWeChat()
    sender = get_sender()
    monkeypatch.setattr(sender, "wechat", lambda account: wechat)
    monkeypatch.setattr(sender, "rnd", random.Random(7))
    session = boto3.Session()
    functions = LocalTemplate(ROOT / "template.yaml").functions()
    pump = QueuePump.for_stack(session, functions, physical_ids(session, "wxengage"))
    pump.retry_after_seconds = 0
    return World(settings=stack, clock=fake_clock, wechat=wechat, pump=pump)
