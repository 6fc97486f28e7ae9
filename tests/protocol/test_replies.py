"""Passive replies: each type renders XML that reads back, CDATA escaping, the 1-article rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from wxengage.wechat import replies as r
from wxengage.wechat.xml import parse_xml

TO, FROM, AT = "o-follower", "gh_account", 1713424427

# Text that XML 1.0 can carry as-is (control characters and surrogates excluded;
# "\r" is left out because XML parsers normalise it to "\n").
XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")))


def read_back(reply: r.Reply) -> dict[str, str]:
    return parse_xml(r.render_reply(reply, to_user=TO, from_user=FROM, create_time=AT))


@pytest.mark.parametrize(
    ("reply", "msg_type", "fields"),
    [
        (r.TextReply(content="你好 <b>&"), "text", {"Content": "你好 <b>&"}),
        (r.ImageReply(media_id="img-1"), "image", {"MediaId": "img-1"}),
        (r.VoiceReply(media_id="voice-1"), "voice", {"MediaId": "voice-1"}),
        (
            r.VideoReply(media_id="v-1", title="T", description="D"),
            "video",
            {"MediaId": "v-1", "Title": "T", "Description": "D"},
        ),
        (
            r.MusicReply(
                title="T",
                description="D",
                music_url="http://m/1.mp3",
                hq_music_url="http://m/1hq.mp3",
                thumb_media_id="th-1",
            ),
            "music",
            {
                "Title": "T",
                "Description": "D",
                "MusicUrl": "http://m/1.mp3",
                "HQMusicUrl": "http://m/1hq.mp3",
                "ThumbMediaId": "th-1",
            },
        ),
        (
            r.NewsReply(
                articles=[r.Article(title="T", description="D", url="http://u", pic_url="http://p")]
            ),
            "news",
            {
                "ArticleCount": "1",
                "Title": "T",
                "Description": "D",
                "Url": "http://u",
                "PicUrl": "http://p",
            },
        ),
        (r.TransferCustomerServiceReply(), "transfer_customer_service", {}),
    ],
    ids=["text", "image", "voice", "video", "music", "news", "transfer"],
)
def test_each_reply_renders_xml_wechat_can_read(
    reply: r.Reply, msg_type: str, fields: dict[str, str]
) -> None:
    # Given a reply of each type
    # When it is rendered for a follower and read back with the safe parser
    got = read_back(reply)
    # Then the header carries To/From as given and the body carries the reply's fields
    assert (got["ToUserName"], got["FromUserName"], got["CreateTime"], got["MsgType"]) == (
        TO,
        FROM,
        str(AT),
        msg_type,
    )
    assert {k: got[k] for k in fields} == fields


def test_a_text_reply_renders_exactly_as_wechat_documents() -> None:
    # Given a text reply / When rendered / Then it is the documented layout, byte for byte
    xml = r.render_reply(r.TextReply(content="hi"), to_user=TO, from_user=FROM, create_time=AT)
    assert xml == (
        "<xml><ToUserName><![CDATA[o-follower]]></ToUserName>"
        "<FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>1713424427</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>"
    )


@pytest.mark.parametrize("content", ["a]]>b", "]]>", "x]]]]>>y", "]]><![CDATA[evil"])
def test_cdata_terminators_in_content_round_trip(content: str) -> None:
    # Given content containing "]]>" (which would end a CDATA section early)
    # When rendered and parsed back
    got = read_back(r.TextReply(content=content))
    # Then the content is unchanged and no extra element was injected
    assert got["Content"] == content
    assert set(got) == {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}


@settings(max_examples=75, deadline=None)
@given(XML_TEXT)
def test_any_xml_text_round_trips_as_text_reply_content(content: str) -> None:
    # Given any text XML can carry / When rendered and parsed back / Then it is unchanged
    assert read_back(r.TextReply(content=content))["Content"] == content


def test_characters_xml_cannot_carry_are_dropped_not_fatal() -> None:
    # Given content with a NUL and an escape character
    # When rendered and parsed back / Then the reply is still valid XML without them
    assert read_back(r.TextReply(content="a\x00b\x1b"))["Content"] == "ab"


@pytest.mark.parametrize("count", [0, 2])
def test_news_replies_hold_exactly_one_article(count: int) -> None:
    # Given zero or two articles / When a NewsReply is built / Then validation refuses it
    article = r.Article(title="T", url="http://u")
    with pytest.raises(ValidationError):
        r.NewsReply(articles=[article] * count)


def test_replies_refuse_unknown_fields() -> None:
    # Given a misspelt field / When a reply is built / Then it is refused, not silently dropped
    with pytest.raises(ValidationError):
        r.TextReply(content="x", contnet="y")  # type: ignore[call-arg]
