"""The end of a run: the campaign's final status from its legs; failing only its own run."""

from __future__ import annotations

import json

import pytest

from tests.unit.broadcast.conftest import CID, EXECUTION, NOW, World, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.broadcast.finish import final_status
from wxengage.broadcast.reasons import Reason
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
    ("legs", "status", "code"),
    [
        ([LegStatus.SUCCEEDED, LegStatus.SKIPPED], CampaignStatus.SUCCEEDED, None),
        ([LegStatus.FAILED, LegStatus.CANCELLED], CampaignStatus.FAILED, "campaign.failed"),
        ([LegStatus.FAILED, LegStatus.SKIPPED], CampaignStatus.FAILED, "campaign.failed"),
        ([LegStatus.FAILED, LegStatus.SUCCEEDED], CampaignStatus.PARTIALLY_FAILED, "campaign.partially_failed"),
        ([LegStatus.PARTIALLY_FAILED], CampaignStatus.PARTIALLY_FAILED, "campaign.partially_failed"),
        ([LegStatus.QUEUED, LegStatus.SUCCEEDED], CampaignStatus.PARTIALLY_FAILED, "campaign.partially_failed"),
        ([LegStatus.SKIPPED], CampaignStatus.SUCCEEDED, None),
    ],
)  # fmt: skip
def test_the_final_status_follows_the_legs(
    legs: list[LegStatus], status: CampaignStatus, code: str | None
) -> None:
    # Given legs ending so (skipped legs are no failure; a leg left queued did not go out)
    found, reason = final_status(_campaign(), _legs(*legs))
    # Then the campaign is failed only when nothing went out, with a coded reason
    assert found is status
    assert (reason.code if isinstance(reason, Reason) else None) == code


def test_a_cancel_request_wins_over_the_legs_and_keeps_its_reason() -> None:
    c = _campaign(cancel_requested=True, reason="wrong list")
    assert final_status(c, _legs(LegStatus.SUCCEEDED)) == (CampaignStatus.CANCELLED, "wrong list")
    c = _campaign(cancel_requested=True)
    assert final_status(c, []) == (CampaignStatus.CANCELLED, CampaignReason.CANCELLED)


def test_finish_saves_the_final_status_once(world: World) -> None:
    # Given a campaign whose only leg had one follower (failed: WeChat needs 2 openids)
    world.wechat.followers = followers(1)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    # When it finishes, twice (a retried task)
    assert world.engine.finish(APP_ID, CID) == {"status": "failed"}
    saves = world.campaigns.saves
    assert world.engine.finish(APP_ID, CID) == {"status": "failed"}
    # Then the second run changed nothing
    assert world.campaigns.saves == saves


def test_fail_stores_a_readable_reason_never_the_lambda_error(world: World) -> None:
    # Given a running campaign
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    # When its execution caught an unexpected error whose cause is Lambda's JSON with a trace
    cause = json.dumps(
        {
            "errorMessage": "'NoneType' object has no attribute 'get'",
            "errorType": "AttributeError",
            "stackTrace": ['  File "/var/task/wxengage/broadcast/send.py", line 42, in send\n'],
        }
    )
    out = world.engine.fail(APP_ID, CID, EXECUTION, "AttributeError", cause)
    # Then it failed with a coded sentence and what to do; no trace, path or raw JSON kept
    c = world.campaign()
    assert out == {"status": "failed"}
    assert c.failure is not None and c.failure.code == "task.internal"
    assert "AttributeError" in c.reason and "campaign resume" in c.reason
    assert "{" not in c.reason
    for leak in ("/var/task", "send.py", "stackTrace", "NoneType"):
        assert leak not in c.reason and leak not in c.failure.model_dump_json()
    # And the leg it left queued is failed, not queued for ever
    assert {s.status for s in world.campaigns.legs(APP_ID, CID)} == {LegStatus.FAILED}


def test_fail_after_some_legs_went_out_is_partially_failed(world: World) -> None:
    # Given a campaign whose one leg was delivered and another still waits
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    leg = world.campaigns.legs(APP_ID, CID)[0]
    world.campaigns.save(leg.finished(LegStatus.SUCCEEDED, "", now=NOW))
    # When the run fails outside the legs
    out = world.engine.fail(APP_ID, CID, EXECUTION, "States.Timeout", "")
    # Then the campaign is partially failed, not failed: something went out
    assert out == {"status": "partially_failed"}
    assert world.campaign().failure is not None


def test_fail_from_another_execution_leaves_the_campaign_alone(world: World) -> None:
    # Given a campaign run by one execution
    world.wechat.followers = followers(4)
    before = world.prepared(text_spec())
    # When a second execution (a double start) fails
    out = world.engine.fail(APP_ID, CID, "someone-else", "CampaignConflictError", "busy")
    # Then the first run's campaign is untouched
    assert out == {"status": "queued"}
    assert world.campaign() == before
