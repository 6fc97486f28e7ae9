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
from tests.support import cli_output
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
    """One warped local stack for the module, its clock paused from the start.

    The CLI runs in this process, where the engine already reads the stack's virtual clock: its
    "follow the sandbox's clock" step would replace that clock with a fixed offset from the
    wall clock, which the next leap leaves behind (a separate CLI process needs it, not this).
    """
    mp = pytest.MonkeyPatch()
    mp.setattr("wxengage_cli.main.follow_local_clock", lambda: None)
    with running_local_stack("wxengage", warp=True, paused=True) as run:
        yield run
    mp.undo()


def wx(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return cli_output(result.output)


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
    # When she answers once the sender has recorded the send (WeChat has it slightly earlier),
    # a few seconds later (paused, the clock flows at wall speed)
    assert until(lambda: totals()["sent"] == 1)
    assert until(lambda: json.loads(wx("local", "clock", "--json"))["now"] >= at + 2)
    wx("sandbox", "say", "--app-id", APP, "--openid", "o-tea", "--text", "yes please")
    # Then the rule counts one sent and one recalled, and nothing more went out
    assert totals() == {"sent": 1, "recalled": 1}
    assert sent() == got


def totals() -> dict[str, int]:
    rows = json.loads(wx("rules", "stats", "--app-id", APP, "--json"))["rows"]
    return {key: sum(int(r.get(key, 0)) for r in rows) for key in ("sent", "recalled")}


APP2 = "wx00000000000000e4"


@pytest.mark.stack
def test_while_paused_an_operator_starts_several_campaigns_then_the_clock_runs_them(
    warped: LocalRun, tmp_path: Path
) -> None:
    # Given an account with two tagged followers, and the clock paused
    wx(
        "accounts", "add", "--app-id", APP2, "--token", TOKEN, "--aes-key", AES_KEY,
        "--app-secret", APP_SECRET, "--mode", "safe",
    )  # fmt: skip
    for openid in ("o-c1", "o-c2"):
        wx("sandbox", "followers", "add", "--app-id", APP2, "--openid", openid, "--tag", "7")
    wx("local", "pause")
    before = json.loads(wx("local", "clock", "--json"))
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(before["now"] + 1800))
    # When three campaigns, each sending 30 minutes from now, are created and started one by
    # one (the first one's wait would leap the clock past the others' send time, unpaused)
    ids = []
    for n in range(3):
        spec = tmp_path / f"c{n}.yaml"
        spec.write_text(
            json.dumps(
                {
                    "name": f"paused-{n}",
                    "groups": [
                        {
                            "name": "all",
                            "audience": {"tags": [7]},
                            "content": {"type": "text", "content": f"news {n}"},
                            "send_at": at,
                        }
                    ],
                }
            )
        )
        ids.append(wx("campaign", "create", "--app-id", APP2, "--file", str(spec)).split()[1])
        wx("campaign", "start", "--app-id", APP2, "--campaign", ids[-1])
        time.sleep(0.5)
    # Then every start was accepted and the clock did not leap meanwhile
    assert json.loads(wx("local", "clock", "--json"))["leaps"] == before["leaps"]
    # When the operator resumes
    wx("local", "resume")

    # Then all three go out at their time, each follower getting each once
    def statuses() -> list[str]:
        return [
            json.loads(wx("campaign", "status", "--app-id", APP2, "--campaign", c, "--json"))[
                "status"
            ]
            for c in ids
        ]

    assert until(lambda: statuses() == ["succeeded"] * 3, timeout=180), statuses()
    masses = json.loads(wx("sandbox", "masses", "--app-id", APP2, "--json"))
    delivered = sorted(o for job in masses for o in job["delivered"])
    assert delivered == ["o-c1", "o-c1", "o-c1", "o-c2", "o-c2", "o-c2"]
