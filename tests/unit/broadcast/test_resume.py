"""`campaign resume`: only what did not go out runs again, under the same clientmsgids."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.unit.broadcast.conftest import CID, EXECUTION, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from tests.unit.broadcast.test_operations import FakeExecutions, FakeTimezones
from wxengage.broadcast.operations import Campaigns, CampaignStateError
from wxengage.broadcast.resume import DEDUP_WINDOW, resume_plan
from wxengage.broadcast.schedule import LegKind, earliest_decision
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import BatchState, BatchStatus, LegState, LegStatus
from wxengage.wechat.api_errors import WeChatApiError


class BrokenExecutions(FakeExecutions):
    def start(self, name: str, app_id: str, campaign_id: str) -> str:
        raise RuntimeError("Step Functions said no")


def _ops(world: World, executions: FakeExecutions | None = None) -> Campaigns:
    return Campaigns(world.campaigns, executions or FakeExecutions(), FakeTimezones())


def _failed_send(world: World, n: int = 4) -> BatchState:
    """A one-group campaign whose only batch WeChat refused (40007): the campaign failed."""
    # A tag group: openid batches (an `all` group goes as one sendall on a service account).
    world.wechat.tagged = {2: followers(n)}
    world.sending(text_spec({"tags": [2]}))
    world.wechat.send_answers.append(WeChatApiError(40007, "invalid media_id", "/cgi-bin/message/mass/send"))  # fmt: skip
    world.engine.send(APP_ID, CID, "g0")
    world.engine.results(APP_ID, CID, "g0")
    assert world.engine.finish(APP_ID, CID, EXECUTION) == {"status": "failed"}
    (batch,) = world.batches("g0")
    return batch


@pytest.mark.parametrize(
    "status", [CampaignStatus.DRAFT, CampaignStatus.SUCCEEDED, CampaignStatus.QUEUED]
)
def test_only_a_failed_or_partially_failed_campaign_resumes(
    world: World, status: CampaignStatus
) -> None:
    # Given a campaign that is not failed
    world.wechat.followers = followers(4)
    c = world.prepared(text_spec())
    world.campaigns.save(c.in_status(status, now=NOW))
    saves = world.campaigns.saves
    # When the operator resumes it, Then it is refused and nothing is written
    with pytest.raises(CampaignStateError, match="only a failed or partially failed"):
        _ops(world).resume(APP_ID, CID)
    assert world.campaigns.saves == saves  # fmt: skip


def test_resume_runs_the_refused_batch_again_under_its_clientmsgid(world: World) -> None:
    # Given a campaign whose only batch WeChat refused (the leg saying why, as a coded reason)
    refused = _failed_send(world)
    failure = world.leg("g0").failure
    assert failure is not None and failure.code == "wechat.40007"
    assert "media_id" in failure.message and "invalid media_id" not in failure.action
    executions = FakeExecutions()
    # When the operator resumes it
    c, plan = _ops(world, executions).resume(APP_ID, CID)
    # Then a new execution runs it; the leg sends again, the batch waits to be submitted again
    assert executions.started == [f"{CID}-r2"] and c.execution == f"{CID}-r2"
    assert (c.status, c.reason, c.failure) == (CampaignStatus.QUEUED, "", None)
    assert plan.legs == ["g0"] and plan.batches == [("g0", 1)]
    assert world.leg("g0").status is LegStatus.SENDING and world.leg("g0").failure is None
    # And the next send submits it once, under the same clientmsgid
    world.engine.send(APP_ID, CID, "g0")
    assert [s[2] for s in world.wechat.sends] == [refused.clientmsgid, refused.clientmsgid]
    (batch,) = world.batches("g0")
    assert batch.status is BatchStatus.SUBMITTED


def test_a_second_resume_is_refused_while_the_first_runs(world: World) -> None:
    _failed_send(world)
    _ops(world).resume(APP_ID, CID)
    with pytest.raises(CampaignStateError, match="is queued"):
        _ops(world).resume(APP_ID, CID)


def test_when_the_execution_cannot_start_the_campaign_says_failed_and_can_be_resumed_again(
    world: World,
) -> None:
    _failed_send(world)
    with pytest.raises(RuntimeError):
        _ops(world, BrokenExecutions()).resume(APP_ID, CID)
    assert world.campaign().status is CampaignStatus.FAILED
    assert world.campaign().failure is not None
    _c, plan = _ops(world).resume(APP_ID, CID)
    assert plan.legs == ["g0"]


def _leg(key: str, kind: LegKind, status: LegStatus, batches: int = 1) -> LegState:
    return LegState(app_id=APP_ID, campaign_id=CID, key=key, group="fans", kind=kind, status=status, batches=batches)  # fmt: skip


def _batch(
    leg: str, number: int, status: BatchStatus, *, size: int = 100, lost_at: int | None = None
) -> BatchState:
    return BatchState(
        app_id=APP_ID, campaign_id=CID, leg=leg, number=number, start=0, size=size,
        clientmsgid=f"{CID}-{leg}-{number}", status=status, maybe_sent_at=lost_at,
    )  # fmt: skip


def test_the_plan_leaves_accepted_lone_and_long_lost_batches_alone(world: World) -> None:
    # Given a partially failed leg: one batch accepted, one refused, one of one follower, one
    # whose answer was lost 25 h ago and one lost an hour ago
    world.wechat.followers = followers(4)
    c = world.prepared(text_spec())
    batches = [
        _batch("g0", 1, BatchStatus.SUBMITTED),
        _batch("g0", 2, BatchStatus.FAILED),
        _batch("g0", 3, BatchStatus.FAILED, size=1),
        _batch("g0", 4, BatchStatus.FAILED, lost_at=NOW - DEDUP_WINDOW - 3600),
        _batch("g0", 5, BatchStatus.FAILED, lost_at=NOW - 3600),
    ]
    leg = _leg("g0", LegKind.GROUP, LegStatus.PARTIALLY_FAILED, batches=5)
    plan = resume_plan(c, [leg], {"g0": batches}, now=NOW, timezone="Asia/Shanghai")
    # Then only the refused batch and the recently lost one go again
    assert plan.batches == [("g0", 2), ("g0", 5)]
    assert plan.uncertain == [("g0", 4)]


def test_a_resumed_winner_waits_for_the_next_day_after_its_variants_resend(world: World) -> None:
    # Given an A/B campaign whose variants and winner failed
    world.wechat.followers = followers(20)
    world.wechat.tagged = {2: followers(20)}
    c = world.prepared(ab_spec())
    states = [
        _leg("g0v0", LegKind.VARIANT, LegStatus.FAILED),
        _leg("g0v1", LegKind.VARIANT, LegStatus.SUCCEEDED),
        _leg("g0w", LegKind.WINNER, LegStatus.FAILED, batches=0),
    ]
    batches = {"g0v0": [_batch("g0v0", 1, BatchStatus.FAILED)], "g0v1": [_batch("g0v1", 1, BatchStatus.SUBMITTED)]}  # fmt: skip
    later = NOW + 5 * 86400
    plan = resume_plan(c, states, batches, now=later, timezone="Asia/Shanghai")
    # Then the failed variant and the winner run again, the winner after 10:00 the next day
    assert plan.legs == ["g0v0", "g0w"]
    winner = next(leg for leg in plan.schedule if leg.key == "g0w")
    assert winner.send_at == earliest_decision(later, ZoneInfo("Asia/Shanghai"))


def test_a_campaign_that_failed_before_its_legs_restarts_where_it_stopped(world: World) -> None:
    world.draft(text_spec())
    c = world.campaign()
    assert (
        resume_plan(c, [], {}, now=NOW, timezone="Asia/Shanghai").status
        is CampaignStatus.SEGMENTING
    )


def test_a_campaign_that_failed_while_preparing_prepares_again(world: World) -> None:
    # Given a campaign segmented whose Prepare failed after making none of its legs
    world.wechat.followers = followers(4)
    world.draft(text_spec())
    world.engine.segment(APP_ID, CID, EXECUTION)
    world.engine.fail(APP_ID, CID, EXECUTION, "States.Timeout", "")
    assert world.campaign().status is CampaignStatus.FAILED
    # When it is resumed
    c, _plan = _ops(world).resume(APP_ID, CID)
    # Then the new run prepares it and its leg is queued
    assert c.status is CampaignStatus.PREPARING
    world.engine.segment(APP_ID, CID, f"{CID}-r2")
    assert [leg["leg"] for leg in world.engine.prepare(APP_ID, CID)["legs"]] == ["g0"]
    assert world.leg("g0").status is LegStatus.QUEUED
    assert world.campaign().status is CampaignStatus.QUEUED
