"""Planning a run: claiming the campaign, segments, seeded samples, legs and their lists."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, EXECUTION, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.broadcast.prepare import leg_content, leg_lists
from wxengage.broadcast.progress import CampaignConflictError
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus, MpNews
from wxengage.broadcast.state import LegStatus


def test_segment_claims_a_draft_and_pages_every_follower_into_its_group(world: World) -> None:
    # Given a draft sent to all followers, and 7 followers WeChat lists 3 per page
    world.draft(text_spec())
    world.wechat.followers = followers(7)
    # When the state machine segments it
    out = world.engine.segment(APP_ID, CID, EXECUTION)
    # Then the campaign is preparing, run by this execution, with its legs planned
    c = world.campaign()
    assert out == {"app_id": APP_ID, "campaign_id": CID}
    assert (c.status, c.execution, c.started_at) == (CampaignStatus.PREPARING, EXECUTION, NOW)
    assert [leg.key for leg in c.legs] == ["g0"]
    # And every page was read into the group's segment, with its report
    assert world.audiences.lists["segments/g0"] == followers(7)
    assert c.groups["all"].audience == 7


def test_segment_refuses_a_campaign_another_execution_runs(world: World) -> None:
    # Given a campaign segmented by one execution
    world.draft(text_spec())
    world.engine.segment(APP_ID, CID, EXECUTION)
    # When a second execution tries to segment it
    # Then it is refused with the error the state machine does not retry
    with pytest.raises(CampaignConflictError, match="run by execution"):
        world.engine.segment(APP_ID, CID, "c0000000000a-r2")


def test_a_retried_segment_changes_nothing(world: World) -> None:
    # Given a campaign already segmented and prepared
    world.wechat.followers = followers(4)
    before = world.prepared(text_spec())
    world.wechat.followers = followers(9)  # WeChat's list changed meanwhile
    # When the segment task runs again (a Lambda retry)
    world.engine.segment(APP_ID, CID, EXECUTION)
    # Then neither the campaign nor its segment moved
    assert world.campaign() == before
    assert world.audiences.lists["segments/g0"] == followers(4)


def test_store_audiences_come_from_the_followers_we_have_seen(world: World) -> None:
    # Given a campaign whose audiences come from our own follower records
    spec = text_spec() | {"audience_source": "store"}
    world.draft(spec)
    world.followers.openids = followers(3, "s")
    world.wechat.followers = followers(5, "w")
    # When it is segmented
    world.engine.segment(APP_ID, CID, EXECUTION)
    # Then WeChat's list was not used
    assert world.audiences.lists["segments/g0"] == followers(3, "s")


def test_prepare_creates_each_leg_with_its_list_content_and_audience(world: World) -> None:
    # Given an A/B campaign over 10 tagged followers
    world.wechat.tagged = {2: followers(10)}
    # When it is segmented and prepared
    world.draft(ab_spec())
    world.engine.segment(APP_ID, CID, EXECUTION)
    out = world.engine.prepare(APP_ID, CID)
    # Then the legs go to the state machine in plan order
    assert [item["leg"] for item in out["legs"]] == ["g0v0", "g0v1", "g0w"]
    # And each variant leg has its 20% and its content; the winner leg has the rest, no content
    legs = {key: world.leg(key) for key in ("g0v0", "g0v1", "g0w")}
    assert [legs[k].audience for k in ("g0v0", "g0v1", "g0w")] == [2, 2, 6]
    assert legs["g0v0"].content == MpNews(type="mpnews", media_id="A")
    assert legs["g0w"].content is None
    assert all(s.status is LegStatus.QUEUED for s in legs.values())
    # And the campaign is queued, its seed kept for anyone to re-draw the samples
    assert world.campaign().status is CampaignStatus.QUEUED
    assert world.campaign().seed is not None


def test_a_retried_prepare_keeps_the_seed_and_the_legs(world: World) -> None:
    # Given a prepared A/B campaign
    world.wechat.tagged = {2: followers(10)}
    world.prepared(ab_spec())
    lists = dict(world.audiences.lists)
    legs = world.campaigns.legs(APP_ID, CID)
    # When prepare runs again
    out = world.engine.prepare(APP_ID, CID)
    # Then the same legs are answered and nothing was redrawn or recreated
    assert len(out["legs"]) == 3
    assert world.audiences.lists == lists
    assert world.campaigns.legs(APP_ID, CID) == legs


def test_leg_lists_split_a_tested_group_into_disjoint_samples_and_the_rest() -> None:
    # Given an A/B group of 100 openids
    group = CampaignSpec.model_validate(ab_spec()).groups[0]
    openids = [f"o{i}" for i in range(100)]
    # When its leg lists are drawn twice with the same seed
    lists = leg_lists(group, 0, openids, seed=42)
    again = leg_lists(group, 0, list(reversed(openids)), seed=42)
    # Then each variant gets its 20%, the winner leg the rest, with no one in two lists
    assert {k: len(v) for k, v in lists.items()} == {"g0v0": 20, "g0v1": 20, "g0w": 60}
    assert sorted(o for v in lists.values() for o in v) == sorted(openids)
    # And the draw depends on the seed only, not on the order WeChat listed them in
    assert again == lists


def test_an_untested_group_sends_its_content_to_everyone() -> None:
    # Given a plain group
    group = CampaignSpec.model_validate(text_spec()).groups[0]
    # Then its one leg gets the whole list, and the group's content
    assert leg_lists(group, 3, ["a", "b"], seed=1) == {"g3": ["a", "b"]}
    assert leg_content(group, LegKind.GROUP, None) == group.content


def test_a_variant_leg_sends_its_own_content_and_a_winner_leg_none_yet() -> None:
    group = CampaignSpec.model_validate(ab_spec()).groups[0]
    assert leg_content(group, LegKind.VARIANT, "b") == MpNews(type="mpnews", media_id="B")
    assert leg_content(group, LegKind.WINNER, None) is None


def test_a_group_named_in_chinese_is_kept_under_an_ascii_key(world: World) -> None:
    # Given a campaign whose only group is named in Chinese
    spec = text_spec()
    spec["groups"][0]["name"] = "会员"
    world.wechat.followers = followers(3)
    c = world.draft(spec)
    # When it is segmented
    world.engine.segment(APP_ID, c.campaign_id, EXECUTION)
    # Then its audience is kept under the group's position, never its name
    assert list(world.audiences.lists) == ["segments/g0"]
    assert all(key.isascii() for key in world.audiences.lists)


def test_a_campaign_segmented_under_the_old_keys_still_prepares(world: World) -> None:
    # Given a campaign segmented by an older version (the audience under the group's name)
    world.wechat.followers = followers(4)
    c = world.draft(text_spec())
    world.engine.segment(APP_ID, c.campaign_id, EXECUTION)
    lists = world.audiences.lists
    lists["segments/all"] = lists.pop("segments/g0")
    # When it is prepared
    world.engine.prepare(APP_ID, c.campaign_id)
    # Then the leg's list is read from the old key
    assert world.audiences.lists["legs/g0"] == followers(4)
