"""open_callback / seal_callback: vectors V6 and V7 end to end, all three modes, hostile requests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxengage.wechat import messages as m
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import CallbackQuery, open_callback, seal_callback
from wxengage.wechat.errors import (
    InvalidCiphertextError,
    InvalidMsgSignatureError,
    InvalidSignatureError,
    MalformedXmlError,
    MissingFieldError,
    XmlTooLargeError,
)
from wxengage.wechat.replies import render_encrypted_reply
from wxengage.wechat.signature import sha1_signature, verify_msg_signature
from wxengage.wechat.xml import parse_xml

# V6 — full round trip with an encrypted reply (official open-platform push doc)
V6_TOKEN = "AAAAA"
V6_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
V6_APPID = "wx134c8103faa5a59e"
V6_QUERY = {
    "signature": "cc0c594499c1634947d5b502f158ee518947db27",
    "timestamp": "1715943329",
    "nonce": "1590219412",
    "openid": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
    "encrypt_type": "aes",
    "msg_signature": "6c12a4205838198b8fa631b3220723bb07f1015c",
}
V6_ENCRYPT = (
    "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7"
    "oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFh"
    "izGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHx"
    "MeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agD"
    "WtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg=="
)
V6_RANDOM = b"1205899eaf019bbd"
V6_PLAINTEXT = (
    b"<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n"
    b"<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n"
    b"<CreateTime>1715943329</CreateTime>\n"
    b"<MsgType><![CDATA[event]]></MsgType>\n"
    b"<Event><![CDATA[debug_demo]]></Event>\n"
    b"<debug_str><![CDATA[hello world]]></debug_str>\n"
    b"</xml>"
)
V6_BODY = (
    "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>"
    f"<Encrypt><![CDATA[{V6_ENCRYPT}]]></Encrypt></xml>"
).encode()
V6_REPLY_PLAINTEXT = "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>"
V6_REPLY_RANDOM = b"999951349e8ee746"
V6_REPLY_TIMESTAMP, V6_REPLY_NONCE = "1713424427", "415670741"
V6_REPLY_ENCRYPT = (
    "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9"
    "t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7"
)
V6_REPLY_MSG_SIGNATURE = "03e0812039325c2712ef5f0f980fd14c70d6e307"

# V7 — wechatpy tests/test_crypto.py (WeCom variant, same bytes for an appid of that value)
V7_TOKEN = "123456"
V7_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
V7_APPID = "wx49f0ab532d5d035a"
V7_MSG_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
V7_TIMESTAMP, V7_NONCE = "1411525903", "461056294"
V7_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeD"
    "XzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBu"
    "g/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZl"
    "F3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTr"
    "b++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)

V6_CRYPTO = MessageCrypto(V6_KEY, V6_APPID)
V7_CRYPTO = MessageCrypto(V7_KEY, V7_APPID)

TOKEN = "sandbox-token"
CRYPTO = MessageCrypto("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")


def text_xml(openid: str, create_time: int, content: str, msg_id: int) -> str:
    """A text callback as WeChat formats it (this test's own CDATA escaping)."""
    escaped = content.replace("]]>", "]]]]><![CDATA[>")
    return (
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>\n"
        f"<CreateTime>{create_time}</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
        f"<Content><![CDATA[{escaped}]]></Content>\n<MsgId>{msg_id}</MsgId>\n</xml>"
    )


SAMPLE = text_xml("o-follower", 1713424427, "hello", 42)


def test_v6_query_signatures_verify_and_encrypt_decrypts_to_the_292_byte_xml() -> None:
    # Given the V6 query, body Encrypt and account
    # When the msg_signature is checked and Encrypt decrypted
    verify_msg_signature(
        V6_TOKEN, V6_QUERY["timestamp"], V6_QUERY["nonce"], V6_ENCRYPT, V6_QUERY["msg_signature"]
    )
    plaintext = V6_CRYPTO.decrypt(V6_ENCRYPT)
    # Then it is the published 292-byte XML, and re-encrypting with its prefix gives Encrypt back
    assert plaintext == V6_PLAINTEXT
    assert len(plaintext) == 292
    assert V6_CRYPTO.encrypt(plaintext, random_prefix=V6_RANDOM) == V6_ENCRYPT


def test_v6_opens_as_an_unknown_event_that_needs_an_encrypted_reply() -> None:
    # Given the V6 callback as WeChat POSTs it in safe mode
    query = CallbackQuery.model_validate(V6_QUERY)
    # When the webhook opens it
    cb, encrypted = open_callback(V6_BODY, query, V6_TOKEN, V6_CRYPTO)
    # Then it is an UnknownEvent "debug_demo" with its extra field kept in raw
    assert encrypted is True
    assert isinstance(cb, m.UnknownEvent)
    assert (cb.event, cb.to_user, cb.from_user, cb.create_time) == (
        "debug_demo",
        "gh_97417a04a28d",
        "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
        1715943329,
    )
    assert cb.raw["debug_str"] == "hello world"


def test_v6_reply_encrypts_to_the_published_encrypt_and_msg_signature() -> None:
    # Given the V6 reply plaintext, its fixed random prefix, TimeStamp and Nonce
    # When it is wrapped as an encrypted reply
    xml = render_encrypted_reply(
        V6_REPLY_PLAINTEXT,
        V6_CRYPTO,
        V6_TOKEN,
        V6_REPLY_TIMESTAMP,
        V6_REPLY_NONCE,
        random_prefix=V6_REPLY_RANDOM,
    )
    # Then it is exactly the documented envelope with the published Encrypt and MsgSignature
    assert xml == (
        f"<xml><Encrypt><![CDATA[{V6_REPLY_ENCRYPT}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{V6_REPLY_MSG_SIGNATURE}]]></MsgSignature>"
        f"<TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>"
    )
    fields = parse_xml(xml)
    assert V6_CRYPTO.decrypt(fields["Encrypt"]).decode() == V6_REPLY_PLAINTEXT


def test_v7_msg_signature_verifies_and_decrypts_to_a_text_message() -> None:
    # Given the V7 Encrypt and msg_signature
    # When verified, decrypted and parsed
    verify_msg_signature(V7_TOKEN, V7_TIMESTAMP, V7_NONCE, V7_ENCRYPT, V7_MSG_SIGNATURE)
    cb = m.parse_message(parse_xml(V7_CRYPTO.decrypt(V7_ENCRYPT)))
    # Then it is messense's "test" text with its 64-bit MsgId
    assert isinstance(cb, m.TextMessage)
    assert (cb.from_user, cb.content, cb.msg_id) == ("messense", "test", 4363689963896700987)


def test_v7_opens_through_open_callback() -> None:
    # Given V7 as a safe-mode POST (V7 publishes no query signature: we sign it ourselves)
    body = f"<xml><ToUserName>{V7_APPID}</ToUserName><Encrypt>{V7_ENCRYPT}</Encrypt></xml>"
    query = CallbackQuery(
        signature=sha1_signature(V7_TOKEN, V7_TIMESTAMP, V7_NONCE),
        timestamp=V7_TIMESTAMP,
        nonce=V7_NONCE,
        encrypt_type="aes",
        msg_signature=V7_MSG_SIGNATURE,
    )
    # When opened / Then the text message comes out and the reply must be encrypted
    cb, encrypted = open_callback(body.encode(), query, V7_TOKEN, V7_CRYPTO)
    assert isinstance(cb, m.TextMessage)
    assert (cb.content, encrypted) == ("test", True)


MODES = st.sampled_from(["plaintext", "safe", "compatible"])
CONTENT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=300)
OPENID = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    mode=MODES,
    openid=OPENID,
    create_time=st.integers(0, 2**31),
    content=CONTENT,
    msg_id=st.integers(0, 2**63 - 1),
    nonce=st.from_regex(r"[0-9]{1,10}", fullmatch=True),
)
def test_seal_then_open_round_trips_text_messages_in_every_mode(
    mode: str, openid: str, create_time: int, content: str, msg_id: int, nonce: str
) -> None:
    # Given a text callback sealed as WeChat would in one of the three modes
    crypto = None if mode == "plaintext" else CRYPTO
    xml = text_xml(openid, create_time, content, msg_id)
    body, raw_query = seal_callback(xml, TOKEN, crypto, "1713424427", nonce, mode == "compatible")
    # When the webhook opens it
    cb, encrypted = open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)
    # Then the same message comes out, flagged encrypted unless plaintext
    assert isinstance(cb, m.TextMessage)
    assert (cb.from_user, cb.create_time, cb.content, cb.msg_id) == (
        openid,
        create_time,
        content,
        msg_id,
    )
    assert encrypted is (mode != "plaintext")


def test_sealed_bodies_have_each_mode_shape() -> None:
    # Given one callback sealed in the three modes
    plain, q_plain = seal_callback(SAMPLE, TOKEN, None, "1", "2")
    safe, q_safe = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2")
    compat, q_compat = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2", compatible=True)
    # When their bodies and queries are read
    safe_fields, compat_fields = parse_xml(safe), parse_xml(compat)
    # Then plaintext is the XML as is; safe is ToUserName + Encrypt; compatible is both
    assert plain == SAMPLE.encode()
    assert set(q_plain) == {"signature", "timestamp", "nonce"}
    assert set(safe_fields) == {"ToUserName", "Encrypt"}
    assert safe_fields["ToUserName"] == "gh_account"
    assert set(compat_fields) == set(parse_xml(SAMPLE)) | {"Encrypt"}
    for query, fields in ((q_safe, safe_fields), (q_compat, compat_fields)):
        assert query["encrypt_type"] == "aes"
        assert query["msg_signature"] == sha1_signature(TOKEN, "1", "2", fields["Encrypt"])


def test_in_compatible_mode_the_encrypted_copy_is_what_counts() -> None:
    # Given a compatible-mode body whose plaintext Content was altered in transit
    body, raw_query = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2", compatible=True)
    tampered = body.replace(b"<![CDATA[hello]]>", b"<![CDATA[forged]]>")
    assert tampered != body
    # When opened / Then the authenticated, encrypted content is used
    cb, _ = open_callback(tampered, CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)
    assert isinstance(cb, m.TextMessage)
    assert cb.content == "hello"


def test_compatible_sealing_needs_a_crypto() -> None:
    # Given no MessageCrypto / When sealing in compatible mode / Then it is a programming error
    with pytest.raises(ValueError, match="MessageCrypto"):
        seal_callback(SAMPLE, TOKEN, None, "1", "2", compatible=True)


def test_the_query_signature_is_checked_before_the_body_is_parsed() -> None:
    # Given a garbage body under a wrong query signature
    query = CallbackQuery(signature="0" * 40, timestamp="1", nonce="2")
    # When opened / Then the signature is what fails (403), not the XML
    with pytest.raises(InvalidSignatureError):
        open_callback(b"<!DOCTYPE boom>", query, TOKEN, CRYPTO)


def test_a_wrong_msg_signature_is_refused() -> None:
    # Given a safe-mode callback whose msg_signature was changed
    body, raw_query = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2")
    raw_query["msg_signature"] = sha1_signature("another token", "1", "2", "x")
    # When opened / Then it is forbidden
    with pytest.raises(InvalidMsgSignatureError):
        open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)


def test_a_missing_msg_signature_is_refused() -> None:
    # Given a safe-mode callback without msg_signature
    body, raw_query = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2")
    del raw_query["msg_signature"]
    # When opened / Then it is forbidden
    with pytest.raises(InvalidMsgSignatureError):
        open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)


def test_an_encrypted_callback_without_encrypt_is_missing_a_field() -> None:
    # Given encrypt_type=aes on a plaintext body
    _, raw_query = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2")
    # When opened / Then Encrypt is reported missing
    with pytest.raises(MissingFieldError, match="Encrypt"):
        open_callback(SAMPLE.encode(), CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)


def test_an_encrypted_callback_for_an_account_without_a_key_is_refused() -> None:
    # Given a valid safe-mode callback but no MessageCrypto configured
    body, raw_query = seal_callback(SAMPLE, TOKEN, CRYPTO, "1", "2")
    # When opened / Then it cannot be decrypted
    with pytest.raises(InvalidCiphertextError):
        open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, None)


def test_the_size_limit_applies_to_the_outer_body() -> None:
    # Given a properly signed plaintext callback larger than the limit
    body, raw_query = seal_callback(SAMPLE, TOKEN, None, "1", "2")
    # When opened with a smaller limit / Then it is too large
    with pytest.raises(XmlTooLargeError):
        open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, None, max_bytes=64)


def test_a_decrypted_payload_that_is_not_xml_is_malformed() -> None:
    # Given a properly signed safe-mode callback whose encrypted payload is not XML
    encrypt = CRYPTO.encrypt("not xml at all")
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()
    query = CallbackQuery(
        signature=sha1_signature(TOKEN, "1", "2"),
        timestamp="1",
        nonce="2",
        encrypt_type="aes",
        msg_signature=sha1_signature(TOKEN, "1", "2", encrypt),
    )
    # When opened / Then the inner document is refused as malformed
    with pytest.raises(MalformedXmlError):
        open_callback(body, query, TOKEN, CRYPTO)


def test_plaintext_callbacks_need_no_encrypted_reply_even_with_a_key() -> None:
    # Given a plaintext callback to an account that has a key
    body, raw_query = seal_callback(SAMPLE, TOKEN, None, "1", "2")
    # When opened / Then the reply need not be encrypted
    cb, encrypted = open_callback(body, CallbackQuery.model_validate(raw_query), TOKEN, CRYPTO)
    assert (cb.kind, encrypted) == ("text", False)
