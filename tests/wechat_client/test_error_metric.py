"""The WeChatApiError metric: one per failure handed to the caller, by errcode and API path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from tests.wechat_client import SEND, TAGS, TOKEN_API, FakeWeChat, MemoryTokens, make_client, text
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage.wechat.client import forget_tokens

BUSY = {"errcode": -1, "errmsg": "system error"}


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    forget_tokens()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeWeChat(mock)
    forget_tokens()


def emitted(out: str) -> list[dict[str, Any]]:
    """The WeChatApiError EMF records printed (namespace, dimensions and values)."""
    records = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [
        {
            "namespace": r["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "dimensions": r["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            "errcode": r["errcode"],
            "path": r["path"],
            "value": r["WeChatApiError"],
        }
        for r in records
        if "WeChatApiError" in r
    ]


def test_an_api_error_is_counted_once_by_errcode_and_path(
    wechat: FakeWeChat, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployed function's service name and WeChat refusing the caller's IP
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "my-stack")
    wechat.answer("POST", SEND, {"errcode": 40164, "errmsg": "invalid ip, not in whitelist"})
    # When a customer-service message is sent
    with pytest.raises(WeChatApiError):
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    # Then one metric says which errcode on which API, with the stack as `service`
    [metric] = emitted(capsys.readouterr().out)
    assert metric == {
        "namespace": "wxengage",
        "dimensions": [["errcode", "path", "service"]],
        "errcode": "40164",
        "path": SEND,
        "value": [1.0],
    }


def test_retries_that_end_in_success_count_nothing(
    wechat: FakeWeChat, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given WeChat busy once, then answering
    wechat.answer("POST", TAGS, BUSY, {"tagid_list": [2]})
    # When a follower's tags are read (an idempotent call, retried)
    assert make_client(MemoryTokens(), []).tag_ids_of("o-ann") == [2]
    # Then no error reached the caller, and none is counted
    assert emitted(capsys.readouterr().out) == []


def test_token_failures_and_transport_failures_are_counted_on_their_path(
    wechat: FakeWeChat, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given stable_token refusing the AppSecret, then (a fresh container) WeChat unreachable
    wechat.answer("POST", TOKEN_API, {"errcode": 40125, "errmsg": "invalid appsecret"})
    empty = MemoryTokens()
    empty.token = None
    with pytest.raises(WeChatApiError):
        make_client(empty).tag_ids_of("o-ann")
    forget_tokens()
    wechat.answer("POST", SEND, requests.ConnectionError("connection reset"))
    with pytest.raises(WeChatTransportError):
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    # Then the token failure is on stable_token's path and the lost answer is "transport"
    got = [(m["errcode"], m["path"]) for m in emitted(capsys.readouterr().out)]
    assert got == [("40125", TOKEN_API), ("transport", SEND)]
