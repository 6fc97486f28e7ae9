"""Secrets stay out of logs: no access token, AppSecret or token-bearing URL at any log level."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest
import requests
import responses

from tests.conftest import FakeClock
from tests.wechat_client import (
    APP_SECRET,
    OK,
    SEND,
    TAGS,
    TOKEN_API,
    FakeWeChat,
    make_client,
    text,
)
from wxengage.settings import Settings
from wxengage.store.tokens import DynamoTokenStore
from wxengage.wechat.api_errors import WeChatTransportError
from wxengage.wechat.client import forget_tokens


@pytest.fixture
def wechat(stack: Settings, fake_clock: FakeClock) -> Iterator[FakeWeChat]:
    forget_tokens()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeWeChat(mock)
    forget_tokens()


def test_no_log_line_or_error_carries_a_token_or_the_secret(
    wechat: FakeWeChat,
    stack: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given everything logged at DEBUG, and WeChat refusing a token, being busy and timing out
    caplog.set_level(logging.DEBUG)
    wechat.issue_tokens("TOKEN-AAAA", "TOKEN-BBBB")
    wechat.answer("POST", SEND, {"errcode": 40001, "errmsg": "invalid credential"}, OK)
    wechat.answer("POST", TAGS, {"errcode": -1, "errmsg": "system error"}, {"tagid_list": []})
    wechat.answer("GET", "/cgi-bin/user/get", requests.ReadTimeout("read timed out"))
    client = make_client(DynamoTokenStore(stack))
    # When the client fetches, stores, refetches and uses tokens, retries and fails
    client.send_custom(text("o-ann", "hi"))
    client.tag_ids_of("o-ann")
    with pytest.raises(WeChatTransportError) as lost:
        client.followers_page()
    # Then nothing logged or raised names a token or the AppSecret
    assert len(wechat.requests_to(TOKEN_API)) == 2  # the scenario really used both tokens
    failure = "".join(traceback.format_exception(lost.value))
    output = capsys.readouterr()
    for text_seen in (caplog.text, output.out, output.err, failure):
        for secret in ("TOKEN-AAAA", "TOKEN-BBBB", APP_SECRET, "access_token="):
            assert secret not in text_seen
    assert "retrying a WeChat call" in caplog.text  # the capture did see the client's logs
