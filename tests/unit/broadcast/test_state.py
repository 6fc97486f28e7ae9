"""Typed state changes: every change names its fields, and a wrong one raises."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.broadcast.conftest import CID, NOW
from tests.unit.broadcast.fakes import APP_ID
from wxengage import clock
from wxengage.broadcast.progress import Next, Step
from wxengage.broadcast.schedule import Leg, LegKind
from wxengage.broadcast.state import BatchState, BatchStatus


def _batch() -> BatchState:
    return BatchState(
        app_id=APP_ID, campaign_id=CID, leg="g0", number=1, start=0, size=5, clientmsgid="x"
    )


def test_a_step_answers_the_state_machine_in_its_json() -> None:
    # Given a leg task's first answer
    step = Step(app_id=APP_ID, campaign_id=CID, leg="g0", next=Next.DONE)
    # Then moving on and waiting render as the Choice states read them
    assert step.then(Next.SEND).model_dump(mode="json")["next"] == "send"
    assert step.wait_until(NOW + 60).model_dump(mode="json") == {
        "app_id": APP_ID,
        "campaign_id": CID,
        "leg": "g0",
        "next": "wait",
        "wake_at": clock.iso_z(NOW + 60),
    }


def test_a_state_change_with_an_unknown_field_raises() -> None:
    # A misspelt field must not vanish silently (what model_copy(update=...) did)
    with pytest.raises(AttributeError, match="ledgerd"):
        _batch()._changed(ledgerd=True)


def test_a_state_change_is_validated() -> None:
    with pytest.raises(ValidationError):
        _batch()._changed(attempts="many")


def test_a_retry_keeps_the_clientmsgid_and_counts_the_attempt() -> None:
    batch = _batch().retry_at(NOW + 60, errcode=45066, error="too fast", max_attempts=3)
    assert (batch.status, batch.attempts, batch.next_try_at, batch.clientmsgid) == (
        BatchStatus.RETRY,
        1,
        NOW + 60,
        "x",
    )


def test_a_moved_leg_changes_only_its_time() -> None:
    leg = Leg(key="g0v1", group="fans", kind=LegKind.VARIANT, variant="b", send_at=NOW)
    assert leg.at(NOW + 5) == Leg(
        key="g0v1", group="fans", kind=LegKind.VARIANT, variant="b", send_at=NOW + 5
    )
