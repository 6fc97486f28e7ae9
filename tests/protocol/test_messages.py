"""parse_message: every documented message and event type, unknown types, missing fields, dedupe."""

from __future__ import annotations

from typing import Any

import pytest

from wxengage.wechat import messages as m
from wxengage.wechat.errors import MissingFieldError
from wxengage.wechat.xml import parse_xml

HEAD = (
    "<ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n"
    "<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n"
    "<CreateTime>1348831860</CreateTime>\n"
)


def callback(body: str) -> m.Callback:
    """Parse WeChat-shaped XML (common head + body) into a callback."""
    return m.parse_message(parse_xml(f"<xml>{HEAD}{body}</xml>"))


def message(msg_type: str, rest: str, msg_id: str = "1234567890123456") -> str:
    return f"<MsgType><![CDATA[{msg_type}]]></MsgType>{rest}<MsgId>{msg_id}</MsgId>"


def event(name: str, rest: str = "") -> str:
    return f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>{rest}"


# (XML body, expected class, kind, expected attributes) — samples follow WECHAT.md §3.
CASES: list[tuple[str, type[m.BaseCallback], str, dict[str, Any]]] = [
    (
        message("text", "<Content><![CDATA[this is a test]]></Content>"),
        m.TextMessage,
        "text",
        {"content": "this is a test", "msg_id": 1234567890123456, "bizmsgmenuid": None},
    ),
    (
        message("image", "<PicUrl><![CDATA[http://p/1.jpg]]></PicUrl><MediaId>m1</MediaId>"),
        m.ImageMessage,
        "image",
        {"pic_url": "http://p/1.jpg", "media_id": "m1"},
    ),
    (
        message("voice", "<MediaId>m2</MediaId><Format><![CDATA[amr]]></Format>"),
        m.VoiceMessage,
        "voice",
        {"media_id": "m2", "format": "amr", "recognition": None},
    ),
    (
        message(
            "voice", "<MediaId>m2</MediaId><Format>amr</Format><Recognition>你好</Recognition>"
        ),
        m.VoiceMessage,
        "voice",
        {"recognition": "你好"},
    ),
    (
        message("video", "<MediaId>m3</MediaId><ThumbMediaId>t3</ThumbMediaId>"),
        m.VideoMessage,
        "video",
        {"media_id": "m3", "thumb_media_id": "t3"},
    ),
    (
        message("shortvideo", "<MediaId>m4</MediaId><ThumbMediaId>t4</ThumbMediaId>"),
        m.ShortVideoMessage,
        "shortvideo",
        {"media_id": "m4", "thumb_media_id": "t4"},
    ),
    (
        message(
            "location",
            "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>"
            "<Scale>20</Scale><Label><![CDATA[位置信息]]></Label>",
        ),
        m.LocationMessage,
        "location",
        {"location_x": 23.134521, "location_y": 113.358803, "scale": 20, "label": "位置信息"},
    ),
    (
        message(
            "link",
            "<Title><![CDATA[公众平台官网链接]]></Title><Description>d</Description>"
            "<Url><![CDATA[https://mp.weixin.qq.com]]></Url>",
        ),
        m.LinkMessage,
        "link",
        {"title": "公众平台官网链接", "description": "d", "url": "https://mp.weixin.qq.com"},
    ),
    (
        event("subscribe"),
        m.SubscribeEvent,
        "subscribe",
        {"event": "subscribe", "event_key": "", "ticket": None, "scene": None},
    ),
    (
        event(
            "subscribe",
            "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
        ),
        m.SubscribeEvent,
        "subscribe",
        {"event_key": "qrscene_123123", "ticket": "TICKET", "scene": "123123"},
    ),
    (event("unsubscribe"), m.UnsubscribeEvent, "unsubscribe", {"event": "unsubscribe"}),
    (
        event("SCAN", "<EventKey><![CDATA[123123]]></EventKey><Ticket>TICKET</Ticket>"),
        m.ScanEvent,
        "scan",
        {"event": "scan", "event_key": "123123", "ticket": "TICKET"},
    ),
    (
        event(
            "LOCATION",
            "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude>"
            "<Precision>119.385040</Precision>",
        ),
        m.LocationEvent,
        "location_event",
        {
            "event": "location",
            "latitude": 23.137466,
            "longitude": 113.352425,
            "precision": 119.38504,
        },
    ),
    (
        event("CLICK", "<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>"),
        m.ClickEvent,
        "click",
        {"event": "click", "event_key": "V1001_TODAY_MUSIC"},
    ),
    (
        event("VIEW", "<EventKey><![CDATA[https://www.qq.com/]]></EventKey><MenuId>2</MenuId>"),
        m.ViewEvent,
        "view",
        {"event": "view", "event_key": "https://www.qq.com/", "menu_id": "2"},
    ),
    (
        event(
            "scancode_push",
            "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]>"
            "</ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>",
        ),
        m.ScancodePushEvent,
        "scancode_push",
        {"event_key": "6", "scan_type": "qrcode", "scan_result": "1"},
    ),
    (
        event(
            "scancode_waitmsg",
            "<EventKey>6</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType>"
            "<ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>",
        ),
        m.ScancodeWaitmsgEvent,
        "scancode_waitmsg",
        {"scan_type": "qrcode", "scan_result": "2"},
    ),
    (
        event(
            "pic_sysphoto",
            "<EventKey>6</EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>"
            "<![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList>"
            "</SendPicsInfo>",
        ),
        m.PicSysphotoEvent,
        "pic_sysphoto",
        {"event_key": "6", "pic_count": 1},
    ),
    (
        event(
            "pic_photo_or_album",
            "<EventKey>6</EventKey><SendPicsInfo><Count>2</Count></SendPicsInfo>",
        ),
        m.PicPhotoOrAlbumEvent,
        "pic_photo_or_album",
        {"pic_count": 2},
    ),
    (
        event("pic_weixin", "<EventKey>6</EventKey><SendPicsInfo><Count>0</Count></SendPicsInfo>"),
        m.PicWeixinEvent,
        "pic_weixin",
        {"pic_count": 0},
    ),
    (
        event(
            "location_select",
            "<EventKey>6</EventKey><SendLocationInfo><Location_X>23</Location_X>"
            "<Location_Y>113</Location_Y><Scale>15</Scale><Label><![CDATA[ 广州市 ]]></Label>"
            "<Poiname><![CDATA[]]></Poiname></SendLocationInfo>",
        ),
        m.LocationSelectEvent,
        "location_select",
        {"location_x": 23.0, "location_y": 113.0, "scale": 15, "label": " 广州市 ", "poiname": ""},
    ),
    (
        event(
            "view_miniprogram",
            "<EventKey><![CDATA[pages/index/index]]></EventKey><MenuId>MENUID</MenuId>",
        ),
        m.ViewMiniprogramEvent,
        "view_miniprogram",
        {"event_key": "pages/index/index", "menu_id": "MENUID"},
    ),
    (
        event(
            "MASSSENDJOBFINISH",
            "<MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status>"
            "<TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount>"
            "<ErrorCount>5</ErrorCount><CopyrightCheckResult><Count>2</Count><ResultList><item>"
            "<ArticleIdx>1</ArticleIdx><UserDeclareState>0</UserDeclareState>"
            "<AuditState>2</AuditState><OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl>"
            "</item></ResultList><CheckState>2</CheckState></CopyrightCheckResult>"
            "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
            "<ArticleUrl><![CDATA[Url]]></ArticleUrl></item></ResultList></ArticleUrlResult>",
        ),
        m.MassSendJobFinishEvent,
        "masssendjobfinish",
        {
            "event": "masssendjobfinish",
            "msg_id": 1000001625,
            "status": "err(30003)",
            "total_count": 100,
            "filter_count": 80,
            "sent_count": 75,
            "error_count": 5,
        },
    ),
    (
        event("TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status>success</Status>"),
        m.TemplateSendJobFinishEvent,
        "templatesendjobfinish",
        {"msg_id": 200163836, "status": "success"},
    ),
    (
        event(
            "PUBLISHJOBFINISH",
            "<PublishEventInfo><publish_id>2247503051</publish_id>"
            "<publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25]]></article_id>"
            "<article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[URL]]>"
            "</article_url></item></article_detail></PublishEventInfo>",
        ),
        m.PublishJobFinishEvent,
        "publishjobfinish",
        {"publish_id": "2247503051", "publish_status": 0, "article_id": "b5O2OUs25"},
    ),
]


@pytest.mark.parametrize(("body", "cls", "kind", "attrs"), CASES, ids=[c[2] for c in CASES])
def test_each_documented_type_parses_into_its_model(
    body: str, cls: type[m.BaseCallback], kind: str, attrs: dict[str, Any]
) -> None:
    # Given WeChat's XML for one message or event type
    # When it is parsed
    cb = callback(body)
    # Then it is that model, with the common fields, its own fields and the raw fields
    assert type(cb) is cls
    assert cb.kind == kind
    assert (cb.to_user, cb.from_user, cb.create_time) == (
        "gh_97417a04a28d",
        "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
        1348831860,
    )
    assert {name: getattr(cb, name) for name in attrs} == attrs
    assert cb.raw["CreateTime"] == "1348831860"


def test_event_names_are_normalised_but_raw_keeps_the_original() -> None:
    # Given a SCAN event with WeChat's upper-case name and a mixed-case MsgType
    cb = callback("<MsgType>Event</MsgType><Event>SCAN</Event><EventKey>1</EventKey>")
    # When parsed / Then event and msg_type are lowercase while raw is untouched
    assert isinstance(cb, m.ScanEvent)
    assert (cb.msg_type, cb.event) == ("event", "scan")
    assert (cb.raw["MsgType"], cb.raw["Event"]) == ("Event", "SCAN")


def test_a_text_from_a_msgmenu_tap_is_from_the_menu() -> None:
    # Given a text message carrying bizmsgmenuid
    cb = callback(message("text", "<Content>yes</Content><bizmsgmenuid>101</bizmsgmenuid>"))
    # When parsed / Then the menu id is kept and from_menu is true
    assert isinstance(cb, m.TextMessage)
    assert (cb.bizmsgmenuid, cb.from_menu) == ("101", True)
    plain = callback(message("text", "<Content>yes</Content>"))
    assert isinstance(plain, m.TextMessage)
    assert plain.from_menu is False


def test_a_subscribe_without_the_qrscene_prefix_has_no_scene() -> None:
    # Given a subscribe whose EventKey lacks the qrscene_ prefix / When parsed / Then no scene
    cb = callback(event("subscribe", "<EventKey>last_trade_no</EventKey>"))
    assert isinstance(cb, m.SubscribeEvent)
    assert cb.scene is None


def test_an_unknown_message_type_degrades_to_unknown_message() -> None:
    # Given a message type we do not model
    cb = callback(message("miniprogrampage", "<Title>t</Title><AppId>wx1</AppId>", msg_id="77"))
    # When parsed / Then it is an UnknownMessage (still a Message) with every raw field
    assert type(cb) is m.UnknownMessage
    assert isinstance(cb, m.Message)
    assert (cb.kind, cb.msg_type, cb.msg_id) == ("unknown_message", "miniprogrampage", 77)
    assert (cb.raw["Title"], cb.raw["AppId"]) == ("t", "wx1")


def test_an_unknown_message_without_msg_id_still_parses() -> None:
    # Given an unknown message type without MsgId / When parsed / Then msg_id is None
    cb = callback("<MsgType>file</MsgType><Title>a.pdf</Title>")
    assert isinstance(cb, m.UnknownMessage)
    assert cb.msg_id is None


def test_an_unknown_event_degrades_to_unknown_event() -> None:
    # Given an event we do not model, with an extra field
    cb = callback(event("subscribe_msg_popup_event", "<Extra>x</Extra>"))
    # When parsed / Then it is an UnknownEvent keeping its name and raw fields
    assert type(cb) is m.UnknownEvent
    assert (cb.kind, cb.event, cb.event_key) == ("unknown_event", "subscribe_msg_popup_event", "")
    assert cb.raw["Extra"] == "x"


@pytest.mark.parametrize(
    ("drop", "named"),
    [("ToUserName", "ToUserName"), ("FromUserName", "FromUserName"), ("CreateTime", "CreateTime")],
)
def test_missing_common_fields_raise_missing_field_naming_it(drop: str, named: str) -> None:
    # Given a text message without one common field
    fields = parse_xml(f"<xml>{HEAD}{message('text', '<Content>x</Content>')}</xml>")
    del fields[drop]
    # When parsed / Then MissingFieldError names the field (no ValidationError escapes)
    with pytest.raises(MissingFieldError, match=named) as info:
        m.parse_message(fields)
    assert info.value.reason == "missing_field"


def test_missing_msg_type_and_missing_event_raise_missing_field() -> None:
    # Given callbacks without MsgType, and an event without Event
    # When parsed / Then both are MissingFieldError
    with pytest.raises(MissingFieldError, match="MsgType"):
        m.parse_message({"ToUserName": "a", "FromUserName": "b", "CreateTime": "1"})
    with pytest.raises(MissingFieldError, match="Event"):
        callback("<MsgType>event</MsgType>")


@pytest.mark.parametrize(
    "body",
    [
        message("text", "<Content>x</Content>", msg_id="not-a-number"),
        message("text", ""),
        event("MASSSENDJOBFINISH", "<MsgID>1</MsgID><Status>send success</Status>"),
        event(
            "LOCATION", "<Latitude>north</Latitude><Longitude>1</Longitude><Precision>1</Precision>"
        ),
    ],
    ids=["bad-msgid", "no-content", "mass-without-counts", "bad-latitude"],
)
def test_missing_or_invalid_type_fields_raise_missing_field(body: str) -> None:
    # Given a known type with a required field missing or of the wrong type
    # When parsed / Then MissingFieldError, never a pydantic ValidationError
    with pytest.raises(MissingFieldError):
        callback(body)


def test_xml_elements_named_like_python_fields_do_not_fill_them() -> None:
    # Given a callback whose FromUserName is missing but which has a <from_user> element
    body = "<ToUserName>gh</ToUserName><from_user>spoof</from_user><CreateTime>1</CreateTime>"
    fields = parse_xml(f"<xml>{body}{message('text', '<Content>x</Content>')}</xml>")
    # When parsed / Then it is still missing FromUserName
    with pytest.raises(MissingFieldError, match="FromUserName"):
        m.parse_message(fields)


def test_dedupe_keys_follow_wechat_retry_identity() -> None:
    # Given a message, an event, a mass-send result and an unknown message without MsgId
    text = callback(message("text", "<Content>x</Content>", msg_id="4363689963896700987"))
    click = callback(event("CLICK", "<EventKey>K</EventKey>"))
    mass = callback(
        event(
            "MASSSENDJOBFINISH",
            "<MsgID>1000001625</MsgID><Status>send success</Status><TotalCount>1</TotalCount>"
            "<FilterCount>1</FilterCount><SentCount>1</SentCount><ErrorCount>0</ErrorCount>",
        )
    )
    odd = callback("<MsgType>file</MsgType>")
    # When their dedupe keys are taken
    keys = [m.dedupe_key(cb) for cb in (text, click, mass, odd)]
    # Then messages use MsgId, events sender/time/event/key, mass jobs their MsgID
    assert keys == [
        "msg:4363689963896700987",
        "evt:o9AgO5Kd5ggOC-bXrbNODIiE3bGY:1348831860:click:K",
        "mass:1000001625",
        "cb:o9AgO5Kd5ggOC-bXrbNODIiE3bGY:1348831860:file",
    ]


def test_every_concrete_model_has_a_distinct_metric_kind() -> None:
    # Given every callback class a parse can return
    classes: set[type[m.BaseCallback]] = {cls for _, cls, _, _ in CASES}
    classes |= {m.UnknownMessage, m.UnknownEvent}
    # When their kinds are collected / Then no two classes share one
    kinds = [cls.kind for cls in classes]
    assert len(kinds) == len(set(kinds)) == 25


def test_models_are_frozen_and_constructible_by_field_name() -> None:
    # Given a text message built in code with Python field names
    cb = m.TextMessage(
        to_user="gh", from_user="o", create_time=1, msg_type="TEXT", content="c", msg_id=3
    )
    # When it is changed / Then it refuses; and msg_type was lowercased
    assert cb.msg_type == "text"
    with pytest.raises(ValueError, match="frozen"):
        cb.content = "changed"  # type: ignore[misc]
