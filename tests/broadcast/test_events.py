"""events/broadcast/ stays true: every task input parses, the start input is what Segment reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from wxengage.broadcast.tasks import parse_task

EVENTS = Path(__file__).resolve().parents[2] / "events" / "broadcast"
ASL = Path(__file__).resolve().parents[2] / "statemachine" / "broadcast.asl.json"


@pytest.mark.parametrize("path", sorted(EVENTS.glob("task-*.json")), ids=lambda p: p.name)
def test_every_task_event_is_a_valid_task_input(path: Path) -> None:
    # Given a sample task input / When parsed as the broadcast function does
    task = parse_task(json.loads(path.read_text()))
    # Then it is the action its file name says
    assert path.stem == f"task-{task.action}"


def test_the_start_input_carries_what_the_first_state_reads() -> None:
    # Given the console's start input and the state machine's first task
    start = json.loads((EVENTS / "start-execution.json").read_text())
    segment = json.loads(ASL.read_text())["States"]["Segment"]["Parameters"]
    # When compared / Then every $.path the task reads is in the input, and nothing else is
    read = {
        v.removeprefix("$.") for k, v in segment.items() if k.endswith(".$") and v.startswith("$.")
    }
    assert read == set(start)


def test_a_malformed_task_is_refused_with_the_field_named() -> None:
    # Given a send task without its leg / When parsed / Then the error names the missing field
    with pytest.raises(ValidationError) as err:
        parse_task({"action": "send", "app_id": "wx1", "campaign_id": "c1"})
    assert "send.leg" in str(err.value)


def test_a_caught_error_is_read_from_the_whole_error_output() -> None:
    # Given the leg_failed sample (the Catch's output passed whole, as States.JsonToString does)
    task = parse_task(json.loads((EVENTS / "task-leg_failed.json").read_text()))
    # Then its error name and Lambda's cause are read from it
    assert task.action == "leg_failed"
    assert (task.error, "48001" in task.cause) == ("WeChatRefusedError", True)


@pytest.mark.parametrize(
    ("failure", "error", "cause"),
    [
        ('{"Error": "States.Timeout"}', "States.Timeout", ""),  # no Cause: never a runtime error
        ("not json", "", ""),
        ("", "", ""),
        ('["a list"]', "", ""),
    ],
)
def test_a_caught_error_without_a_cause_still_parses(failure: str, error: str, cause: str) -> None:
    # Given a Catch output missing a part, or not an object / When parsed / Then blanks, no error
    task = parse_task(
        {
            "action": "fail",
            "app_id": "wx1",
            "campaign_id": "c1",
            "execution": "c1",
            "failure": failure,
        }
    )
    assert (task.error, task.cause) == (error, cause)
