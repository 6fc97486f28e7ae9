"""The sandbox's catalog APIs as the sync calls them: tags, batchget, drafts and published lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, OTHER_APP_ID, Harness, running_sandbox

BATCH = "/cgi-bin/user/info/batchget"
DRAFTS, PUBLISHED = "/cgi-bin/draft/batchget", "/cgi-bin/freepublish/batchget"
NOW = 1_795_341_600


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        yield harness


def follower(wx: Harness, openid: str, tags: list[int], app_id: str = APP_ID) -> None:
    wx.control("POST", "followers", {"app_id": app_id, "openid": openid, "tags": tags})


def users(openids: list[str]) -> dict[str, object]:
    return {"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids]}


def test_batchget_gives_followers_tags_and_non_followers_only_subscribe_0(wx: Harness) -> None:
    # Given a tagged follower and one who left
    follower(wx, "o-ann", [2, 100])
    follower(wx, "o-bob", [])
    wx.play("o-bob", "unsubscribe")
    # When the engine asks for both
    answer = wx.wechat(BATCH, users(["o-ann", "o-bob"]))
    # Then the follower carries tagid_list; the one who left only subscribe 0 and openid
    ann, bob = answer["user_info_list"]
    assert (ann["subscribe"], ann["openid"], ann["tagid_list"]) == (1, "o-ann", [2, 100])
    assert bob == {"subscribe": 0, "openid": "o-bob"}


def test_batchget_refuses_more_than_100_and_unknown_openids(wx: Harness) -> None:
    follower(wx, "o-ann", [])
    assert wx.wechat(BATCH, users([f"o-{n}" for n in range(101)]))["errcode"] == 47001
    assert wx.wechat(BATCH, users(["o-ann", "o-nobody"]))["errcode"] == 40003
    assert wx.wechat(BATCH, {"user_list": []})["errcode"] == 47001
    # Another account's follower is unknown to this app's token
    follower(wx, "o-other", [], app_id=OTHER_APP_ID)
    assert wx.wechat(BATCH, users(["o-other"]))["errcode"] == 40003


def seed(wx: Harness, source: str, n: int, app_id: str = APP_ID) -> None:
    for i in range(n):
        body = {
            "app_id": app_id,
            "source": source,
            "id": f"{source[0]}{i:03d}",
            "title": f"标题{i}",
            "thumb_url": f"https://mmbiz.example/{i}.jpg",
            "update_time": NOW - i,
        }
        wx.control("POST", "articles", body)


def test_drafts_page_20_at_a_time_newest_first_with_total_count(wx: Harness) -> None:
    # Given 45 drafts
    seed(wx, "draft", 45)
    # When the engine reads page 3 (offset 40)
    answer = wx.wechat(DRAFTS, {"offset": 40, "count": 20, "no_content": 1})
    # Then 5 items of 45, newest first, in WeChat's item shape without content
    assert (answer["total_count"], answer["item_count"]) == (45, 5)
    first = answer["item"][0]
    assert first["media_id"] == "d040" and first["update_time"] == NOW - 40
    news = first["content"]["news_item"][0]
    assert news["title"] == "标题40" and news["thumb_url"] == "https://mmbiz.example/40.jpg"
    assert "content" not in news
    # And past the end is an empty page, not an error
    assert wx.wechat(DRAFTS, {"offset": 60, "count": 20})["item"] == []


def test_published_items_carry_article_id_and_is_deleted(wx: Harness) -> None:
    seed(wx, "published", 2)
    answer = wx.wechat(PUBLISHED, {"offset": 0, "count": 1, "no_content": 0})
    item = answer["item"][0]
    assert item["article_id"] == "p000" and answer["total_count"] == 2
    assert item["content"]["news_item"][0]["is_deleted"] is False
    assert "content" in item["content"]["news_item"][0]  # no_content 0: the HTML is there


@pytest.mark.parametrize(
    "body",
    [
        {"offset": 0, "count": 21},
        {"offset": 0, "count": 0},
        {"offset": -1, "count": 5},
        {"offset": "0", "count": 5},
        {"count": 5},
    ],
)
def test_a_bad_page_is_refused(wx: Harness, body: dict[str, object]) -> None:
    assert wx.wechat(DRAFTS, body)["errcode"] == 47001


def test_articles_are_per_account(wx: Harness) -> None:
    seed(wx, "draft", 3, app_id=OTHER_APP_ID)
    assert wx.wechat(DRAFTS, {"offset": 0, "count": 20})["total_count"] == 0


def test_tags_are_created_named_and_put_on_followers(wx: Harness) -> None:
    # Given two followers and a tag created with a Chinese name
    follower(wx, "o-ann", [])
    follower(wx, "o-bob", [2])
    created = wx.wechat("/cgi-bin/tags/create", {"tag": {"name": "会员"}})["tag"]
    assert created == {"id": 100, "name": "会员"}
    # When both are tagged with it
    tagging = {"openid_list": ["o-ann", "o-bob"], "tagid": 100}
    assert wx.wechat("/cgi-bin/tags/members/batchtagging", tagging)["errcode"] == 0
    # Then tags/get names it with its count, and each follower carries it
    assert wx.wechat("/cgi-bin/tags/get")["tags"] == [
        {"id": 2, "name": "星标组", "count": 1},
        {"id": 100, "name": "会员", "count": 2},
    ]
    assert wx.wechat(BATCH, users(["o-bob"]))["user_info_list"][0]["tagid_list"] == [2, 100]


def test_tag_errors_are_wechats(wx: Harness) -> None:
    follower(wx, "o-ann", list(range(200, 220)))  # 20 tags already
    assert wx.wechat("/cgi-bin/tags/create", {"tag": {"name": "会员"}})["tag"]["id"] == 100
    assert wx.wechat("/cgi-bin/tags/create", {"tag": {"name": "会员"}})["errcode"] == 45157
    assert wx.wechat("/cgi-bin/tags/create", {"tag": {"name": "长" * 11}})["errcode"] == 45158
    tag = "/cgi-bin/tags/members/batchtagging"
    assert wx.wechat(tag, {"openid_list": ["o-ann"], "tagid": 100})["errcode"] == 45059
    assert wx.wechat(tag, {"openid_list": ["o-ann"], "tagid": 999})["errcode"] == 45159
    assert wx.wechat(tag, {"openid_list": ["o-x"] * 51, "tagid": 100})["errcode"] == 40032
    assert wx.wechat(tag, {"openid_list": ["o-nobody"], "tagid": 100})["errcode"] == 40003
