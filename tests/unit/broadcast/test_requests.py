"""Operator requests: previews of each content, and taking sent news offline."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.broadcast.conftest import CID, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage.broadcast.progress import CampaignConflictError
from wxengage.broadcast.tasks import Preview, parse_task
from wxengage.wechat.targets import PreviewTarget


def test_a_preview_sends_every_content_to_each_named_follower(world: World) -> None:
    # Given an A/B campaign (two contents)
    world.draft(ab_spec())
    # When it is previewed to a follower by openid and one by WeChat ID
    to = [PreviewTarget("touser", "o1"), PreviewTarget("towxname", "wang_lei88")]
    out = world.engine.preview(APP_ID, CID, to, None)
    # Then each follower got each variant, labelled group/variant
    assert out["previews"] == [
        {"leg": "fans/a", "to": "o1"},
        {"leg": "fans/a", "to": "wxid:wang_lei88"},
        {"leg": "fans/b", "to": "o1"},
        {"leg": "fans/b", "to": "wxid:wang_lei88"},
    ]
    assert [m["mpnews"]["media_id"] for _, m in world.wechat.previews] == ["A", "A", "B", "B"]


@pytest.mark.parametrize(
    ("task", "refusal"),
    [
        ({}, "1 to 20 followers"),
        (
            {"openids": [f"o{i}" for i in range(15)], "wxnames": [f"wx_user{i}" for i in range(6)]},
            "1 to 20 followers",
        ),
        ({"wxnames": ["1abcdef"]}, "wxnames.0"),  # a WeChat ID starts with a letter
        ({"wxnames": ["abc"]}, "wxnames.0"),  # and has 6 to 20 characters
        ({"openids": ["o 1"]}, "openids.0"),
    ],
    ids=["nobody", "21 in all", "wxid starting with a digit", "wxid too short", "bad openid"],
)
def test_a_preview_task_names_1_to_20_valid_recipients(
    task: dict[str, object], refusal: str
) -> None:
    # Given a preview task with bad recipients / When parsed / Then refused, naming why
    with pytest.raises(ValidationError, match=refusal):
        parse_task({"action": "preview", "app_id": APP_ID, "campaign_id": CID, **task})


def test_a_preview_task_puts_openids_then_wechat_ids() -> None:
    task = parse_task(
        {"action": "preview", "app_id": APP_ID, "campaign_id": CID, "openids": ["o1"],
         "wxnames": ["wang_lei88"]}
    )  # fmt: skip
    assert isinstance(task, Preview)
    assert task.targets() == [
        PreviewTarget("touser", "o1"),
        PreviewTarget("towxname", "wang_lei88"),
    ]


def test_a_preview_of_a_leg_without_content_is_refused(world: World) -> None:
    world.draft(ab_spec())
    with pytest.raises(CampaignConflictError, match="no leg 'g0w' with content"):
        world.engine.preview(APP_ID, CID, [PreviewTarget("touser", "o1")], "g0w")


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
