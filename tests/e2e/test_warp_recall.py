"""A realistic recall on the --warp local stack: paused set-up, a leap of 47.5 hours, the answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.e2e.conftest import running_local_stack
from tests.support.callbacks import AES_KEY, APP_SECRET, TOKEN
from wxengage_cli.main import cli
from wxengage_local.runner import LocalRun

APP = "wx00000000000000e3"
RULE = """\
name: lead30
lead_minutes: 30
content:
  kind: custom
  replies:
    - {type: text, text: "Still thinking about green tea?"}
"""


@pytest.fixture(scope="module")
def warped() -> Iterator[LocalRun]:
    """One warped local stack for the module, its clock paused from the start."""
    with running_local_stack("wxengage", warp=True, paused=True) as run:
        yield run


def wx(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines(keepends=True)
    return "".join(x for x in lines if not x.startswith(('{"_aws"', '{"level"')))


def until(read: Callable[[], Any], timeout: float = 60) -> Any:
    """Poll `read` until it is truthy (a bound so a broken leap fails, not a wall-time claim)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := read():
            return found
        time.sleep(0.2)
    return read()


def sent() -> list[dict[str, Any]]:
    return list(json.loads(wx("sandbox", "sent", "--app-id", APP, "--json")))


@pytest.mark.stack
def test_a_lead_30_recall_plays_from_message_to_answer_on_the_virtual_clock(
    warped: LocalRun, tmp_path: Path
) -> None:
    # Given an account and a lead-30 rule, set up while the clock is paused
    wx(
        "accounts", "add", "--app-id", APP, "--token", TOKEN, "--aes-key", AES_KEY,
        "--app-secret", APP_SECRET, "--mode", "safe",
    )  # fmt: skip
    rule = tmp_path / "lead30.yaml"
    rule.write_text(RULE)
    wx("rules", "put", "--app-id", APP, "--file", str(rule))
    # When a follower writes
    wx("sandbox", "say", "--app-id", APP, "--openid", "o-tea", "--text", "green tea?")
    wrote = json.loads(wx("local", "clock", "--json"))
    # Then, paused, the clock knows what is due (the first sweep 47.5 h on) and leaps nowhere
    due = wrote["now"] + 47.5 * 3600
    status = json.loads(wx("local", "clock", "--json"))
    assert status["paused"] and status["leaps"] == 0 and status["next_due"] is not None
    time.sleep(1)
    assert sent() == []
    # When the operator resumes
    wx("local", "resume")
    # Then the recall reaches WeChat once, 47.5 virtual hours after the message
    got = until(sent)
    wx("local", "pause")  # the follower answers inside her window, as a person would
    at = json.loads(wx("local", "clock", "--json"))["now"]
    assert [m["openid"] for m in got] == ["o-tea"]
    assert due - 60 <= at < wrote["now"] + 48 * 3600
    # When she answers, Then the rule counts one sent and one recalled
    wx("sandbox", "say", "--app-id", APP, "--openid", "o-tea", "--text", "yes please")
    rows = json.loads(wx("rules", "stats", "--app-id", APP, "--json"))["rows"]
    totals = {key: sum(int(r.get(key, 0)) for r in rows) for key in ("sent", "recalled")}
    assert totals == {"sent": 1, "recalled": 1}
    assert sent() == got
