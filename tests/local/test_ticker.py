"""The schedule ticker: rate expressions (cron refused), firing real handlers, surviving failures."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.local.conftest import WriteApp, WriteTemplate
from wxengage_local.template import FunctionSpec, LocalTemplate
from wxengage_local.ticker import Ticker, interval_seconds, next_firing

SCHEDULED = """
Resources:
  Sweep:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.11
      Events:
        EveryMinute: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
"""


@pytest.mark.parametrize(
    ("expr", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 days)", 172800),
    ],
)
def test_fixed_interval_expressions(expr: str, seconds: int) -> None:
    assert interval_seconds(expr) == seconds


@pytest.mark.parametrize("expr", ["cron(0 10 L * ? *)", "cron(0 10 ? * 6#3 *)", "every minute"])
def test_unsupported_expressions_are_refused_clearly(expr: str) -> None:
    with pytest.raises(ValueError, match=r"cron|rate"):
        next_firing(expr)


def test_tick_now_fires_the_template_schedule_with_a_scheduled_event(
    tmp_path: Path,
    write_template: WriteTemplate,
    write_app: WriteApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a template whose function runs every minute, recording its events
    write_app("fn")
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ECHO_RECORD", str(record))
    ticker = Ticker(LocalTemplate(write_template(SCHEDULED)).functions())
    # When the test ticks
    assert ticker.tick_now() == 1
    # Then the real handler got EventBridge's Scheduled Event
    event = json.loads(record.read_text())
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "aws.events",
        "Scheduled Event",
        {},
    )
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/SweepEveryMinute"]
    assert event["time"].endswith("Z") and ticker.fired == 1


def test_the_thread_fires_on_schedule_sped_up_and_survives_failures() -> None:
    # Given a schedule of one minute, run 600 times faster (every 0.1 s), whose handler
    # fails on the first firing
    calls: list[dict[str, Any]] = []

    def invoke(function: FunctionSpec, event: dict[str, Any]) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("first run fails")

    spec = FunctionSpec("Fn", Path("."), "app.h", schedules=(("Tick", "rate(1 minute)"),))
    ticker = Ticker({"Fn": spec}, speed=600, invoke=invoke)
    # When it runs for a little while
    ticker.start()
    try:
        # Generous: a loaded CI machine may be slow to schedule the thread (the loop ends early).
        deadline = time.monotonic() + 30
        while ticker.fired < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        ticker.stop()
    # Then it kept firing after the failure, a (virtual) minute apart
    assert (ticker.failed, ticker.fired >= 2) == (1, True)
    first, second = (datetime.fromisoformat(c["time"].replace("Z", "+00:00")) for c in calls[:2])
    assert (second - first).total_seconds() == pytest.approx(60, abs=1)


def test_an_input_replaces_the_scheduled_event() -> None:
    seen: list[Any] = []
    spec = FunctionSpec(
        "Fn",
        Path("."),
        "app.h",
        schedules=(("Tick", "rate(1 hour)"),),
        schedule_inputs={"Tick": '{"job": "daily"}'},
    )
    Ticker({"Fn": spec}, invoke=lambda f, e: seen.append(e)).tick_now()
    assert seen == [{"job": "daily"}]
