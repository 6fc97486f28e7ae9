"""Customer-service sends against the sandbox: the window, the quota and the body checked like WeChat."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, SEND, Harness, running_sandbox


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        yield harness


def test_a_backdated_message_opens_five_sends(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a follower who wrote 47 hours ago
    wx.play("o-ann", "say", text="hello", create_time=int(fake_clock.now) - 47 * 3600)
    # When the engine sends six messages
    codes = [wx.send_text("o-ann", f"reply {i}") for i in range(6)]
    # Then five go out and the sixth finds the quota used up
    assert codes == [0, 0, 0, 0, 0, 45047]
    sent = wx.control("GET", "sent", app_id=APP_ID)
    assert [s["message"]["text"]["content"] for s in sent] == [f"reply {i}" for i in range(5)]
    assert {(s["openid"], s["msgtype"], s["at"]) for s in sent} == {
        ("o-ann", "text", int(fake_clock.now))
    }


def test_a_follow_opens_three_sends_for_one_minute(wx: Harness, fake_clock: FakeClock) -> None:
    # Given two followers who just followed
    wx.play("o-ann", "follow")
    wx.play("o-bob", "follow")
    # When the engine sends four to one at once, and to the other after a minute
    codes = [wx.send_text("o-ann") for _ in range(4)]
    fake_clock.advance(59)
    just_in_time = wx.send_text("o-bob")
    fake_clock.advance(1)
    too_late = wx.send_text("o-bob")
    # Then three go out, then the quota is used; and the window shuts at 60 s
    assert codes == [0, 0, 0, 45047]
    assert (just_in_time, too_late) == (0, 45015)


def test_a_follow_never_shortens_a_message_window(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a follower who wrote an hour ago and was sent four messages
    wx.play("o-ann", "say", text="hi", create_time=int(fake_clock.now) - 3600)
    assert [wx.send_text("o-ann") for _ in range(4)] == [0, 0, 0, 0]
    # When they click a menu (a 1-minute window) and two minutes pass
    wx.play("o-ann", "click", key="MENU_1")
    fake_clock.advance(120)
    # Then the 48-hour window still holds, with its one message left
    assert [wx.send_text("o-ann") for _ in range(2)] == [0, 45047]


def test_a_new_message_resets_the_quota(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a follower whose window's five messages are spent
    wx.play("o-ann", "say", text="hi", create_time=int(fake_clock.now) - 60)
    assert [wx.send_text("o-ann") for _ in range(6)][-1] == 45047
    # When they write again
    wx.play("o-ann", "tap", text="yes", key="101")
    # Then five more can go out
    assert [wx.send_text("o-ann") for _ in range(6)] == [0, 0, 0, 0, 0, 45047]


def test_no_window_unsubscribed_and_unknown_followers_are_refused(wx: Harness) -> None:
    # Given a seeded follower with no window, and one who wrote then left
    wx.control("POST", "followers", {"app_id": APP_ID, "openid": "o-quiet", "tags": []})
    wx.play("o-gone", "say", text="bye")
    wx.play("o-gone", "unsubscribe")
    # When the engine sends to them and to an openid the account never saw
    codes = [wx.send_text(o) for o in ("o-quiet", "o-gone", "o-stranger")]
    # Then WeChat's follower-side errcodes come back and nothing is logged
    assert codes == [45015, 43004, 40003]
    assert wx.control("GET", "sent", app_id=APP_ID) == []


def test_a_refollow_opens_a_new_window_after_an_unsubscribe(wx: Harness) -> None:
    # Given a follower who wrote, left and followed again
    for action in ("say", "unsubscribe", "follow"):
        wx.play("o-ann", action, text="x" if action == "say" else "")
    # When the engine sends four
    codes = [wx.send_text("o-ann") for _ in range(4)]
    # Then only the follow's window counts: three
    assert codes == [0, 0, 0, 45047]


def _text(content: str) -> dict[str, Any]:
    return {"touser": "o-ann", "msgtype": "text", "text": {"content": content}}


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (b'{"touser":"o-ann","msgtype":"text","text":{"content":"\\u4f60\\u597d"}}', 40033),
        (b'{"touser":"o-ann","msgtype":"text",', 47001),
        ({"touser": "o-ann", "msgtype": "telegram", "telegram": {}}, 40008),
        ({"touser": "o-ann", "msgtype": "text"}, 47001),
        (_text(""), 47001),
        ({"touser": "o-ann", "msgtype": "image", "image": {}}, 47001),
        (
            {
                "touser": "o-ann",
                "msgtype": "news",
                "news": {"articles": [{"title": "a", "url": "u"}, {"title": "b", "url": "u"}]},
            },
            45008,
        ),
        ({"touser": "o-ann", "msgtype": "msgmenu", "msgmenu": {"list": []}}, 47001),
        (
            {"touser": "o-ann", "msgtype": "msgmenu", "msgmenu": {"list": [{"id": "101"}]}},
            47001,
        ),
        (
            {
                "touser": "o-ann",
                "msgtype": "miniprogrampage",
                "miniprogrampage": {"title": "t", "appid": "wx1", "pagepath": "p"},
            },
            47001,
        ),
        ({"touser": "o-ann", "msgtype": "wxcard", "wxcard": {"card_id": ""}}, 47001),
        ({"msgtype": "text", "text": {"content": "hi"}}, 40003),
    ],
    ids=[
        "unicode-escapes",
        "bad-json",
        "unknown-msgtype",
        "no-text",
        "empty-content",
        "no-media-id",
        "two-articles",
        "empty-menu",
        "menu-option-without-content",
        "miniprogram-without-thumb",
        "empty-card-id",
        "no-touser",
    ],
)
def test_malformed_sends_get_wechats_errcode(wx: Harness, body: Any, errcode: int) -> None:
    # Given a follower with an open window
    wx.play("o-ann", "say", text="hello")
    # When the engine sends a malformed body
    answer = wx.wechat(SEND, body)
    # Then WeChat's errcode comes back and no window message is spent
    assert answer["errcode"] == errcode
    assert wx.control("GET", "sent", app_id=APP_ID) == []


@pytest.mark.parametrize(
    "message",
    [
        _text('你好 \\u4f60 <a href="weixin://bizmsgmenu?msgmenucontent=yes&msgmenuid=1">yes</a>'),
        {"msgtype": "image", "image": {"media_id": "MEDIA"}},
        {"msgtype": "news", "news": {"articles": [{"title": "t", "url": "https://x.test"}]}},
        {"msgtype": "mpnewsarticle", "mpnewsarticle": {"article_id": "ART"}},
        {
            "msgtype": "msgmenu",
            "msgmenu": {"head_content": "h", "list": [{"id": "101", "content": "yes"}]},
        },
        {
            "msgtype": "miniprogrampage",
            "miniprogrampage": {
                "title": "t",
                "appid": "wx0123456789abcdef",
                "pagepath": "pages/index",
                "thumb_media_id": "THUMB",
            },
        },
        {"msgtype": "wxcard", "wxcard": {"card_id": "CARD"}},
    ],
    ids=lambda m: str(m.get("msgtype")),
)
def test_well_formed_sends_of_every_type_go_out(wx: Harness, message: dict[str, Any]) -> None:
    # Given a follower with an open window
    wx.play("o-ann", "say", text="hello")
    # When the engine sends a well-formed message in raw UTF-8 (an escaped backslash is fine)
    answer = wx.wechat(SEND, {"touser": "o-ann", **message})
    # Then WeChat says ok and the sandbox logs the body as sent
    assert answer == {"errcode": 0, "errmsg": "ok"}
    [logged] = wx.control("GET", "sent", app_id=APP_ID)
    assert logged["message"] == {"touser": "o-ann", **message}


def test_mpnews_by_media_id_is_refused_since_the_draft_box(wx: Harness) -> None:
    # Given a follower with an open window
    wx.play("o-ann", "say", text="hello")
    # When the engine sends customer-service mpnews with a material media_id
    answer = wx.wechat(SEND, {"touser": "o-ann", "msgtype": "mpnews", "mpnews": {"media_id": "M"}})
    # Then WeChat refuses it (use mpnewsarticle + article_id) and nothing is sent or spent
    assert answer == {"errcode": 40007, "errmsg": "invalid media_id"}
    assert wx.control("GET", "sent", app_id=APP_ID) == []
