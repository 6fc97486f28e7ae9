"""Operator actions on campaigns: start, edit, cancel, reschedule, against in-memory fakes."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.accounts import AccountType
from wxengage.broadcast.operations import Campaigns, CampaignStateError
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import CampaignReason, LegReason, LegState, LegStatus


class FakeExecutions:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.stopped: list[tuple[str, str]] = []

    def start(self, name: str, app_id: str, campaign_id: str) -> str:
        self.started.append(name)
        return f"arn:{name}"

    def stop(self, name: str, cause: str) -> None:
        self.stopped.append((name, cause))


class FakeTimezones:
    def __init__(self, account_type: AccountType = AccountType.SERVICE) -> None:
        self.type = account_type

    def timezone(self, app_id: str) -> str:
        return "Asia/Shanghai"

    def account_type(self, app_id: str) -> AccountType:
        return self.type


@pytest.fixture
def executions() -> FakeExecutions:
    return FakeExecutions()


@pytest.fixture
def ops(world: World, executions: FakeExecutions) -> Campaigns:
    return Campaigns(world.campaigns, executions, FakeTimezones())


def test_start_plans_the_legs_and_starts_an_execution_named_after_the_campaign(
    world: World, ops: Campaigns, executions: FakeExecutions
) -> None:
    world.draft(ab_spec())
    c = ops.start(APP_ID, CID)
    assert [leg.key for leg in c.legs] == ["g0v0", "g0v1", "g0w"]
    assert (c.execution, c.status, c.updated_at) == (CID, CampaignStatus.DRAFT, NOW)
    assert executions.started == [CID]


def test_only_a_draft_can_be_edited(world: World, ops: Campaigns) -> None:
    # Given a started campaign
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    # When its spec is edited
    # Then it is refused: a started campaign's spec explains its run
    with pytest.raises(CampaignStateError, match="only drafts can be edited"):
        ops.edit(APP_ID, CID, CampaignSpec.model_validate(ab_spec()))


def test_an_edit_replaces_a_drafts_spec(world: World, ops: Campaigns) -> None:
    world.draft(text_spec())
    world.clock.advance(5)
    c = ops.edit(APP_ID, CID, CampaignSpec.model_validate(ab_spec()))
    assert (c.spec.name, c.updated_at) == ("ab", NOW + 5)


def test_cancel_stops_the_campaign_and_its_waiting_legs(world: World, ops: Campaigns) -> None:
    # Given an A/B campaign waiting for its variants
    world.wechat.tagged = {2: followers(10)}
    world.prepared(ab_spec())
    # When the operator cancels it
    c = ops.cancel(APP_ID, CID)
    # Then the campaign is cancelled first, then each queued leg, with the reasons
    assert (c.status, c.cancel_requested, c.reason) == (
        CampaignStatus.CANCELLED,
        True,
        CampaignReason.CANCELLED,
    )
    legs = world.campaigns.legs(APP_ID, CID)
    assert {(s.status, s.reason, s.finished_at) for s in legs} == {
        (LegStatus.CANCELLED, LegReason.CANCELLED, NOW)
    }


def test_a_sending_campaign_cannot_be_cancelled(world: World, ops: Campaigns) -> None:
    world.wechat.followers = followers(4)
    world.sending(text_spec())
    with pytest.raises(CampaignStateError, match="is sending"):
        ops.cancel(APP_ID, CID)
    assert world.campaign().status is CampaignStatus.SENDING


def test_reschedule_moves_the_legs_and_restarts_the_run(
    world: World, ops: Campaigns, executions: FakeExecutions
) -> None:
    # Given an A/B campaign waiting for its variants, two hours ahead
    world.wechat.tagged = {2: followers(10)}
    before = world.prepared(ab_spec())
    # When the variants are moved one hour later
    c = ops.reschedule(APP_ID, CID, before.leg("g0v0").send_at + 3600, None)
    # Then every waiting leg moved by the hour, the winner too (spacing is kept) ...
    assert [leg.send_at for leg in c.legs] == [leg.send_at + 3600 for leg in before.legs]
    # ... and the sleeping run was replaced by a new one that reads the new times
    assert c.execution == f"{CID}-r2"
    assert executions.stopped == [(CID, f"rescheduled; continued by {CID}-r2")]
    assert executions.started == [f"{CID}-r2"]


def test_a_cancel_racing_the_engine_is_read_again_and_finished(
    world: World, ops: Campaigns, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an A/B campaign waiting, and the engine writing each leg (a check) just after the
    # operator's cancel has read it
    world.wechat.tagged = {2: followers(10)}
    world.prepared(ab_spec())
    store = world.campaigns
    read_leg = store.leg
    raced: set[str] = set()

    def leg_then_engine_writes(app_id: str, campaign_id: str, key: str) -> LegState | None:
        leg = read_leg(app_id, campaign_id, key)
        if leg is not None and key not in raced:
            raced.add(key)
            store.save(leg.checked())  # the engine wins the race: the operator's copy is stale
        return leg

    monkeypatch.setattr(store, "leg", leg_then_engine_writes)
    # When the operator cancels
    ops.cancel(APP_ID, CID)
    # Then every leg lost one race, was read again, and ended cancelled all the same
    legs = store.legs(APP_ID, CID)
    assert raced == {s.key for s in legs} and len(raced) == 3
    assert {s.status for s in legs} == {LegStatus.CANCELLED}
