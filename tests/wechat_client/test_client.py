"""The WeChat client against the sandbox over real HTTP: tokens shared, retries only where safe."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, APP_SECRET, SEND, Harness, running_sandbox
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.wechat.client import WeChatClient, forget_tokens
from wxengage.wechat.tokens import CachedToken


class MemoryTokens:
    """The shared token store, in memory, counting what it is asked."""

    def __init__(self) -> None:
        self.token: CachedToken | None = None
        self.invalidated: list[str] = []

    def get(self, app_id: str) -> CachedToken | None:
        return self.token

    def put(self, app_id: str, token: CachedToken) -> None:
        if self.token is None or self.token.expires_at < token.expires_at:
            self.token = token

    def invalidate(self, app_id: str, access_token: str) -> None:
        self.invalidated.append(access_token)
        if self.token and self.token.access_token.get_secret_value() == access_token:
            self.token = None


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    forget_tokens()
    with running_sandbox() as harness:
        yield harness
    forget_tokens()


def client(wx: Harness, tokens: MemoryTokens, timeout: float = 2.0) -> WeChatClient:
    return WeChatClient(
        APP_ID,
        SecretStr(APP_SECRET),
        tokens,
        base_url=wx.url,
        timeout=(1.0, timeout),
        sleep=lambda s: None,
    )


def token_calls(wx: Harness) -> int:
    return int(wx.sandbox.state.token_calls) if hasattr(wx.sandbox.state, "token_calls") else -1


def test_a_token_is_fetched_once_and_shared_through_the_store(wx: Harness) -> None:
    # Given a follower who wrote, and one shared token store
    wx.play("o-ann", "say", text="hi")
    tokens = MemoryTokens()
    # When one client sends, then a "new container" (memory cleared) sends too
    client(wx, tokens).send_custom(
        {"touser": "o-ann", "msgtype": "text", "text": {"content": "一"}}
    )
    first = tokens.token
    forget_tokens()
    client(wx, tokens).send_custom(
        {"touser": "o-ann", "msgtype": "text", "text": {"content": "二"}}
    )
    # Then both used the same stored token and both messages arrived, as raw UTF-8
    assert tokens.token == first
    sent = wx.control("GET", "sent", app_id=APP_ID)
    assert [s["message"]["text"]["content"] for s in sent] == ["一", "二"]


def test_a_refused_token_is_refetched_once(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a stored token WeChat no longer accepts
    wx.play("o-ann", "say", text="hi")
    tokens = MemoryTokens()
    tokens.token = CachedToken(
        access_token=SecretStr("stale-token"), expires_at=int(fake_clock.now) + 7000
    )
    # When the client calls
    tags = client(wx, tokens).tag_ids_of("o-ann")
    # Then it dropped the stale token, fetched a fresh one and succeeded
    assert tags == [] and tokens.invalidated == ["stale-token"]
    assert (
        tokens.token is not None and tokens.token.access_token.get_secret_value() != "stale-token"
    )


def test_a_token_close_to_expiry_is_refreshed_first(wx: Harness, fake_clock: FakeClock) -> None:
    wx.play("o-ann", "say", text="hi")
    tokens = MemoryTokens()
    tokens.token = CachedToken(access_token=SecretStr("old"), expires_at=int(fake_clock.now) + 200)
    client(wx, tokens).tag_ids_of("o-ann")
    assert tokens.token is not None and tokens.token.expires_at > int(fake_clock.now) + 7000


def test_system_busy_is_retried_for_reads_but_not_for_customer_sends(wx: Harness) -> None:
    # Given a follower, and WeChat answering -1 to the next call of each API
    wx.play("o-ann", "say", text="hi")
    c = client(wx, MemoryTokens())
    c.access_token()
    wx.control("POST", "faults", {"api": "/cgi-bin/tags/getidlist", "errcode": -1, "times": 1})
    wx.control("POST", "faults", {"api": SEND, "errcode": -1, "times": 1})
    # When a read and a send are made
    tags = c.tag_ids_of("o-ann")
    with pytest.raises(WeChatApiError) as busy:
        c.send_custom({"touser": "o-ann", "msgtype": "text", "text": {"content": "x"}})
    # Then the read succeeded on its retry; the send was not retried
    assert tags == [] and busy.value.category is ErrorCategory.RETRY_BACKOFF
    assert wx.control("GET", "sent", app_id=APP_ID) == []


def test_a_send_that_times_out_after_delivery_is_not_retried(wx: Harness) -> None:
    # Given WeChat that performs the send but answers too late
    wx.play("o-ann", "say", text="hi")
    c = client(wx, MemoryTokens(), timeout=0.3)
    c.access_token()
    wx.control("POST", "faults", {"api": SEND, "timeout_seconds": 0.8, "applied": True, "times": 1})
    # When the client sends
    with pytest.raises(WeChatTransportError) as lost:
        c.send_custom({"touser": "o-ann", "msgtype": "text", "text": {"content": "x"}})
    # Then it reports "maybe delivered" and WeChat holds exactly one send
    assert lost.value.maybe_delivered is True
    assert len(wx.control("GET", "sent", app_id=APP_ID)) == 1


def test_follower_side_errors_are_classified_and_not_retried(wx: Harness) -> None:
    c = client(wx, MemoryTokens())
    with pytest.raises(WeChatApiError) as refused:
        c.send_custom({"touser": "o-stranger", "msgtype": "text", "text": {"content": "x"}})
    assert (refused.value.errcode, refused.value.category) == (40003, ErrorCategory.FOLLOWER)


def test_an_ip_whitelist_refusal_says_what_to_do(wx: Harness) -> None:
    wx.control("POST", "faults", {"api": "/cgi-bin/stable_token", "errcode": 40164, "times": 1})
    with pytest.raises(WeChatApiError) as refused:
        client(wx, MemoryTokens()).access_token()
    assert refused.value.category is ErrorCategory.CONFIGURATION
    assert "IP whitelist" in str(refused.value) and "NAT gateway" in str(refused.value)


def test_unreachable_wechat_is_reported_as_not_delivered() -> None:
    c = WeChatClient(
        APP_ID,
        SecretStr(APP_SECRET),
        MemoryTokens(),
        base_url="http://127.0.0.1:9",
        timeout=(0.5, 0.5),
    )
    forget_tokens()
    with pytest.raises(WeChatTransportError) as down:
        c.access_token()
    assert down.value.maybe_delivered is False


def test_no_log_line_carries_the_token_or_the_secret(
    wx: Harness, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given debug logging and a stored token WeChat refuses (so the client logs its recovery)
    caplog.set_level(logging.DEBUG)
    wx.play("o-ann", "say", text="hi")
    tokens = MemoryTokens()
    c = client(wx, tokens)
    c.send_custom({"touser": "o-ann", "msgtype": "text", "text": {"content": "x"}})
    token = c.access_token()
    # When everything it logged is read
    logged = caplog.text + capsys.readouterr().out
    # Then neither the token nor the AppSecret appears
    assert token not in logged and APP_SECRET not in logged
