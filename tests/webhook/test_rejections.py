"""Every hostile or broken request gets its status, is counted by reason, and writes nothing."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import FakeClock
from tests.support.callbacks import (
    AES_KEY,
    APP_ID,
    OPENID,
    WxAccount,
    http_event,
    register,
    sealed,
    snapshot,
    text_xml,
)
from tests.webhook.conftest import Invoke
from wxengage.accounts import MessageMode
from wxengage.settings import Settings
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.signature import sha1_signature

Request = tuple[dict[str, str], bytes]
NONCE = "31415"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>&lol3;</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"
)


def plain(account: WxAccount, ts: int, body: str | bytes) -> Request:
    query = {
        "signature": sha1_signature(account.token, str(ts), NONCE),
        "timestamp": str(ts),
        "nonce": NONCE,
    }
    return query, body if isinstance(body, bytes) else body.encode()


def encrypted(account: WxAccount, ts: int, encrypt: str) -> Request:
    """A safe-mode request around an arbitrary Encrypt value, correctly signed."""
    query, _ = plain(account, ts, b"")
    query |= {
        "encrypt_type": "aes",
        "msg_signature": sha1_signature(account.token, str(ts), NONCE, encrypt),
    }
    body = f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return query, body.encode()


def raw_cbc(plaintext: bytes) -> str:
    """AES-CBC with the account key and no padding rules applied: for bad-padding cases."""
    key = base64.b64decode(AES_KEY + "=")
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plaintext) + enc.finalize()).decode()


def bad_padding(account: WxAccount, ts: int) -> Request:
    xml = text_xml(create_time=ts).encode()
    framed = b"r" * 16 + len(xml).to_bytes(4, "big") + xml + APP_ID.encode()
    framed += b"\x00" * (32 - len(framed) % 32)  # pad bytes of value 0: never valid PKCS#7
    return encrypted(account, ts, raw_cbc(framed))


def wrong_appid(account: WxAccount, ts: int) -> Request:
    other = MessageCrypto(AES_KEY, "wxffffffffffffffff")
    return encrypted(account, ts, other.encrypt(text_xml(create_time=ts)))


def wrong_signature(account: WxAccount, ts: int) -> Request:
    body, query = sealed(account, text_xml(create_time=ts), ts)
    return query | {"signature": "f" * 40}, body


def wrong_msg_signature(account: WxAccount, ts: int) -> Request:
    body, query = sealed(account, text_xml(create_time=ts), ts)
    return query | {"msg_signature": "0" * 40}, body


def stale(account: WxAccount, ts: int) -> Request:
    body, query = sealed(account, text_xml(create_time=ts - 600), ts - 600)
    return query, body


def future(account: WxAccount, ts: int) -> Request:
    body, query = sealed(account, text_xml(create_time=ts), ts + 600)
    return query, body


def truncated(account: WxAccount, ts: int) -> Request:
    good = account.crypto.encrypt(text_xml(create_time=ts))
    cut = base64.b64encode(base64.b64decode(good)[:-16]).decode()
    return encrypted(account, ts, cut)


def plaintext_in_safe_mode(account: WxAccount, ts: int) -> Request:
    return plain(account, ts, text_xml(create_time=ts))


def too_large(account: WxAccount, ts: int) -> Request:
    return plain(account, ts, text_xml(create_time=ts, content="x" * (256 * 1024)))


def missing_signature(account: WxAccount, ts: int) -> Request:
    body, query = sealed(account, text_xml(create_time=ts), ts)
    return {k: v for k, v in query.items() if k != "signature"}, body


def inside(xml: Callable[[int], str]) -> Callable[[WxAccount, int], Request]:
    """A correctly encrypted and signed safe-mode request carrying the given callback XML."""
    return lambda a, ts: encrypted(a, ts, a.crypto.encrypt(xml(ts)))


# Shapes WeChat never sends: the envelope once each, directly under <xml>; openids in [A-Za-z0-9_-].
def duplicated_from(ts: int) -> str:
    return text_xml(create_time=ts, extra="<FromUserName><![CDATA[o-someone-else]]></FromUserName>")


def misplaced_from(ts: int) -> str:
    # No top-level FromUserName at all: only a nested one, which must not be read as the sender.
    good = text_xml(create_time=ts)
    start, end = good.index("<FromUserName>"), good.index("</FromUserName>") + 15
    return good[:start] + "<Extra>" + good[start:end] + "</Extra>" + good[end:]


def duplicated_msg_type(ts: int) -> str:
    return text_xml(create_time=ts, extra="<MsgType><![CDATA[event]]></MsgType>")


CASES: dict[str, tuple[Callable[[WxAccount, int], Request], int, str]] = {
    "duplicated FromUserName": (inside(duplicated_from), 400, "malformed_xml"),
    "duplicated MsgType": (inside(duplicated_msg_type), 400, "malformed_xml"),
    "FromUserName nested instead of top-level": (inside(misplaced_from), 400, "malformed_xml"),
    "openid with spaces and markup": (
        inside(lambda ts: text_xml(openid="o <b>x</b>", create_time=ts)),
        400,
        "missing_field",
    ),
    "openid in Chinese": (
        inside(lambda ts: text_xml(openid="o用户", create_time=ts)),
        400,
        "missing_field",
    ),
    "openid of 65 characters": (
        inside(lambda ts: text_xml(openid="o" * 65, create_time=ts)),
        400,
        "missing_field",
    ),
    "wrong signature": (wrong_signature, 403, "bad_signature"),
    "wrong msg_signature": (wrong_msg_signature, 403, "bad_msg_signature"),
    "stale timestamp": (stale, 403, "stale_timestamp"),
    "timestamp from the future": (future, 403, "stale_timestamp"),
    "malformed xml": (
        lambda a, ts: encrypted(a, ts, a.crypto.encrypt("<xml><oops></xml>")),
        400,
        "malformed_xml",
    ),
    "billion laughs": (
        lambda a, ts: encrypted(a, ts, a.crypto.encrypt(BILLION_LAUGHS)),
        400,
        "forbidden_xml",
    ),
    "external entity": (
        lambda a, ts: encrypted(a, ts, a.crypto.encrypt(XXE)),
        400,
        "forbidden_xml",
    ),
    "dtd in the outer body": (lambda a, ts: plain(a, ts, XXE), 400, "forbidden_xml"),
    "bad base64": (lambda a, ts: encrypted(a, ts, "not*base64!!"), 400, "bad_base64"),
    "bad padding": (bad_padding, 400, "bad_padding"),
    "truncated ciphertext": (truncated, 400, None),  # padding or frame: both are 400
    "wrong appid inside": (wrong_appid, 400, "wrong_appid"),
    "plaintext to a safe-mode account": (plaintext_in_safe_mode, 400, "plaintext_in_safe_mode"),
    "missing signature": (missing_signature, 400, "bad_query"),
    "body over 256 KiB": (too_large, 413, "too_large"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_refused_and_writes_nothing(
    stack: Settings,
    invoke: Invoke,
    fake_clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    # Given a safe-mode account and the state of every table
    account = register(stack, mode=MessageMode.SAFE)
    before = snapshot(stack)
    build, status, reason = CASES[case]
    query, body = build(account, int(fake_clock.now))
    capsys.readouterr()
    # When the request reaches the webhook
    resp = invoke(http_event("POST", APP_ID, query | {"openid": OPENID}, body))
    # Then it gets its status with a message, nothing is written, and the reason is counted
    assert resp["statusCode"] == status, resp["body"]
    assert resp["body"]
    assert snapshot(stack) == before
    out = capsys.readouterr().out
    assert '"CallbacksRejected"' in out
    if reason:
        assert f'"reason": "{reason}"' in out or f'"reason":"{reason}"' in out


def test_plaintext_to_a_compatible_account_is_refused_and_writes_nothing(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a compatible-mode account, to which WeChat always sends the ciphertext too
    account = register(stack, mode=MessageMode.COMPATIBLE)
    before = snapshot(stack)
    query, body = plaintext_in_safe_mode(account, int(fake_clock.now))
    capsys.readouterr()
    # When a correctly signed plaintext-only callback arrives
    resp = invoke(http_event("POST", APP_ID, query | {"openid": OPENID}, body))
    # Then 400 with the reason, nothing written, and the refusal counted
    assert resp["statusCode"] == 400
    assert "compatible mode" in resp["body"]
    assert snapshot(stack) == before
    assert "plaintext_in_compatible_mode" in capsys.readouterr().out


def test_a_compatible_callback_to_a_compatible_account_is_accepted(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a compatible-mode account
    account = register(stack, mode=MessageMode.COMPATIBLE)
    ts = int(fake_clock.now)
    body, query = sealed(account, text_xml(create_time=ts), ts)
    # When WeChat's compatible delivery (plaintext fields and Encrypt) arrives
    resp = invoke(http_event("POST", APP_ID, query | {"openid": OPENID}, body))
    # Then it is accepted
    assert (resp["statusCode"], resp["body"]) == (200, "success")


def test_unknown_app_id_is_not_found_and_writes_nothing(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a registered account and a callback signed for it
    account = register(stack)
    before = snapshot(stack)
    body, query = sealed(account, text_xml(create_time=int(fake_clock.now)), int(fake_clock.now))
    # When it is posted to an app_id nobody registered
    resp = invoke(http_event("POST", "wxffffffffffffffff", query, body))
    # Then 404 and nothing written
    assert resp["statusCode"] == 404
    assert snapshot(stack) == before
