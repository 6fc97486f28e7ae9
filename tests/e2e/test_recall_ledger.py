"""The recall ledger on the local stack: the real Lambdas, the real client and the sandbox."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.e2e.conftest import running_local_stack
from tests.support import cli_output
from tests.support.callbacks import AES_KEY, APP_SECRET, TOKEN
from wxengage_cli.main import cli
from wxengage_local.runner import LocalRun

REFUSED_APP = "wxledger0000000001"
HELD_APP = "wxledger0000000002"
SEND = "/cgi-bin/message/custom/send"
STACK = "wxledger"
# Due as soon as a window opens: the repro.
RULE = """\
name: at-once
lead_minutes: 2880
content:
  kind: custom
  replies:
    - {type: text, text: "Still there?"}
"""


@pytest.fixture(scope="module")
def local_run() -> Iterator[LocalRun]:
    """One local stack for the module, on free ports, stopped at the end."""
    with running_local_stack(STACK) as run:
        yield run


def wx(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--stack", STACK, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def wx_json(*args: str) -> Any:
    return json.loads(cli_output(wx(*args, "--json")))


def until(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 30) -> Any:
    """Poll `read` until `done` says so (the local queue pump delivers in the background)."""
    deadline = time.monotonic() + timeout
    seen = read()
    while not done(seen) and time.monotonic() < deadline:
        time.sleep(0.3)
        seen = read()
    return seen


def account_with_rule(app_id: str, tmp_path: Path) -> None:
    wx(
        *("accounts", "add", "--app-id", app_id, "--token", TOKEN, "--aes-key", AES_KEY),
        *("--app-secret", APP_SECRET, "--mode", "safe"),
    )
    rule = tmp_path / f"{app_id}.yaml"
    rule.write_text(RULE)
    wx("rules", "put", "--app-id", app_id, "--file", str(rule))


def today(app_id: str) -> dict[str, Any]:
    row: dict[str, Any] = wx_json("rules", "stats", "--app-id", app_id)["rows"][0]
    return row


@pytest.mark.stack
def test_a_recall_wechat_refused_is_failed_not_recalled_and_the_next_window_is_recalled(
    local_run: LocalRun, tmp_path: Path
) -> None:
    # Given a rule with lead 2880 and the sandbox refusing the next custom send with 45009
    account_with_rule(REFUSED_APP, tmp_path)
    wx("sandbox", "fail", "--api", SEND, "--errcode", "45009", "--times", "1")
    # When the follower writes, the sweep runs, and the follower writes again
    wx("sandbox", "say", "--app-id", REFUSED_APP, "--openid", "o-ann", "--text", "hi")
    assert wx_json("recall", "sweep", "--app-id", REFUSED_APP)["queued"] == 1
    refused = until(lambda: today(REFUSED_APP), lambda row: row["failed"] == 1)
    # A new window needs a later CreateTime: WeChat's are whole seconds, and a second message in
    # the same second belongs to the same window (webhook/apply.py), whose recall has failed.
    time.sleep(1.1)
    wx("sandbox", "say", "--app-id", REFUSED_APP, "--openid", "o-ann", "--text", "hi again")
    # Then the refused recall is failed once and the reply does not make it recalled
    assert (refused["sent"], refused["failed"], refused["recalled"]) == (0, 1, 0), refused
    # When the sweep runs for the new window
    assert wx_json("recall", "sweep", "--app-id", REFUSED_APP)["queued"] == 1
    # Then no cooldown stops it: the follower gets the recall, and the figures match the sandbox
    sent = until(lambda: wx_json("sandbox", "sent", "--app-id", REFUSED_APP), lambda s: len(s) >= 1)
    assert [(s["openid"], s["message"]["text"]["content"]) for s in sent] == [
        ("o-ann", "Still there?")
    ]
    row = until(lambda: today(REFUSED_APP), lambda r: r["sent"] == 1)
    assert (row["sent"], row["failed"], row["recalled"]) == (1, 1, 0), row


@pytest.mark.stack
def test_an_ip_whitelist_refusal_holds_the_accounts_recalls_and_status_says_so(
    local_run: LocalRun, tmp_path: Path
) -> None:
    # Given a due follower and the sandbox refusing the next custom send with 40164
    account_with_rule(HELD_APP, tmp_path)
    wx("sandbox", "fail", "--api", SEND, "--errcode", "40164", "--times", "1")
    wx("sandbox", "say", "--app-id", HELD_APP, "--openid", "o-bo", "--text", "hi")
    # When the sweep runs and the sender meets the refusal
    assert wx_json("recall", "sweep", "--app-id", HELD_APP)["queued"] == 1

    def account() -> dict[str, Any]:
        found: dict[str, Any] = next(
            a for a in wx_json("status")["accounts"] if a["app_id"] == HELD_APP
        )
        return found

    held = until(account, lambda a: a["recall_hold"] is not None)
    # Then status shows the hold with WeChat's errcode, and calls it a problem
    assert held["recall_hold"]["errcode"] == 40164 and held["recall_hold"]["active"] is True
    assert any(
        p.startswith(f"{HELD_APP}: recall sends held") for p in wx_json("status")["problems"]
    )
    # And nothing was burnt: nothing failed, nothing sent, and the next sweep leaves it alone
    assert today(HELD_APP)["failed"] == 0
    assert wx_json("recall", "sweep", "--app-id", HELD_APP)["held"] == 1
    assert wx_json("sandbox", "sent", "--app-id", HELD_APP) == []
