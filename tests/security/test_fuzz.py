"""Fuzzing: the XML parser and the crypto fail only with their own errors; the webhook never 5xx."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import botocore.client
import hypothesis
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from tests.conftest import FakeClock
from tests.security.support import NONCE, Request, call_webhook, plain_request
from tests.support.callbacks import (
    AES_KEY,
    APP_ID,
    WxAccount,
    event_xml,
    message_xml,
    register,
    sealed,
    text_xml,
)
from wxengage.accounts import MessageMode
from wxengage.settings import Settings
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.errors import (
    AppIdMismatchError,
    ForbiddenXmlError,
    InvalidBase64Error,
    InvalidCiphertextError,
    InvalidPaddingError,
    MalformedXmlError,
    MissingFieldError,
    XmlTooLargeError,
)
from wxengage.wechat.messages import BaseCallback, parse_message
from wxengage.wechat.xml import parse_xml

# What parse_xml and MessageCrypto.decrypt document (wechat/errors.py): nothing else may escape.
PARSER_ERRORS = (MalformedXmlError, ForbiddenXmlError, XmlTooLargeError)
CRYPTO_ERRORS = (
    InvalidBase64Error,
    InvalidCiphertextError,
    InvalidPaddingError,
    AppIdMismatchError,
)

# Reproducible in CI: examples derive from the test, never from a saved database.
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)
# The webhook on moto costs milliseconds per example; the stack is built once per test.
HANDLER = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

T0 = 1_795_341_600  # the fake clock's now

# --- inputs ---------------------------------------------------------------------------------


def genuine_callbacks(ts: int = T0) -> list[str]:
    """One callback of each shape the webhook handles."""
    return [
        text_xml(create_time=ts, content="你好 <b>&amp;</b>", msg_id=3001),
        text_xml(create_time=ts, extra="<bizmsgmenuid>101</bizmsgmenuid>\n", msg_id=3002),
        message_xml("image", "<PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId>", create_time=ts),
        message_xml(
            "location",
            "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>",
            create_time=ts,
            msg_id=3003,
        ),
        event_xml("subscribe", create_time=ts, key="qrscene_42", extra="<Ticket>t</Ticket>"),
        event_xml("SCAN", create_time=ts, key="42"),
        event_xml("CLICK", create_time=ts, key="MENU_1"),
        event_xml("unsubscribe", create_time=ts),
        event_xml(
            "MASSSENDJOBFINISH",
            create_time=ts,
            extra="<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status>"
            "<TotalCount>100</TotalCount><FilterCount>80</FilterCount>"
            "<SentCount>75</SentCount><ErrorCount>5</ErrorCount>",
        ),
    ]


# Fragments that mean something to an XML parser, spliced into otherwise random edits.
SPICE = [
    b"<!DOCTYPE xml>",
    b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!ENTITY % p "x">',
    b"&e;",
    b"&#0;",
    b"&#x1F600;",
    b"&amp;",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version='1.0' encoding='GBK'?>",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b"<?pi data?>",
    b"<!-- c -->",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"<xml>",
    b"</xml>",
    b"<a b='1' b='2'/>",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` after a few byte-level edits: flips, insertions, deletions, duplications."""
    data = bytearray(base)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "overwrite"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(SPICE))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 32))]
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        else:
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[pos : pos + len(chunk)] = chunk
    return bytes(data)


NAMES = st.sampled_from(
    [
        *("xml", "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId"),
        *("Event", "EventKey", "Encrypt", "item", "PicList", "a", "x:y", "_", "Ä"),
    ]
)
TEXT = st.text(max_size=40)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "gbk"])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ATOMS = st.one_of(
    TEXT.map(_escape),
    TEXT.map(lambda t: f"<![CDATA[{t}]]>"),
    st.sampled_from([s.decode("latin-1") for s in SPICE]),
    st.integers().map(str),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(NAMES, st.lists(children, max_size=5), st.booleans()).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>" if t[2] else f"<{t[0]}/>"
    )


@st.composite
def xml_documents(draw: st.DrawFn) -> bytes:
    """Documents shaped like callbacks: a prolog or not, <xml> or another root, nested fields."""
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0"?>',
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.0" encoding="GBK"?>',
                '<?xml version="1.0" encoding="UTF-7"?>',
                '<?xml version="1.0" encoding="x-bogus"?>',
                "<!DOCTYPE xml>",
                '<!DOCTYPE xml [<!ENTITY lol "lol">]>',
            ]
        )
    )
    body = draw(st.recursive(ATOMS, _element, max_leaves=30))
    root = draw(st.sampled_from(["xml", "xml", "xml", "root"]))
    text = f"{prolog}<{root}>{body}</{root}>"
    return text.encode(draw(ENCODINGS), errors="replace")


def any_xml() -> st.SearchStrategy[bytes]:
    """Random bytes, generated documents, and genuine callbacks after random edits."""
    genuine = st.sampled_from([x.encode() for x in genuine_callbacks()])
    return st.one_of(
        st.binary(max_size=2048),
        xml_documents(),
        xml_documents().flatmap(mutated),
        genuine.flatmap(mutated),
    )


# --- the parser -----------------------------------------------------------------------------


def parse_or_refuse(data: bytes | str) -> dict[str, str] | None:
    """parse_xml's answer, None when it refused with one of its own errors."""
    try:
        fields = parse_xml(data)
    except PARSER_ERRORS as err:
        why = str(err)
        assert why  # a refusal always says why
        return None
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
    return fields


@FAST
@given(st.binary(max_size=4096))
def test_the_parser_refuses_arbitrary_bytes_only_with_its_own_errors(data: bytes) -> None:
    # Given any bytes / When they are parsed / Then a {tag: text} dict or a parser error
    parse_or_refuse(data)


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=2048))
def test_the_parser_refuses_arbitrary_text_only_with_its_own_errors(data: str) -> None:
    # Given any text, lone surrogates included / When parsed / Then a dict or a parser error
    parse_or_refuse(data)


@FAST
@given(any_xml())
def test_parsing_and_typing_a_callback_fail_only_with_documented_errors(data: bytes) -> None:
    # Given XML-like input (generated documents, genuine callbacks after random edits)
    fields = parse_or_refuse(data)
    if fields is None:
        return
    # When the fields are typed / Then a callback model or MissingFieldError, nothing else
    try:
        callback = parse_message(fields)
    except MissingFieldError as err:
        why = str(err)
        assert why
        return
    assert isinstance(callback, BaseCallback)


@FAST
@given(st.dictionaries(NAMES | st.text(max_size=12), st.text(max_size=30), max_size=12))
def test_typing_arbitrary_fields_fails_only_with_missing_field(fields: dict[str, str]) -> None:
    # Given any {tag: text} mapping, as a parse could produce
    # When it is typed / Then a callback model or MissingFieldError
    with contextlib.suppress(MissingFieldError):
        assert isinstance(parse_message(fields), BaseCallback)


# --- the crypto -----------------------------------------------------------------------------

CRYPTO = MessageCrypto(AES_KEY, APP_ID)


def decrypt_or_refuse(encrypt: str) -> bytes | None:
    """decrypt's answer, None when it refused with one of its own errors."""
    try:
        message = CRYPTO.decrypt(encrypt)
    except CRYPTO_ERRORS as err:
        why = str(err)
        assert why
        return None
    message.decode("utf-8")  # whatever decrypt returns is UTF-8
    return message


def cbc(plaintext: bytes) -> str:
    """AES-CBC under the account's key and IV, no padding rules: any frame at all."""
    raw = base64.b64decode(AES_KEY + "=")
    enc = Cipher(algorithms.AES(raw), modes.CBC(raw[:16])).encryptor()
    return base64.b64encode(enc.update(plaintext) + enc.finalize()).decode()


BLOCKS = st.integers(0, 24).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n))


@FAST
@given(st.text(max_size=512) | st.binary(max_size=512).map(lambda b: b.decode("latin-1")))
def test_decrypt_refuses_arbitrary_text_only_with_its_own_errors(encrypt: str) -> None:
    # Given any Encrypt value / When decrypted / Then message bytes or a crypto error
    decrypt_or_refuse(encrypt)


@FAST
@given(BLOCKS.map(lambda b: base64.b64encode(b).decode()))
def test_decrypt_refuses_arbitrary_ciphertexts_only_with_its_own_errors(encrypt: str) -> None:
    # Given valid base64 of any whole number of AES blocks / When decrypted / Then the same
    decrypt_or_refuse(encrypt)


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """Plaintexts shaped like WeChat's frame (random, length, message, appid, padding), every
    part free to be wrong, as a whole number of AES blocks."""
    frame = (
        draw(st.binary(min_size=16, max_size=16))
        + draw(st.integers(0, 200) | st.integers(0, 2**32 - 1)).to_bytes(4, "big")
        + draw(st.binary(max_size=120) | st.text(max_size=60).map(str.encode))
        + draw(st.sampled_from([APP_ID, "", "wxffffffffffffffff", APP_ID[:-1]])).encode()
    )
    pad = (16 - len(frame) % 16) or 16
    return frame + bytes([draw(st.sampled_from([pad, pad + 16]) | st.integers(0, 255))]) * pad


@FAST
@given(BLOCKS | frames())
def test_decrypt_checks_every_frame_the_right_key_can_produce(plaintext: bytes) -> None:
    # Given any plaintext encrypted under the account's own key (past the cipher, into the frame)
    # When decrypted / Then the frame's padding, length, appid and UTF-8 are checked, or refused
    message = decrypt_or_refuse(cbc(plaintext))
    if message is not None:
        assert plaintext[16 + 4 : 16 + 4 + len(message)] == message


@FAST
@given(st.text(max_size=300), st.binary(min_size=16, max_size=16), st.data())
def test_a_genuine_ciphertext_round_trips_and_any_edit_is_refused_or_harmless(
    text: str, prefix: bytes, data: st.DataObject
) -> None:
    # Given a genuine Encrypt value for some message
    encrypt = CRYPTO.encrypt(text, random_prefix=prefix)
    # Then it decrypts to exactly that message
    assert CRYPTO.decrypt(encrypt) == text.encode()
    # When its ciphertext is edited / Then decrypt refuses it or returns UTF-8 bytes
    edited = data.draw(mutated(base64.b64decode(encrypt)))
    decrypt_or_refuse(base64.b64encode(edited).decode())


# --- the whole webhook ----------------------------------------------------------------------

READ_PREFIXES = ("Get", "Query", "Scan", "List", "Describe", "BatchGet", "Head")


@pytest.fixture
def aws_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every AWS API call that is not a read, from any boto3 client in the process."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if not operation_name.startswith(READ_PREFIXES):
            calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def fuzz_accounts(stack: Settings) -> dict[MessageMode, WxAccount]:
    """A plaintext-mode and a safe-mode account on the test's stack."""
    return {
        MessageMode.PLAINTEXT: register(stack, MessageMode.PLAINTEXT, app_id="wx000000000000fa01"),
        MessageMode.SAFE: register(stack, MessageMode.SAFE, app_id="wx000000000000fa02"),
    }


def _callback_fields(account: WxAccount, event: dict[str, Any]) -> dict[str, str]:
    """The callback fields a request carries, as the webhook would read them ({} if none)."""
    try:
        body = base64.b64decode(event.get("body") or "")
        outer = parse_xml(body)
        encrypt = outer.get("Encrypt")
        return parse_xml(account.crypto.decrypt(encrypt)) if encrypt else outer
    except Exception:
        return {}


def known_bug(account: WxAccount, event: dict[str, Any]) -> bool:
    """Inputs that hit the bugs test_hostile_callbacks.py keeps as strict xfails: a timestamp
    str.isdigit() accepts but int() refuses, no app_id in the path, an empty or over-long openid,
    a CreateTime past the year 9999."""
    path = event.get("pathParameters")
    if path is None or (isinstance(path, dict) and not path.get("app_id")):
        return True
    query = event.get("queryStringParameters")
    stamp = query.get("timestamp") if isinstance(query, dict) else None
    if isinstance(stamp, str) and stamp.isdigit() and not (stamp.isascii() and len(stamp) < 4300):
        return True
    fields = _callback_fields(account, event)
    openid = fields.get("FromUserName")
    if openid is not None and not 0 < len(openid.encode("utf-8", "surrogatepass")) <= 1024:
        return True
    digits = fields.get("CreateTime", "0").strip().lstrip("-")
    return digits.isascii() and digits.isdigit() and int(digits[:13]) >= 253_402_300_800


def answer(account: WxAccount, event: dict[str, Any], writes: list[str]) -> dict[str, Any]:
    """The webhook's answer, checked: never an exception, never 5xx, no write unless 200."""
    writes.clear()
    try:
        resp = call_webhook(event)
    except Exception:
        if known_bug(account, event):
            hypothesis.event("known bug (a strict xfail in the corpus)")
            reject()
        raise
    status = resp["statusCode"]
    hypothesis.event(f"HTTP {status}")
    assert status == 200 or 400 <= status < 500, resp
    assert resp["body"]
    if status != 200:
        assert writes == [], f"a {status} wrote: {writes}"
    return resp


@HANDLER
@given(body=any_xml())
def test_the_webhook_answers_any_signed_plaintext_body_with_200_or_4xx(
    fuzz_accounts: dict[MessageMode, WxAccount],
    fake_clock: FakeClock,
    aws_writes: list[str],
    body: bytes,
) -> None:
    # Given a plaintext-mode account and a correctly signed query (it does not cover the body)
    account = fuzz_accounts[MessageMode.PLAINTEXT]
    request = plain_request(account, int(fake_clock.now), body)
    # When any body arrives / Then 200 or a 4xx, and a 4xx wrote nothing
    answer(account, request.event(), aws_writes)


@HANDLER
@given(xml=st.sampled_from(genuine_callbacks()), data=st.data())
def test_the_webhook_refuses_every_edited_safe_mode_callback(
    fuzz_accounts: dict[MessageMode, WxAccount],
    fake_clock: FakeClock,
    aws_writes: list[str],
    xml: str,
    data: st.DataObject,
) -> None:
    # Given a genuine safe-mode callback, edited byte by byte
    account = fuzz_accounts[MessageMode.SAFE]
    body, query = sealed(account, xml, int(fake_clock.now), NONCE)
    edited = data.draw(mutated(body))
    # When it arrives
    resp = answer(account, Request(account.app_id, query, edited).event(), aws_writes)
    # Then an edit that reached the ciphertext is always refused (msg_signature covers it)
    try:
        same_ciphertext = parse_xml(edited).get("Encrypt") == parse_xml(body)["Encrypt"]
    except PARSER_ERRORS:
        same_ciphertext = False
    if not same_ciphertext:
        assert resp["statusCode"] in (400, 403, 413), resp


QUERY_KEYS = [
    "signature",
    "timestamp",
    "nonce",
    "encrypt_type",
    "msg_signature",
    "openid",
    "echostr",
]


@HANDLER
@given(
    mode=st.sampled_from([MessageMode.PLAINTEXT, MessageMode.SAFE]),
    method=st.sampled_from(["GET", "POST"]),
    changes=st.dictionaries(
        st.sampled_from(QUERY_KEYS) | st.text(max_size=8),
        st.text(max_size=64) | st.integers(0, 2**40).map(str) | st.sampled_from(["aes", ""]),
        max_size=4,
    ),
    dropped=st.sets(st.sampled_from(QUERY_KEYS)),
)
def test_the_webhook_answers_any_query_string_with_200_or_4xx(
    fuzz_accounts: dict[MessageMode, WxAccount],
    fake_clock: FakeClock,
    aws_writes: list[str],
    mode: MessageMode,
    method: str,
    changes: dict[str, str],
    dropped: set[str],
) -> None:
    # Given a genuine callback (or URL verification) whose query is edited: keys dropped, values
    # replaced, unknown keys added
    account = fuzz_accounts[mode]
    now = int(fake_clock.now)
    body, query = sealed(account, text_xml(create_time=now, msg_id=5005), now, NONCE)
    query = {k: v for k, v in (query | {"echostr": "e"} | changes).items() if k not in dropped}
    request = Request(account.app_id, query, body if method == "POST" else None, method=method)
    # When it arrives / Then 200 or a 4xx, and a 4xx wrote nothing
    answer(account, request.event(), aws_writes)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
EVENT_KEYS = [
    "version",
    "routeKey",
    "rawPath",
    "headers",
    "queryStringParameters",
    "pathParameters",
    "requestContext",
    "body",
    "isBase64Encoded",
]


@HANDLER
@given(
    replaced=st.dictionaries(st.sampled_from(EVENT_KEYS), JSON, max_size=3),
    dropped=st.sets(st.sampled_from(EVENT_KEYS)),
)
def test_the_webhook_answers_any_malformed_event_with_200_or_4xx(
    fuzz_accounts: dict[MessageMode, WxAccount],
    fake_clock: FakeClock,
    aws_writes: list[str],
    replaced: dict[str, Any],
    dropped: set[str],
) -> None:
    # Given a genuine callback's API Gateway event with fields replaced by any JSON, or dropped
    account = fuzz_accounts[MessageMode.SAFE]
    now = int(fake_clock.now)
    body, query = sealed(account, text_xml(create_time=now, msg_id=6006), now, NONCE)
    event = Request(account.app_id, query, body).event() | replaced
    event = json.loads(json.dumps({k: v for k, v in event.items() if k not in dropped}))
    # When it reaches the handler / Then 200 or a 4xx, and a 4xx wrote nothing
    answer(account, event, aws_writes)
