"""The end of a run: the campaign's final status from its legs; failing only its own run."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, EXECUTION, NOW, World, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.broadcast.finish import final_status
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import Campaign, CampaignReason, LegState, LegStatus


def _campaign(**changes: bool | str) -> Campaign:
    return Campaign.model_validate(
        {
            "app_id": APP_ID,
            "campaign_id": CID,
            "spec": CampaignSpec.model_validate(text_spec()),
            "created_at": NOW,
            "updated_at": NOW,
            "status": CampaignStatus.SENDING,
        }
        | changes
    )


def _legs(*statuses: LegStatus) -> list[LegState]:
    return [
        LegState(app_id=APP_ID, campaign_id=CID, key=f"g{i}", group="g", kind=LegKind.GROUP, status=s)
        for i, s in enumerate(statuses)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        ([LegStatus.SUCCEEDED, LegStatus.SKIPPED], (CampaignStatus.SUCCEEDED, "")),
        ([LegStatus.FAILED, LegStatus.CANCELLED], (CampaignStatus.FAILED, CampaignReason.ALL_FAILED)),
        ([LegStatus.FAILED, LegStatus.SUCCEEDED], (CampaignStatus.PARTIALLY_FAILED, CampaignReason.SOME_FAILED)),
        ([LegStatus.PARTIALLY_FAILED], (CampaignStatus.PARTIALLY_FAILED, CampaignReason.SOME_FAILED)),
        ([LegStatus.SKIPPED], (CampaignStatus.SUCCEEDED, "")),
    ],
)  # fmt: skip
def test_the_final_status_follows_the_legs_that_count(
    legs: list[LegStatus], expected: tuple[CampaignStatus, str]
) -> None:
    # Given legs ending so (skipped and cancelled legs do not count)
    # Then the campaign ends so
    assert final_status(_campaign(), _legs(*legs)) == expected


def test_a_cancel_request_wins_over_the_legs_and_keeps_its_reason() -> None:
    c = _campaign(cancel_requested=True, reason="wrong list")
    assert final_status(c, _legs(LegStatus.SUCCEEDED)) == (CampaignStatus.CANCELLED, "wrong list")
    c = _campaign(cancel_requested=True)
    assert final_status(c, []) == (CampaignStatus.CANCELLED, CampaignReason.CANCELLED)


def test_finish_saves_the_final_status_once(world: World) -> None:
    # Given a campaign whose only leg was skipped (one follower)
    world.wechat.followers = followers(1)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    # When it finishes, twice (a retried task)
    assert world.engine.finish(APP_ID, CID) == {"status": "succeeded"}
    saves = world.campaigns.saves
    assert world.engine.finish(APP_ID, CID) == {"status": "succeeded"}
    # Then the second run changed nothing
    assert world.campaigns.saves == saves


def test_fail_marks_its_own_run_failed_with_a_short_reason(world: World) -> None:
    # Given a running campaign
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    # When its execution caught an error with a long cause
    out = world.engine.fail(APP_ID, CID, EXECUTION, "States.TaskFailed", "x" * 500)
    # Then it failed, the reason naming the error and the cause cut to 300 characters
    c = world.campaign()
    assert out == {"status": "failed"}
    assert c.reason.startswith("States.TaskFailed: xxx") and c.reason.endswith("...")
    assert len(c.reason) == len("States.TaskFailed: ") + 300


def test_fail_from_another_execution_leaves_the_campaign_alone(world: World) -> None:
    # Given a campaign run by one execution
    world.wechat.followers = followers(4)
    before = world.prepared(text_spec())
    # When a second execution (a double start) fails
    out = world.engine.fail(APP_ID, CID, "someone-else", "CampaignConflictError", "busy")
    # Then the first run's campaign is untouched
    assert out == {"status": "queued"}
    assert world.campaign() == before
