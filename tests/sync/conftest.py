"""The sync function on the template in moto, with the WeChat sandbox over HTTP as its WeChat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from tests.conftest import ROOT, TEMPLATE, FakeClock, _reset_process_caches
from tests.support.callbacks import register
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.windows import Interaction, InteractionKind, apply_interaction
from wxengage_local.aws import stack_resolver
from wxengage_local.handlers import FakeLambdaContext, load_handler
from wxengage_local.moto_patches import install_inprocess_lambda
from wxengage_local.sandbox import WeChatSandbox

EVENTS = ROOT / "events" / "sync"
SAMPLE_APP_ID = json.loads((EVENTS / "on-demand.json").read_text())["app_id"]
NOW = 1_795_341_600


class SyncWorld:
    """One account registered, its followers in WeChat (the sandbox) and some in the store."""

    def __init__(self, settings: Settings, sandbox: WeChatSandbox, app_id: str) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.app_id = app_id
        self.handler = load_handler(ROOT / "functions" / "sync", "app.lambda_handler")

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.handler(event, FakeLambdaContext("sync", timeout_ms=300_000))

    def event(self, name: str) -> dict[str, Any]:
        return dict(json.loads((EVENTS / name).read_text()))

    def wechat_follower(self, openid: str, tags: list[int]) -> None:
        """A follower as WeChat knows them (tagged in WeChat's console)."""
        self.sandbox.state.put_follower(self.app_id, openid, tags)

    def stored_follower(self, openid: str, at: int = NOW - 600) -> None:
        """A follower the webhook has seen (they wrote at `at`)."""
        message = Interaction(kind=InteractionKind.MESSAGE, at=at)
        FollowerStore(self.settings).update(
            self.app_id, openid, lambda s: apply_interaction(s, message)
        )

    def item(self, openid: str) -> dict[str, Any] | None:
        """The raw follower item, as DynamoDB holds it."""
        found = boto3.client("dynamodb").get_item(
            TableName=self.settings.followers_table,
            Key={"app_id": {"S": self.app_id}, "openid": {"S": openid}},
        )
        item: dict[str, Any] | None = found.get("Item")
        return item

    def article(self, source: str, ident: str, title: str, updated: int) -> None:
        body = {
            "app_id": self.app_id,
            "source": source,
            "id": ident,
            "title": title,
            "thumb_url": f"https://mmbiz.example/{ident}.jpg",
            "update_time": updated,
        }
        answer = requests.post(f"{self.sandbox.url}/_sandbox/articles", json=body, timeout=5)
        assert answer.status_code == 200, answer.text

    def fault(self, **spec: Any) -> None:
        answer = requests.post(f"{self.sandbox.url}/_sandbox/faults", json=spec, timeout=5)
        assert answer.status_code == 200, answer.text


@pytest.fixture
def world(
    stack: Settings, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SyncWorld]:
    """The sample account (events/sync/) in moto, WeChat = the sandbox, handlers in-process."""
    register(stack, app_id=SAMPLE_APP_ID)
    sandbox = WeChatSandbox(AccountStore(stack), "http://127.0.0.1:9", port=0)
    sandbox.start()
    monkeypatch.setenv("WXENGAGE_WECHAT_API_BASE", sandbox.url)
    _reset_process_caches()
    settings = stack.model_copy(update={"wechat_api_base": sandbox.url})
    uninstall = install_inprocess_lambda(stack_resolver(boto3.Session(), TEMPLATE, "wxengage"))
    try:
        yield SyncWorld(settings, sandbox, SAMPLE_APP_ID)
    finally:
        uninstall()
        sandbox.stop()
