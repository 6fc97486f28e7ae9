"""A broadcast world: the template on moto executing the real ASL with the real handlers in-process,
the webhook behind the local gateway, the WeChat sandbox over HTTP, all on one virtual clock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import yaml
from click.testing import CliRunner
from moto import mock_aws

from tests.conftest import TEMPLATE, _reset_process_caches
from tests.support import cli_output
from tests.support.callbacks import APP_ID, register
from wxengage import clock
from wxengage.accounts import AccountType
from wxengage.broadcast.state import BatchState, Campaign, LegState
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.main import cli
from wxengage_local.aws import (
    deploy,
    enable_stepfunctions_execution,
    stack_resolver,
)
from wxengage_local.gateway import Gateway
from wxengage_local.moto_patches import install_clock_waits, install_inprocess_lambda
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.template import LocalTemplate
from wxengage_local.warp import VirtualClock

# 2026-11-22 10:00 UTC is 18:00 in Shanghai, the account's time zone.
START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC).timestamp()
EVENTS = Path(__file__).resolve().parents[2] / "events" / "broadcast"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class World:
    """One account, its followers in the sandbox, and the CLI an operator would use."""

    def __init__(self, settings: Settings, sandbox: WeChatSandbox, vclock: VirtualClock) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.clock = vclock
        self.app_id = APP_ID
        self.campaigns = CampaignStore(settings)
        self.sfn = boto3.client("stepfunctions", region_name="us-east-1")

    # --- the operator ---------------------------------------------------------------------

    def wx(self, *args: str, ok: bool = True) -> str:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return cli_output(result.output)

    def create(self, spec: dict[str, Any], tmp_path: Any) -> str:
        path = tmp_path / f"campaign-{time.monotonic_ns()}.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True))
        out = self.wx("campaign", "create", "--app-id", self.app_id, "--file", str(path))
        return out.split()[1]

    def start(self, campaign_id: str) -> str:
        return self.wx("campaign", "start", "--app-id", self.app_id, "--campaign", campaign_id)

    def start_from_console(self, campaign_id: str, name: str) -> None:
        """What an operator does in the Step Functions console: events/broadcast/ as the input."""
        sample = json.loads((EVENTS / "start-execution.json").read_text())
        assert set(sample) == {"app_id", "campaign_id"}
        body = json.dumps({"app_id": self.app_id, "campaign_id": campaign_id})
        self.sfn.start_execution(
            stateMachineArn=self.settings.broadcast_state_machine_arn, name=name, input=body
        )

    def status(self, campaign_id: str) -> dict[str, Any]:
        out = self.wx(
            "campaign", "status", "--app-id", self.app_id, "--campaign", campaign_id, "--json"
        )
        return dict(json.loads(out))

    # --- the followers and WeChat ------------------------------------------------------------

    def follow(
        self, count: int, tags: dict[int, range] | None = None, prefix: str = "o"
    ) -> list[str]:
        """`count` followers o0000.. in the sandbox; `tags` puts index ranges under tag ids."""
        openids = [f"{prefix}{i:05d}" for i in range(count)]
        for i, openid in enumerate(openids):
            on = [tag for tag, span in (tags or {}).items() if i in span]
            self.sandbox.state.put_follower(self.app_id, openid, on)
        return openids

    def sandbox_play(self, openid: str, action: str) -> None:
        """A follower acts in WeChat; the sandbox calls the webhook as WeChat would."""
        body = {"app_id": self.app_id, "openid": openid, "action": action, "text": "hi"}
        assert self.wechat("POST", "/_sandbox/play", body)["status"] == 200

    def wechat(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.sandbox.url}{path}", json=body, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def masses(self) -> list[dict[str, Any]]:
        """Every mass job the sandbox accepted (with the openids each delivered to)."""
        found = self.wechat("GET", f"/_sandbox/masses?app_id={self.app_id}")
        return list(found["masses"] if isinstance(found, dict) else found)

    def previews(self) -> list[dict[str, Any]]:
        found = self.wechat("GET", f"/_sandbox/previews?app_id={self.app_id}")
        return list(found["previews"] if isinstance(found, dict) else found)

    @property
    def account_type(self) -> AccountType:
        return AccountStore(self.settings).read_settings(self.app_id).type

    def reads(self, media_id: str, rate: float) -> None:
        self.wechat(
            "POST", "/_sandbox/reads", {"app_id": self.app_id, "media_id": media_id, "rate": rate}
        )

    def fault(self, **spec: Any) -> None:
        self.wechat("POST", "/_sandbox/faults", spec)

    # --- the engine's records --------------------------------------------------------------

    def campaign(self, campaign_id: str) -> Campaign:
        return self.campaigns.get(self.app_id, campaign_id)

    def legs(self, campaign_id: str) -> dict[str, LegState]:
        return {s.key: s for s in self.campaigns.legs(self.app_id, campaign_id)}

    def batches(self, campaign_id: str, leg: str) -> list[BatchState]:
        return self.campaigns.batches(self.app_id, campaign_id, leg)

    def execution(self, name: str) -> dict[str, Any]:
        arn = (
            self.settings.broadcast_state_machine_arn.replace(":stateMachine:", ":execution:")
            + f":{name}"
        )
        return dict(self.sfn.describe_execution(executionArn=arn))

    def run_until(
        self, name: str, *, until: float | None = None, timeout: float = 120
    ) -> dict[str, Any]:
        """Let the execution run (virtual time leaps) until it ends, or the clock passes `until`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.execution(name)
            if found["status"] in TERMINAL or (until is not None and clock.now_ts() >= until):
                return found
            time.sleep(0.05)
        raise AssertionError(f"execution {name} still {found['status']} after {timeout}s real time")

    def wait_for(self, campaign_id: str, status: str, timeout: float = 60) -> Campaign:
        """Poll until the campaign reaches `status` (the clock may be held meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.campaign(campaign_id)
            if found.status.value == status and len(self.legs(campaign_id)) == len(found.legs):
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"campaign {campaign_id} is {self.campaign(campaign_id).status}, not {status}"
        )

    def stop_all(self) -> None:
        """Stop executions still running, so no thread outlives the test's moto."""
        arn = self.settings.broadcast_state_machine_arn
        for found in self.sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")[
            "executions"
        ]:
            self.sfn.stop_execution(executionArn=found["executionArn"], cause="test over")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The whole broadcast path, in-process, on a virtual clock starting 2026-11-22T10:00Z."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "wxengage",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(key, value)
    undo: list[Any] = []
    with mock_aws():
        _reset_process_caches()
        enable_stepfunctions_execution()  # before deploy: the state machine must be executable
        outputs = deploy(boto3.Session(), TEMPLATE, stack_name="wxengage")
        settings = Settings.from_stack_outputs(outputs)
        gateway = Gateway(LocalTemplate(TEMPLATE).functions(), port=0)
        gateway.start()
        undo.append(gateway.stop)
        sandbox = WeChatSandbox(AccountStore(settings), f"http://127.0.0.1:{gateway.port}", port=0)
        sandbox.start()
        undo.append(sandbox.stop)
        # A lost answer (an applied fault answering late) shows after 2 s instead of 10.
        settings = settings.model_copy(
            update={"wechat_api_base": sandbox.url, "wechat_read_timeout": 2.0}
        )
        for key, value in settings.model_dump().items():
            monkeypatch.setenv(f"WXENGAGE_{key.upper()}", str(value))
        _reset_process_caches()
        undo.append(install_inprocess_lambda(stack_resolver(boto3.Session(), TEMPLATE, "wxengage")))
        # Started after the deploy, so a slow deploy on a loaded machine is not time that passed.
        vclock = VirtualClock(start=START)
        clock.set_source(vclock)
        undo.append(lambda: clock.set_source(None))
        undo.append(install_clock_waits(vclock.wait_until))
        register(settings)
        AccountStore(settings).update_settings(
            AccountStore(settings)
            .read_settings(APP_ID)
            .model_copy(update={"type": AccountType.SERVICE})
        )
        world = World(settings, sandbox, vclock)
        try:
            yield world
        finally:
            world.stop_all()
            for step in reversed(undo):
                step()
            _reset_process_caches()
