"""URL verification and the checks every request passes first: account, query, freshness, signature."""

from __future__ import annotations

import pytest

from tests.support.callbacks import APP_ID, TOKEN
from tests.unit.webhook.conftest import NOW, World, account
from wxengage.accounts import MessageMode
from wxengage.webhook.errors import BadQuery, StaleTimestamp, UnknownApp
from wxengage.webhook.verify import check_fresh
from wxengage.wechat.errors import InvalidSignatureError
from wxengage.wechat.signature import sha1_signature


def echo_query(ts: int = NOW, token: str = TOKEN) -> dict[str, str]:
    nonce = "1514711492"
    return {
        "signature": sha1_signature(token, str(ts), nonce),
        "timestamp": str(ts),
        "nonce": nonce,
        "echostr": "4375120948345356249",
    }


def test_a_signed_verification_is_answered_with_echostr(world: World) -> None:
    # Given a GET signed with the account's token
    # When it is verified / Then the answer is echostr, as plain text
    answer = world.verification().verify_url(APP_ID, echo_query())
    assert answer.body == "4375120948345356249"
    assert answer.content_type.startswith("text/plain")


def test_a_wrong_signature_is_refused(world: World) -> None:
    # Given a GET signed with another token / Then it is refused as unsigned
    with pytest.raises(InvalidSignatureError):
        world.verification().verify_url(APP_ID, echo_query(token="otherToken9"))


@pytest.mark.parametrize("app_id", ["wxffffffffffffffff", "", "not-an-app-id", "wx" + "a" * 3000])
def test_an_unknown_or_malformed_app_id_is_unknown(world: World, app_id: str) -> None:
    # Given an app_id nobody registered (or no AppID at all) / Then it is unknown
    with pytest.raises(UnknownApp) as refused:
        world.verification().verify_url(app_id, echo_query())
    assert refused.value.reason == "unknown_app"


@pytest.mark.parametrize(
    ("drop", "message"),
    [("echostr", "echostr"), ("signature", "signature"), ("nonce", "nonce")],
)
def test_a_missing_parameter_is_a_bad_query_naming_it(
    world: World, drop: str, message: str
) -> None:
    # Given a GET without one of its parameters
    query = {k: v for k, v in echo_query().items() if k != drop}
    # When it is verified / Then it is a bad query that names the parameter
    with pytest.raises(BadQuery) as refused:
        world.verification().verify_url(APP_ID, query)
    assert refused.value.message.endswith(message)
    assert refused.value.reason == "bad_query"


@pytest.mark.parametrize("timestamp", ["¹⁷⁹⁵", "1795341600.5", "-1", "1" * 13])
def test_a_timestamp_that_is_not_whole_seconds_is_a_bad_query(world: World, timestamp: str) -> None:
    # Given a GET whose timestamp is not ASCII whole seconds / Then it is a bad query
    with pytest.raises(BadQuery, match="whole seconds"):
        world.verification().verify_url(APP_ID, echo_query() | {"timestamp": timestamp})


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_beyond_the_freshness_limit_is_stale(world: World, offset: int) -> None:
    # Given a correctly signed GET whose timestamp is more than 300 s from now
    query = echo_query(ts=NOW + offset)
    # When it is verified / Then it is stale, whichever side of now it is on
    with pytest.raises(StaleTimestamp) as refused:
        world.verification().verify_url(APP_ID, query)
    assert refused.value.reason == "stale_timestamp"


def test_freshness_zero_accepts_any_timestamp() -> None:
    # Given an account with the freshness check off / Then a day-old timestamp passes
    check_fresh(account(APP_ID, MessageMode.SAFE, freshness_seconds=0), str(NOW - 86400), NOW)
    # And the limit itself is inclusive
    check_fresh(account(APP_ID, MessageMode.SAFE), str(NOW - 300), NOW)
