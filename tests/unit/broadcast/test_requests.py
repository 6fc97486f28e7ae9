"""Operator requests: previews of each content, and taking sent news offline."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.broadcast.progress import CampaignConflictError


def test_a_preview_sends_every_content_to_each_named_follower(world: World) -> None:
    # Given an A/B campaign (two contents)
    world.draft(ab_spec())
    # When it is previewed to two followers
    out = world.engine.preview(APP_ID, CID, ["o1", "o2"], None)
    # Then each follower got each variant, labelled group/variant
    assert out["previews"] == [
        {"leg": "fans/a", "openid": "o1"},
        {"leg": "fans/a", "openid": "o2"},
        {"leg": "fans/b", "openid": "o1"},
        {"leg": "fans/b", "openid": "o2"},
    ]
    assert [m["mpnews"]["media_id"] for _, m in world.wechat.previews] == ["A", "A", "B", "B"]


def test_a_preview_of_a_leg_without_content_is_refused(world: World) -> None:
    world.draft(ab_spec())
    with pytest.raises(CampaignConflictError, match="no leg 'g0w' with content"):
        world.engine.preview(APP_ID, CID, ["o1"], "g0w")


def test_offline_deletes_each_sent_news_batch(world: World) -> None:
    # Given a news campaign sent in one batch
    spec = text_spec()
    spec["groups"][0]["content"] = {"type": "mpnews", "media_id": "N"}
    world.wechat.followers = followers(4)
    world.sending(spec)
    world.engine.send(APP_ID, CID, "g0")
    (batch,) = world.batches("g0")
    # When it is taken offline (second article)
    out = world.engine.offline(APP_ID, CID, None, 2)
    # Then that job's article was deleted, and the batch is recorded offline
    assert out["deleted"] == [batch.msg_id]
    assert world.batches("g0")[0].offline_article == 2
    assert world.wechat.deleted == [(batch.msg_id, 2)]


def test_offline_of_a_text_campaign_is_refused(world: World) -> None:
    # Given a text campaign that was sent (WeChat deletes news and video only)
    world.wechat.followers = followers(4)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    # Then taking it offline is refused and nothing is deleted
    with pytest.raises(CampaignConflictError, match="no sent news"):
        world.engine.offline(APP_ID, CID, None, 0)
    assert world.wechat.deleted == []
