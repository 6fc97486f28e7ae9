"""Campaigns on a subscription account: refused up front when sendall cannot do them."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import (
    CID,
    EXECUTION,
    NOW,
    World,
    ab_spec,
    followers,
    text_spec,
)
from tests.unit.broadcast.fakes import APP_ID, FakeAccounts
from tests.unit.broadcast.test_operations import FakeExecutions, FakeTimezones
from wxengage.accounts import AccountType
from wxengage.broadcast.budget import AccountTypeError, budget_day
from wxengage.broadcast.operations import Campaigns
from wxengage.broadcast.spec import CampaignSpec


def test_an_ab_test_on_a_subscription_account_is_refused_at_create_and_nothing_is_written(
    world: World,
) -> None:
    ops = Campaigns(world.campaigns, FakeExecutions(), FakeTimezones(AccountType.SUBSCRIPTION))
    with pytest.raises(AccountTypeError, match="subscription account cannot run A/B tests"):
        ops.create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    assert world.campaigns.docs == {}


def test_a_campaign_started_after_the_account_became_a_subscription_is_refused(
    world: World,
) -> None:
    executions = FakeExecutions()
    c = Campaigns(world.campaigns, executions, FakeTimezones()).create(
        APP_ID, CampaignSpec.model_validate(ab_spec())
    )
    ops = Campaigns(world.campaigns, executions, FakeTimezones(AccountType.SUBSCRIPTION))
    with pytest.raises(AccountTypeError):
        ops.start(APP_ID, c.campaign_id)
    assert executions.started == []
    assert world.campaigns.get(APP_ID, c.campaign_id).status.value == "draft"


def test_subscription_tag_groups_keep_every_follower_under_their_tag(world: World) -> None:
    # Given a subscription account and two tag groups sharing a follower
    world.accounts = FakeAccounts(AccountType.SUBSCRIPTION)
    shared = followers(1, "s")
    world.wechat.tagged = {2: followers(3, "a") + shared, 3: followers(2, "b") + shared}
    spec = text_spec({"tags": [2]})
    spec["groups"].append(
        {"name": "b", "audience": {"tags": [3]}, "content": {"type": "text", "content": "b"}}
    )
    world.draft(spec)
    # When it is segmented
    world.engine.segment(APP_ID, CID, EXECUTION)
    # Then each group keeps its whole tag: sendall by tag reaches them all, overlap or not
    reports = world.campaign().groups
    assert (reports["all"].audience, reports["b"].audience) == (4, 3)
    assert reports["b"].overlap_removed == 0


def test_a_subscription_leg_moved_onto_a_taken_day_goes_the_next_day(world: World) -> None:
    # Given a subscription account's campaign of two tag groups, segmented, a day apart
    world.accounts = FakeAccounts(AccountType.SUBSCRIPTION)
    world.wechat.tagged = {2: followers(3, "a"), 3: followers(2, "b")}
    spec = text_spec({"tags": [2]})
    spec["groups"].append(
        {"name": "b", "audience": {"tags": [3]}, "content": {"type": "text", "content": "b"}}
    )
    ops = Campaigns(world.campaigns, FakeExecutions(), FakeTimezones(AccountType.SUBSCRIPTION))
    world.draft(spec)
    started = ops.start(APP_ID, CID)
    assert [leg.send_at for leg in started.legs] == [NOW, NOW + 86_400]
    world.engine.segment(APP_ID, CID, EXECUTION)
    # When the operator moves the second group to two hours from now, the first group's day
    c = ops.reschedule(APP_ID, CID, NOW + 7200, "g1")
    # Then it goes at that time of day on the next WeChat day: one send a day, as planned
    first, second = (leg.send_at for leg in c.legs)
    assert (first, second) == (NOW, NOW + 7200 + 86_400)
    assert budget_day(first) != budget_day(second)
