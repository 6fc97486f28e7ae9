"""Access tokens: one per account, shared by clients, containers and Lambdas, refreshed in time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses
from pydantic import SecretStr

from tests.conftest import FakeClock
from tests.wechat_client import (
    APP_ID,
    OK,
    SEND,
    TAGS,
    TOKEN_API,
    FakeWeChat,
    make_client,
    text,
)
from wxengage.accounts import Account, AccountSecrets, AccountSettings, MessageMode
from wxengage.settings import Settings
from wxengage.store.aws import client as aws_client
from wxengage.store.tokens import DynamoTokenStore
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.wechat.client import forget_tokens
from wxengage.wechat.tokens import CachedToken
from wxengage.wiring.wechat import client_for


@pytest.fixture
def store(stack: Settings) -> DynamoTokenStore:
    return DynamoTokenStore(stack)


@pytest.fixture
def wechat(stack: Settings, fake_clock: FakeClock) -> Iterator[FakeWeChat]:
    # Started inside moto's mock, so WeChat calls meet this fake, never the network.
    forget_tokens()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeWeChat(mock)
    forget_tokens()


def stored(store: DynamoTokenStore) -> str | None:
    token = store.get(APP_ID)
    return token.access_token.get_secret_value() if token else None


def test_two_clients_in_one_container_share_one_token(
    wechat: FakeWeChat, store: DynamoTokenStore
) -> None:
    # Given WeChat issuing tokens
    wechat.issue_tokens("TOKEN-1", "TOKEN-2")
    wechat.answer("POST", TAGS, {"tagid_list": [2]})
    # When two clients of the same account call an API
    make_client(store).tag_ids_of("o-ann")
    make_client(store).tag_ids_of("o-bob")
    # Then one token was fetched, stored, and used by both
    assert len(wechat.requests_to(TOKEN_API)) == 1
    assert wechat.tokens_used(TAGS) == ["TOKEN-1", "TOKEN-1"]
    assert stored(store) == "TOKEN-1"


def test_a_new_container_takes_the_token_from_the_store(
    wechat: FakeWeChat, store: DynamoTokenStore
) -> None:
    # Given a token fetched by one Lambda container
    wechat.issue_tokens("TOKEN-1", "TOKEN-2")
    wechat.answer("POST", TAGS, {"tagid_list": []})
    make_client(store).tag_ids_of("o-ann")
    # When another container (nothing in memory) calls
    forget_tokens()
    make_client(store).tag_ids_of("o-ann")
    # Then it used the stored token without asking WeChat for one
    assert len(wechat.requests_to(TOKEN_API)) == 1
    assert wechat.tokens_used(TAGS) == ["TOKEN-1", "TOKEN-1"]


def test_a_token_is_refreshed_when_fewer_than_five_minutes_remain(
    wechat: FakeWeChat, store: DynamoTokenStore, fake_clock: FakeClock
) -> None:
    # Given a two-hour token
    wechat.issue_tokens("TOKEN-1", "TOKEN-2")
    wechat.answer("POST", TAGS, {"tagid_list": []})
    client = make_client(store)
    client.tag_ids_of("o-ann")
    # When it is used with 300 s left, then with 299 s left
    fake_clock.advance(7200 - 300)
    client.tag_ids_of("o-ann")
    fake_clock.advance(1)
    client.tag_ids_of("o-ann")
    # Then the last call fetched and stored the rotated token first
    assert wechat.tokens_used(TAGS) == ["TOKEN-1", "TOKEN-1", "TOKEN-2"]
    token = store.get(APP_ID)
    assert token is not None and token.access_token.get_secret_value() == "TOKEN-2"
    assert token.expires_at == int(fake_clock.now) + 7200


def test_a_refused_token_is_dropped_refetched_and_the_call_retried_once(
    wechat: FakeWeChat, store: DynamoTokenStore
) -> None:
    # Given WeChat refusing the first token it issued (40001) and accepting the next
    wechat.issue_tokens("TOKEN-1", "TOKEN-2")
    wechat.answer("POST", SEND, {"errcode": 40001, "errmsg": "invalid credential"}, token="TOKEN-1")
    wechat.answer("POST", SEND, OK, token="TOKEN-2")
    # When a custom message is sent
    make_client(store).send_custom(text("o-ann", "hi"))
    # Then the token was refetched once, the send repeated once, and the store holds the new one
    assert len(wechat.requests_to(TOKEN_API)) == 2
    assert wechat.tokens_used(SEND) == ["TOKEN-1", "TOKEN-2"]
    assert stored(store) == "TOKEN-2"


def test_a_second_refusal_is_raised(wechat: FakeWeChat, store: DynamoTokenStore) -> None:
    # Given WeChat refusing every token (42001: expired)
    wechat.issue_tokens("TOKEN-1", "TOKEN-2", "TOKEN-3")
    wechat.answer("POST", TAGS, {"errcode": 42001, "errmsg": "access_token expired"})
    # When a call is made
    with pytest.raises(WeChatApiError) as refused:
        make_client(store).tag_ids_of("o-ann")
    # Then it gave up after one refetch and one retry
    assert (refused.value.errcode, refused.value.category) == (42001, ErrorCategory.TOKEN)
    assert wechat.tokens_used(TAGS) == ["TOKEN-1", "TOKEN-2"]


def test_a_refusal_never_deletes_a_newer_token_another_lambda_stored(
    wechat: FakeWeChat, store: DynamoTokenStore, fake_clock: FakeClock
) -> None:
    # Given this container holds TOKEN-1 while another Lambda has since stored TOKEN-2
    wechat.issue_tokens("TOKEN-1")
    wechat.answer("POST", TAGS, {"errcode": 40001, "errmsg": "invalid credential"}, token="TOKEN-1")
    wechat.answer("POST", TAGS, {"tagid_list": [7]}, token="TOKEN-2")
    client = make_client(store)
    client.access_token()
    fake_clock.advance(60)
    store.put(
        APP_ID,
        CachedToken(access_token=SecretStr("TOKEN-2"), expires_at=int(fake_clock.now) + 7200),
    )
    # When WeChat refuses TOKEN-1
    tags = client.tag_ids_of("o-ann")
    # Then the call was retried with the stored TOKEN-2, which stays, and WeChat was not asked again
    assert tags == [7]
    assert wechat.tokens_used(TAGS) == ["TOKEN-1", "TOKEN-2"]
    assert stored(store) == "TOKEN-2"
    assert len(wechat.requests_to(TOKEN_API)) == 1


def test_an_ip_whitelist_refusal_is_a_configuration_error_that_says_what_to_do(
    wechat: FakeWeChat, store: DynamoTokenStore
) -> None:
    # Given WeChat refusing this Lambda's IP
    wechat.answer(
        "POST",
        TOKEN_API,
        {"errcode": 40164, "errmsg": "invalid ip 52.1.2.3 ipv6 ::ffff:52.1.2.3, not in whitelist"},
    )
    # When a message is to be sent
    with pytest.raises(WeChatApiError) as refused:
        make_client(store).send_custom(text("o-ann", "hi"))
    # Then the error names the cause and the fix, and nothing was sent or stored
    err = refused.value
    assert (err.errcode, err.category, err.path) == (40164, ErrorCategory.CONFIGURATION, TOKEN_API)
    assert "IP whitelist" in str(err) and "NAT gateway" in str(err) and "Elastic IP" in str(err)
    assert wechat.requests_to(SEND) == [] and len(wechat.requests_to(TOKEN_API)) == 1
    assert stored(store) is None


def test_a_token_fetch_that_times_out_leaves_the_send_undelivered(
    wechat: FakeWeChat, store: DynamoTokenStore
) -> None:
    # Given stable_token timing out (it is idempotent, so it is retried)
    wechat.answer("POST", TOKEN_API, requests.ReadTimeout("read timed out"))
    # When a message is to be sent
    with pytest.raises(WeChatTransportError) as lost:
        make_client(store).send_custom(text("o-ann", "hi"))
    # Then the send is reported as never delivered (safe to try again later) and was never made
    assert lost.value.maybe_delivered is False and lost.value.path == TOKEN_API
    assert len(wechat.requests_to(TOKEN_API)) == 3 and wechat.requests_to(SEND) == []


def test_client_for_uses_the_shared_store_and_the_configured_base_url(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a deployment pointed at a sandbox WeChat
    settings = stack.model_copy(update={"wechat_api_base": "http://sandbox.test:8080"})
    account = Account(
        settings=AccountSettings(app_id=APP_ID, mode=MessageMode.PLAINTEXT),
        secrets=AccountSecrets(
            token="tok123", app_secret=SecretStr("S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tAB")
        ),
    )
    forget_tokens()
    with responses.RequestsMock() as mock:
        wechat = FakeWeChat(mock, base="http://sandbox.test:8080")
        wechat.issue_tokens("TOKEN-1")
        wechat.answer("POST", TAGS, {"tagid_list": [1]})
        # When the project's client is built and used
        tags = client_for(account, settings).tag_ids_of("o-ann")
    forget_tokens()
    # Then it called the sandbox and shared the token through the tokens table
    assert tags == [1]
    assert stored(DynamoTokenStore(settings)) == "TOKEN-1"


class TestDynamoTokenStore:
    """The store keeps the newest token when Lambdas race, and drops only the refused one."""

    @staticmethod
    def token(value: str, expires_at: int) -> CachedToken:
        return CachedToken(access_token=SecretStr(value), expires_at=expires_at)

    def test_put_keeps_the_token_that_expires_later(self, store: DynamoTokenStore) -> None:
        # Given a stored token, When an older one and then a newer one are put
        store.put(APP_ID, self.token("MIDDLE", 2_000))
        store.put(APP_ID, self.token("OLDER", 1_000))
        kept_after_older = stored(store)
        store.put(APP_ID, self.token("NEWER", 3_000))
        # Then the older one never replaced it, the newer one did
        assert kept_after_older == "MIDDLE"
        assert store.get(APP_ID) == self.token("NEWER", 3_000)

    def test_invalidate_deletes_only_the_named_token(self, store: DynamoTokenStore) -> None:
        # Given a stored token
        store.put(APP_ID, self.token("CURRENT", 2_000))
        # When a different token is invalidated, then the current one
        store.invalidate(APP_ID, "STALE")
        kept = stored(store)
        store.invalidate(APP_ID, "CURRENT")
        # Then only the second invalidation removed it
        assert kept == "CURRENT" and store.get(APP_ID) is None

    def test_the_item_expires_with_the_token(
        self, stack: Settings, store: DynamoTokenStore
    ) -> None:
        # Given a stored token
        store.put(APP_ID, self.token("T", 1_795_348_800))
        # Then its item carries the table's TTL attribute set to the token's expiry
        ttl = aws_client("dynamodb").describe_time_to_live(TableName=stack.tokens_table)
        item = aws_client("dynamodb").get_item(
            TableName=stack.tokens_table, Key={"app_id": {"S": APP_ID}}
        )
        attribute = ttl["TimeToLiveDescription"]["AttributeName"]
        assert item["Item"][attribute] == {"N": "1795348800"}
