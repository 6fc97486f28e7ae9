"""parse_xml: flat fields from WeChat's XML, and every hostile document refused with the right error."""

from __future__ import annotations

import pytest

from wxengage.wechat import errors
from wxengage.wechat.errors import (
    CallbackError,
    CallbackForbidden,
    CallbackMalformed,
    CallbackTooLarge,
    ForbiddenXmlError,
    MalformedXmlError,
    XmlTooLargeError,
)
from wxengage.wechat.xml import MAX_XML_BYTES, cdata, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Content>&lol4;</Content></xml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://attacker.example/evil.dtd">
<xml><Content>hi</Content></xml>"""

PLAIN_DTD = b"<!DOCTYPE xml><xml><Content>hi</Content></xml>"


def nested(depth: int) -> bytes:
    """<xml> with `depth` levels of elements below it."""
    return b"<xml>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</xml>"


def with_children(count: int) -> bytes:
    """<xml> holding `count` sibling elements (so count + 1 elements in all), each named apart."""
    return b"<xml>" + b"".join(b"<a%d/>" % i for i in range(count)) + b"</xml>"


def test_direct_children_become_a_flat_dict_with_text_as_is() -> None:
    # Given WeChat-style XML with CDATA, plain text, an empty element and newlines between them
    body = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n"
        "<CreateTime>1715943329</CreateTime>\n<Content><![CDATA[ a  b ]]></Content>"
        "<Empty/><Blank></Blank></xml>"
    )
    # When it is parsed
    fields = parse_xml(body.encode())
    # Then each child maps to its text, unstripped, and missing text is ""
    assert fields == {
        "ToUserName": "gh_1",
        "CreateTime": "1715943329",
        "Content": " a  b ",
        "Empty": "",
        "Blank": "",
    }


def test_str_input_is_accepted() -> None:
    # Given XML as a str with non-ASCII text / When parsed / Then the text survives
    assert parse_xml("<xml><Content>你好</Content></xml>") == {"Content": "你好"}


def test_nested_children_are_flattened_but_direct_children_win() -> None:
    # Given a scancode event whose ScanCodeInfo nests ScanType/ScanResult,
    # and a nested Label that collides with a later direct child
    body = (
        b"<xml><Event>scancode_push</Event>"
        b"<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult>"
        b"<Label>nested</Label></ScanCodeInfo><Label>direct</Label></xml>"
    )
    # When it is parsed
    fields = parse_xml(body)
    # Then nested tags are present and the direct child's value wins
    assert fields["ScanType"] == "qrcode"
    assert fields["ScanResult"] == "1"
    assert fields["Label"] == "direct"


def test_first_occurrence_of_a_repeated_nested_tag_wins() -> None:
    # Given two items at the same depth / When parsed / Then the first one is kept
    body = b"<xml><L><item><Idx>1</Idx></item><item><Idx>2</Idx></item></L><A>1</A></xml>"
    fields = parse_xml(body)
    assert (fields["Idx"], fields["A"]) == ("1", "1")


def test_a_repeated_top_level_tag_is_refused() -> None:
    # Given a top-level element twice (WeChat never repeats one) / When parsed / Then refused
    with pytest.raises(MalformedXmlError, match="<A> appears more than once"):
        parse_xml(b"<xml><A>1</A><A>2</A></xml>")


@pytest.mark.parametrize("tag", ["FromUserName", "ToUserName", "MsgType", "Event", "Encrypt"])
def test_an_envelope_field_below_the_top_level_is_refused(tag: str) -> None:
    # Given an envelope field nested one level down / When parsed / Then refused, never read
    body = f"<xml><Extra><{tag}>x</{tag}></Extra></xml>".encode()
    with pytest.raises(MalformedXmlError, match=f"<{tag}> must be a direct child of <xml>"):
        parse_xml(body)


def test_four_levels_below_the_root_are_allowed() -> None:
    # Given the deepest real shape: SendPicsInfo/PicList/item/PicMd5Sum
    body = (
        b"<xml><SendPicsInfo><Count>1</Count><PicList><item>"
        b"<PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum>"
        b"</item></PicList></SendPicsInfo></xml>"
    )
    # When it is parsed / Then the innermost field is read
    assert parse_xml(body)["PicMd5Sum"] == "1b5f7c23b5bf75682a53e7b6d163e185"
    assert parse_xml(nested(4))["a"] == ""


@pytest.mark.parametrize("depth", [5, 30_000])
def test_deeper_trees_are_refused(depth: int) -> None:
    # Given XML nested 5 levels below the root, or a 30,000-level nesting attack under the limit
    body = nested(depth)
    assert len(body) <= MAX_XML_BYTES
    # When it is parsed / Then it is refused as too deeply nested
    with pytest.raises(MalformedXmlError, match="too deeply nested"):
        parse_xml(body)


def test_200_elements_are_allowed_and_201_refused() -> None:
    # Given a root with 199 children (200 elements) and one with 200 children (201 elements)
    # When each is parsed
    fields = parse_xml(with_children(199))
    # Then the first is read and the second refused
    assert fields == {f"a{i}": "" for i in range(199)}
    with pytest.raises(MalformedXmlError, match="more than 200 elements"):
        parse_xml(with_children(200))


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PLAIN_DTD],
    ids=["billion-laughs", "xxe", "external-dtd", "dtd"],
)
def test_dtds_and_entities_are_forbidden(body: bytes) -> None:
    # Given a document with a DTD, entity declarations or an external reference
    # When it is parsed / Then it is refused as forbidden XML before any expansion
    with pytest.raises(ForbiddenXmlError) as info:
        parse_xml(body)
    assert info.value.reason == "forbidden_xml"


def test_an_oversized_body_is_refused_before_parsing() -> None:
    # Given a body one byte over the limit (and not even XML)
    body = b"x" * 1025
    # When parsed with a 1 KiB limit / Then it is too large, not malformed
    with pytest.raises(XmlTooLargeError) as info:
        parse_xml(body, max_bytes=1024)
    assert info.value.reason == "xml_too_large"


def test_the_default_limit_is_256_kib_counted_in_bytes() -> None:
    # Given a str whose UTF-8 size just crosses 256 KiB while its length does not
    body = "<xml><C>" + "中" * (MAX_XML_BYTES // 3) + "</C></xml>"
    assert len(body) < MAX_XML_BYTES < len(body.encode())
    # When parsed / Then it is too large
    with pytest.raises(XmlTooLargeError):
        parse_xml(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml><Content>unclosed</xml>",
        b"<xml><Content>\xff\xfe</Content></xml>",
        b"<xml><Content>&nbsp;</Content></xml>",
        b"<xml></xml><xml></xml>",
        b"success",
    ],
    ids=["empty", "unclosed", "non-utf8", "undefined-entity", "two-roots", "not-xml"],
)
def test_malformed_documents_are_refused(body: bytes) -> None:
    # Given a body that is not one well-formed XML document
    # When parsed / Then it is malformed
    with pytest.raises(MalformedXmlError) as info:
        parse_xml(body)
    assert info.value.reason == "malformed_xml"


def test_lone_surrogates_in_str_input_are_malformed() -> None:
    # Given a str that cannot be encoded / When parsed / Then it is malformed, not UnicodeError
    with pytest.raises(MalformedXmlError):
        parse_xml("<xml><C>\ud800</C></xml>")


def test_the_root_must_be_xml() -> None:
    # Given a well-formed document with another root / When parsed / Then it is refused
    with pytest.raises(MalformedXmlError, match="root"):
        parse_xml(b"<root><Content>hi</Content></root>")


@pytest.mark.parametrize("text", ["plain", "a]]>b", "]]>", "]]>]]>", "x]]]>y", "<&>", "tab\tnl\n"])
def test_cdata_round_trips_through_parse_xml(text: str) -> None:
    # Given text with "]]>" sequences and markup characters
    # When wrapped with cdata() and parsed back
    fields = parse_xml(f"<xml><C>{cdata(text)}</C></xml>")
    # Then the text is unchanged
    assert fields["C"] == text


def test_cdata_drops_characters_xml_cannot_carry() -> None:
    # Given text with NUL, a control character and U+FFFE / When wrapped and parsed
    wrapped = cdata("a\x00b\x1bc\ufffe")
    fields = parse_xml(f"<xml><C>{wrapped}</C></xml>")
    # Then those characters are gone and the document is still valid
    assert fields["C"] == "abc"


@pytest.mark.parametrize(
    ("error", "family", "reason"),
    [
        ("InvalidSignatureError", CallbackForbidden, "bad_signature"),
        ("InvalidMsgSignatureError", CallbackForbidden, "bad_msg_signature"),
        ("MalformedXmlError", CallbackMalformed, "malformed_xml"),
        ("ForbiddenXmlError", CallbackMalformed, "forbidden_xml"),
        ("XmlTooLargeError", CallbackTooLarge, "xml_too_large"),
        ("InvalidBase64Error", CallbackMalformed, "bad_base64"),
        ("InvalidPaddingError", CallbackMalformed, "bad_padding"),
        ("InvalidCiphertextError", CallbackMalformed, "bad_ciphertext"),
        ("AppIdMismatchError", CallbackMalformed, "wrong_appid"),
        ("MissingFieldError", CallbackMalformed, "missing_field"),
    ],
)
def test_each_error_has_its_family_and_metric_reason(
    error: str, family: type[CallbackError], reason: str
) -> None:
    # Given an error class from errors.py
    cls = getattr(errors, error)
    # When one is raised with a message
    err = cls("why")
    # Then it belongs to the family that picks its HTTP status and carries its reason
    assert isinstance(err, family)
    assert (err.reason, str(err), err.message) == (reason, "why", "why")
