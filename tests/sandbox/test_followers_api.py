"""The sandbox's token checks and its follower and tag APIs, fed by callbacks and seeded followers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, OTHER_APP_ID, Harness, running_sandbox
from wxengage_local.sandbox.state import PAGE_SIZE


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        yield harness


def test_wechat_apis_need_a_valid_unexpired_token(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a token issued to the account
    token = wx.token()
    url = f"{wx.url}/cgi-bin/tags/get"
    # When APIs are called without it, with a wrong one, with it, and with it after 2 hours
    missing = requests.get(url, timeout=5).json()
    wrong = requests.get(url, params={"access_token": token + "x"}, timeout=5).json()
    good = requests.get(url, params={"access_token": token}, timeout=5).json()
    fake_clock.advance(7200)
    expired = requests.get(url, params={"access_token": token}, timeout=5).json()
    # Then only the valid token gets an answer
    assert missing["errcode"] == 40001 and wrong["errcode"] == 40001
    assert good == {"tags": []}
    assert expired["errcode"] == 42001


def test_a_token_only_sees_its_own_accounts_followers(wx: Harness) -> None:
    # Given a follower of the first account
    wx.control("POST", "followers", {"app_id": APP_ID, "openid": "o-ann", "tags": [2]})
    # When the other account's token asks about them
    answer = wx.wechat("/cgi-bin/tags/getidlist", {"openid": "o-ann"}, app_id=OTHER_APP_ID)
    # Then WeChat does not know that openid for that account
    assert answer["errcode"] == 40003


def test_played_follow_and_unsubscribe_change_who_follows(wx: Harness) -> None:
    # Given two followers who followed through the sandbox
    wx.play("o-ann", "follow")
    wx.play("o-bob", "follow")
    # When one of them unsubscribes
    wx.play("o-bob", "unsubscribe")
    # Then the sandbox lists both, and user/get only the one still following
    listed = wx.control("GET", "followers", app_id=APP_ID)
    assert [(f["openid"], f["subscribed"]) for f in listed] == [("o-ann", True), ("o-bob", False)]
    page = wx.wechat("/cgi-bin/user/get", params={"next_openid": ""})
    assert page == {"total": 1, "count": 1, "data": {"openid": ["o-ann"]}, "next_openid": "o-ann"}


def test_tags_come_from_the_followers(wx: Harness) -> None:
    # Given followers with tags, one of whom left
    for openid, tags in [("o-ann", [2, 100]), ("o-bob", [100]), ("o-cat", [100, 101])]:
        wx.control("POST", "followers", {"app_id": APP_ID, "openid": openid, "tags": tags})
    wx.play("o-cat", "unsubscribe")
    # When the engine reads tags, a follower's tag ids and an unknown follower's
    tags = wx.wechat("/cgi-bin/tags/get")
    ids = wx.wechat("/cgi-bin/tags/getidlist", {"openid": "o-ann"})
    unknown = wx.wechat("/cgi-bin/tags/getidlist", {"openid": "o-nobody"})
    # Then counts cover subscribed followers and the unknown openid is refused
    assert tags == {
        "tags": [
            {"id": 2, "name": "星标组", "count": 1},
            {"id": 100, "name": "tag100", "count": 2},
            {"id": 101, "name": "tag101", "count": 0},
        ]
    }
    assert ids == {"tagid_list": [2, 100]}
    assert unknown["errcode"] == 40003


def test_user_get_pages_ten_thousand_at_a_time_in_a_stable_order(wx: Harness) -> None:
    # Given 10,002 followers seen in order, one of whom has left
    openids = [f"o-{i:05d}" for i in range(PAGE_SIZE + 2)]
    for openid in openids:
        wx.sandbox.state.put_follower(APP_ID, openid, [])
    wx.play(openids[3], "unsubscribe")
    following = [o for o in openids if o != openids[3]]
    # When the engine pages through user/get
    first = wx.wechat("/cgi-bin/user/get")
    second = wx.wechat("/cgi-bin/user/get", params={"next_openid": first["next_openid"]})
    last = wx.wechat("/cgi-bin/user/get", params={"next_openid": second["next_openid"]})
    # Then it gets every subscribed follower once, in order, and an empty page at the end
    assert (first["total"], first["count"]) == (PAGE_SIZE + 1, PAGE_SIZE)
    assert first["data"]["openid"] == following[:PAGE_SIZE]
    assert first["next_openid"] == following[PAGE_SIZE - 1]
    assert (second["count"], second["data"]["openid"]) == (1, following[PAGE_SIZE:])
    assert last == {"total": PAGE_SIZE + 1, "count": 0, "next_openid": ""}


def test_user_tag_get_pages_the_followers_under_a_tag(wx: Harness) -> None:
    # Given followers, some under tag 100
    for i in range(5):
        tags = [100] if i % 2 == 0 else []
        wx.control("POST", "followers", {"app_id": APP_ID, "openid": f"o-{i}", "tags": tags})
    # When the engine lists tag 100, then reads on from its last openid, and asks an unknown tag
    first = wx.wechat("/cgi-bin/user/tag/get", {"tagid": 100, "next_openid": ""})
    rest = wx.wechat("/cgi-bin/user/tag/get", {"tagid": 100, "next_openid": "o-4"})
    unknown = wx.wechat("/cgi-bin/user/tag/get", {"tagid": 999, "next_openid": ""})
    # Then the tag's members come in order, then an empty page; the unknown tag is refused
    assert first == {"count": 3, "data": {"openid": ["o-0", "o-2", "o-4"]}, "next_openid": "o-4"}
    assert rest == {"count": 0, "next_openid": ""}
    assert unknown["errcode"] == 45159


def test_seeding_a_follower_refuses_unknown_accounts_and_bad_tags(wx: Harness) -> None:
    # When followers are seeded for an unknown app, and with a negative tag
    unknown = requests.post(
        f"{wx.url}/_sandbox/followers",
        json={"app_id": "wxffffffffffffffff", "openid": "o-1"},
        timeout=5,
    )
    bad = requests.post(
        f"{wx.url}/_sandbox/followers",
        json={"app_id": APP_ID, "openid": "o-1", "tags": [-1]},
        timeout=5,
    )
    # Then both are refused with a reason
    assert unknown.status_code == 404 and "no account" in unknown.json()["error"]
    assert bad.status_code == 400 and "tags.0" in bad.json()["error"]
