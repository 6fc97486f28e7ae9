"""Every sample in events/console/ works through the console function for the sample account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, FakeClock
from tests.support.callbacks import register
from wxengage.settings import Settings
from wxengage_local.handlers import FakeLambdaContext, load_handler

EVENTS = sorted((ROOT / "events" / "console").glob("*.json"))
SAMPLE_APP_ID = "wx134c8103faa5a59e"  # the sample account of events/README.md


def test_there_is_a_sample_for_each_kind_of_console_request() -> None:
    assert {p.stem for p in EVENTS} >= {"get-me", "get-overview", "post-rules-validate"}


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: Path(p).stem)
def test_a_sample_event_is_answered(path: Path, stack: Settings, fake_clock: FakeClock) -> None:
    # Given the sample account registered, and the sample as API Gateway would pass it on
    import wxengage.wiring.console as wiring

    wiring.get_console.cache_clear()
    register(stack, app_id=SAMPLE_APP_ID)
    event: dict[str, Any] = json.loads(path.read_text())
    handler = load_handler(ROOT / "functions" / "console", "app.lambda_handler")
    # When the console function gets it
    answer = handler(event, FakeLambdaContext("console"))
    # Then it answers 200 with JSON (a follower the engine never saw is a 404 with a message)
    expected = 404 if path.stem == "get-follower" else 200
    assert answer["statusCode"] == expected, answer.get("body")
    assert isinstance(json.loads(answer["body"]), dict | list)
    wiring.get_console.cache_clear()
