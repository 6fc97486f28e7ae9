"""The webhook Lambda on moto (tables from template.yaml): verification, windows, duplicates, late arrivals."""

from __future__ import annotations

import pytest
from wechatpy.crypto import WeChatCrypto

from tests.conftest import FakeClock
from tests.support.callbacks import (
    APP_ID,
    OPENID,
    event_xml,
    http_event,
    message_xml,
    register,
    sealed,
    snapshot,
    text_xml,
)
from tests.webhook.conftest import Invoke
from wxengage.accounts import MessageMode
from wxengage.settings import Settings
from wxengage.store.followers import FollowerStore
from wxengage.store.mass_jobs import MassJobStore
from wxengage.wechat.signature import sha1_signature

H48 = 48 * 3600


def post(invoke: Invoke, account: object, xml: str, now: int) -> dict[str, object]:
    body, query = sealed(account, xml, timestamp=now)  # type: ignore[arg-type]
    return invoke(http_event("POST", APP_ID, query | {"openid": OPENID}, body))


def test_url_verification_answers_echostr(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a registered account
    account = register(stack)
    ts = str(int(fake_clock.now))
    query = {
        "signature": sha1_signature(account.token, ts, "1514711492"),
        "timestamp": ts,
        "nonce": "1514711492",
        "echostr": "4375120948345356249",
    }
    # When WeChat verifies the URL
    resp = invoke(http_event("GET", APP_ID, query))
    # Then the body is echostr exactly
    assert (resp["statusCode"], resp["body"]) == (200, "4375120948345356249")


def test_url_verification_with_a_wrong_signature_is_forbidden(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a registered account and a signature made with another token
    register(stack)
    ts = str(int(fake_clock.now))
    query = {
        "signature": sha1_signature("otherToken", ts, "1"),
        "timestamp": ts,
        "nonce": "1",
        "echostr": "x",
    }
    # When / Then the webhook refuses it
    assert invoke(http_event("GET", APP_ID, query))["statusCode"] == 403


@pytest.mark.parametrize("mode", list(MessageMode))
def test_a_text_message_opens_the_48_hour_window_in_every_mode(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, mode: MessageMode
) -> None:
    # Given an account in this message mode
    account = register(stack, mode=mode)
    created = int(fake_clock.now) - 60
    # When the follower's text message arrives
    resp = post(invoke, account, text_xml(create_time=created), int(fake_clock.now))
    # Then WeChat gets "success" and the window is open for 48 hours with 5 messages
    assert (resp["statusCode"], resp["body"]) == (200, "success")
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None
    assert (
        state.window_opened_by,
        state.window_closes_at,
        state.messages_left,
        state.subscribed,
    ) == (
        "message",
        created + H48,
        5,
        True,
    )


def test_a_callback_sealed_by_wechatpy_is_accepted(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a safe-mode account and a callback encrypted by an independent implementation
    account = register(stack, mode=MessageMode.SAFE)
    ts, nonce = str(int(fake_clock.now)), "99"
    encrypted = WeChatCrypto(account.token, account.aes_key, APP_ID).encrypt_message(
        text_xml(create_time=int(fake_clock.now)), nonce, ts
    )
    encrypt = encrypted.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    body = f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    query = {
        "signature": sha1_signature(account.token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "openid": OPENID,
        "encrypt_type": "aes",
        "msg_signature": sha1_signature(account.token, ts, nonce, encrypt),
    }
    # When it reaches the webhook
    resp = invoke(http_event("POST", APP_ID, query, body.encode()))
    # Then it is accepted and opens the window
    assert resp["statusCode"] == 200
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None and state.window_closes_at == int(fake_clock.now) + H48


MESSAGES = {
    "image": "<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>\n",
    "voice": "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>\n",
    "video": "<MediaId><![CDATA[m1]]></MediaId><ThumbMediaId><![CDATA[t1]]></ThumbMediaId>\n",
    "shortvideo": "<MediaId><![CDATA[m1]]></MediaId><ThumbMediaId><![CDATA[t1]]></ThumbMediaId>\n",
    "location": "<Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Scale>20</Scale>"
    "<Label><![CDATA[Guangzhou]]></Label>\n",
    "link": "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x]]></Url>\n",
}


@pytest.mark.parametrize("msg_type", sorted(MESSAGES))
def test_every_message_type_opens_the_48_hour_window(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, msg_type: str
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    # When the follower sends this kind of message
    assert (
        post(invoke, account, message_xml(msg_type, MESSAGES[msg_type], create_time=now), now)[
            "statusCode"
        ]
        == 200
    )
    # Then a 48-hour window with 5 messages is open
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None and (state.window_closes_at, state.messages_left) == (now + H48, 5)


def test_a_smart_menu_tap_is_the_followers_own_message(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    # When the follower taps a msgmenu option (a text with bizmsgmenuid)
    xml = text_xml(create_time=now, content="yes", extra="<bizmsgmenuid>101</bizmsgmenuid>\n")
    post(invoke, account, xml, now)
    # Then it opens the 48-hour window like any message
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None and (state.window_opened_by, state.window_closes_at) == (
        "message",
        now + H48,
    )


@pytest.mark.parametrize(
    ("event", "key", "opener"),
    [
        ("subscribe", "", "subscribe"),
        ("subscribe", "qrscene_42", "subscribe"),
        ("SCAN", "42", "scan"),
        ("CLICK", "MENU_A", "menu"),
        ("scancode_push", "S1", "menu"),
        ("scancode_waitmsg", "S2", "menu"),
    ],
)
def test_follow_scan_click_and_scancode_open_a_one_minute_window(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, event: str, key: str, opener: str
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    # When the event arrives
    post(invoke, account, event_xml(event, key=key, create_time=now), now)
    # Then a 1-minute window with 3 messages is open, opened by the right action
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None
    assert (state.window_opened_by, state.window_closes_at, state.messages_left) == (
        opener,
        now + 60,
        3,
    )
    assert state.last_message_at is None


def test_unsubscribe_marks_the_follower_gone(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a follower with an open 48-hour window
    account = register(stack)
    now = int(fake_clock.now)
    post(invoke, account, text_xml(create_time=now - 100), now)
    # When they unsubscribe
    post(invoke, account, event_xml("unsubscribe", create_time=now), now)
    # Then they are gone and no window is open
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None and state.subscribed is False
    assert not state.window_open_at(now + 1)


NO_WINDOW_EVENTS = {
    "VIEW": "",
    "LOCATION": "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>\n",
    "TEMPLATESENDJOBFINISH": "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>\n",
    "brand_new_event": "<Whatever>1</Whatever>\n",
}


@pytest.mark.parametrize("event", sorted(NO_WINDOW_EVENTS))
def test_events_that_open_no_window_write_no_follower(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, event: str
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    # When an event that is not a follower action for the window arrives
    resp = post(
        invoke, account, event_xml(event, create_time=now, extra=NO_WINDOW_EVENTS[event]), now
    )
    # Then WeChat gets success and no follower is written
    assert (resp["statusCode"], resp["body"]) == (200, "success")
    assert FollowerStore(stack).get(APP_ID, OPENID) is None


def test_an_unknown_message_type_degrades_to_a_message(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    # When a message of a type WeChat invents tomorrow arrives
    resp = post(
        invoke, account, message_xml("hologram", "<Depth>3</Depth>\n", create_time=now), now
    )
    # Then it is accepted and counts as the follower's own message
    assert resp["statusCode"] == 200
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert state is not None and state.window_closes_at == now + H48


def test_a_repeated_callback_is_processed_once(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a follower whose message was processed
    account = register(stack)
    now = int(fake_clock.now)
    xml = text_xml(create_time=now, msg_id=777)
    post(invoke, account, xml, now)
    first = FollowerStore(stack).get(APP_ID, OPENID)
    capsys.readouterr()
    # When WeChat retries the same callback (new nonce, a few seconds later)
    fake_clock.advance(5)
    body, query = sealed(account, xml, timestamp=int(fake_clock.now), nonce="other")
    resp = invoke(http_event("POST", APP_ID, query, body))
    # Then it answers success, writes nothing, and counts a duplicate
    assert resp["statusCode"] == 200
    assert FollowerStore(stack).get(APP_ID, OPENID) == first
    assert '"CallbacksDuplicate"' in capsys.readouterr().out


def test_a_late_older_callback_never_moves_the_window_backwards(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a window opened by a message at `now`
    account = register(stack)
    now = int(fake_clock.now)
    post(invoke, account, text_xml(create_time=now, msg_id=2), now)
    # When a message sent an hour earlier arrives late
    post(invoke, account, text_xml(create_time=now - 3600, msg_id=1), now)
    # Then the window still closes 48 hours after the newest message
    state = FollowerStore(stack).get(APP_ID, OPENID)
    assert (
        state is not None and state.window_closes_at == now + H48 and state.last_message_at == now
    )


def test_a_mass_send_result_is_stored_for_the_broadcast_engine(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given a safe-mode account
    account = register(stack)
    now = int(fake_clock.now)
    counts = (
        "<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount>"
        "<FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>\n"
    )
    # When MASSSENDJOBFINISH arrives, then an older partial report arrives late
    post(invoke, account, event_xml("MASSSENDJOBFINISH", create_time=now, extra=counts), now)
    older = counts.replace("<SentCount>75", "<SentCount>10")
    post(invoke, account, event_xml("MASSSENDJOBFINISH", create_time=now - 30, extra=older), now)
    # Then the newer counts are what is stored
    result = MassJobStore(stack).get(APP_ID, 1000001625)
    assert result is not None
    assert (result.status, result.sent_count, result.filter_count, result.error_count) == (
        "send success",
        75,
        80,
        5,
    )


def test_freshness_zero_accepts_old_timestamps(
    stack: Settings, invoke: Invoke, fake_clock: FakeClock
) -> None:
    # Given an account with the freshness check disabled
    account = register(stack, freshness_seconds=0)
    old = int(fake_clock.now) - 30 * 86400
    # When a callback signed a month ago arrives
    resp = post(invoke, account, text_xml(create_time=old), old)
    # Then it is accepted
    assert resp["statusCode"] == 200
    assert snapshot(stack)[stack.followers_table]
