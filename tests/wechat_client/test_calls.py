"""API calls: errcodes and timeouts retried only where a repeat is harmless; raw UTF-8 on the wire."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from tests.wechat_client import (
    FOLLOWERS,
    OK,
    SEND,
    TAG_FOLLOWERS,
    TAGS,
    FakeWeChat,
    MemoryTokens,
    make_client,
    text,
)
from wxengage.wechat.api_errors import (
    ErrorCategory,
    WeChatApiError,
    WeChatTransportError,
    categorize,
)
from wxengage.wechat.client import forget_tokens

BUSY = {"errcode": -1, "errmsg": "system error"}


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    forget_tokens()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeWeChat(mock)
    forget_tokens()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def test_system_busy_is_retried_with_backoff_for_an_idempotent_call(
    wechat: FakeWeChat, sleeps: list[float]
) -> None:
    # Given WeChat busy twice, then answering
    wechat.answer("POST", TAGS, BUSY, BUSY, {"tagid_list": [2, 100]})
    # When a follower's tags are read
    tags = make_client(MemoryTokens(), sleeps).tag_ids_of("o-ann")
    # Then the third try succeeded after growing pauses
    assert tags == [2, 100]
    assert len(wechat.requests_to(TAGS)) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] > 0


def test_system_busy_gives_up_after_two_retries(wechat: FakeWeChat, sleeps: list[float]) -> None:
    wechat.answer("POST", TAGS, BUSY)
    with pytest.raises(WeChatApiError) as busy:
        make_client(MemoryTokens(), sleeps).tag_ids_of("o-ann")
    assert busy.value.category is ErrorCategory.RETRY_BACKOFF
    assert len(wechat.requests_to(TAGS)) == 3


def test_system_busy_on_a_custom_send_is_not_retried(
    wechat: FakeWeChat, sleeps: list[float]
) -> None:
    # Given WeChat busy, then fine
    wechat.answer("POST", SEND, BUSY, OK)
    # When a custom message is sent
    with pytest.raises(WeChatApiError) as busy:
        make_client(MemoryTokens(), sleeps).send_custom(text("o-ann", "hi"))
    # Then the error is raised for the caller to decide; nothing was resent
    assert busy.value.category is ErrorCategory.RETRY_BACKOFF
    assert len(wechat.requests_to(SEND)) == 1 and sleeps == []


def test_a_custom_send_that_times_out_is_maybe_delivered_and_not_retried(
    wechat: FakeWeChat,
) -> None:
    # Given WeChat that does not answer in time, then would
    wechat.answer("POST", SEND, requests.ReadTimeout("read timed out"), OK)
    # When a custom message is sent
    with pytest.raises(WeChatTransportError) as lost:
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    # Then it may have been delivered, and exactly one request reached WeChat
    assert lost.value.maybe_delivered is True and lost.value.path == SEND
    assert len(wechat.requests_to(SEND)) == 1


@pytest.mark.parametrize(
    "failure",
    [
        502,
        requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104))),
        requests.exceptions.ChunkedEncodingError("connection broken"),
    ],
    ids=["http-502", "reset-after-sending", "broken-answer"],
)
def test_a_custom_send_that_may_have_arrived_is_never_repeated(
    wechat: FakeWeChat, failure: int | Exception
) -> None:
    wechat.answer("POST", SEND, failure, OK)
    with pytest.raises(WeChatTransportError) as lost:
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    assert lost.value.maybe_delivered is True
    assert len(wechat.requests_to(SEND)) == 1


def test_a_custom_send_that_could_not_connect_was_never_delivered(wechat: FakeWeChat) -> None:
    # Given a connect timeout (the adapter has already retried it)
    wechat.answer("POST", SEND, requests.ConnectTimeout("connect timed out"))
    with pytest.raises(WeChatTransportError) as down:
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    # Then the caller may safely try again later
    assert down.value.maybe_delivered is False
    assert len(wechat.requests_to(SEND)) == 1


def test_a_read_timeout_on_an_idempotent_call_is_retried(
    wechat: FakeWeChat, sleeps: list[float]
) -> None:
    wechat.answer("POST", TAGS, requests.ReadTimeout("read timed out"), 503, {"tagid_list": [5]})
    assert make_client(MemoryTokens(), sleeps).tag_ids_of("o-ann") == [5]
    assert len(wechat.requests_to(TAGS)) == 3


def test_an_answer_that_is_not_json_is_a_transport_error(wechat: FakeWeChat) -> None:
    wechat.mock.add("POST", "https://api.weixin.qq.com" + SEND, body="<html>proxy</html>")
    with pytest.raises(WeChatTransportError) as odd:
        make_client(MemoryTokens()).send_custom(text("o-ann", "hi"))
    assert odd.value.maybe_delivered is True


@pytest.mark.parametrize("errcode", [45015, 45047, 43004, 40003])
def test_a_follower_side_refusal_is_raised_at_once(
    wechat: FakeWeChat, sleeps: list[float], errcode: int
) -> None:
    # Given WeChat refusing because of the follower (window closed, quota used, ...)
    wechat.answer("POST", SEND, {"errcode": errcode, "errmsg": "response out of time limit"})
    # When a custom message is sent
    with pytest.raises(WeChatApiError) as refused:
        make_client(MemoryTokens(), sleeps).send_custom(text("o-ann", "hi"))
    # Then it is a FOLLOWER error naming the API, with no retry
    err = refused.value
    assert (err.errcode, err.category) == (errcode, ErrorCategory.FOLLOWER)
    assert SEND in str(err) and str(errcode) in str(err)
    assert len(wechat.requests_to(SEND)) == 1 and sleeps == []


def test_a_follower_side_refusal_is_not_retried_even_when_idempotent(wechat: FakeWeChat) -> None:
    wechat.answer("POST", TAGS, {"errcode": 45015, "errmsg": "out of time limit"})
    with pytest.raises(WeChatApiError) as refused:
        make_client(MemoryTokens()).tag_ids_of("o-ann")
    assert refused.value.category is ErrorCategory.FOLLOWER
    assert len(wechat.requests_to(TAGS)) == 1


def test_an_api_error_keeps_the_whole_answer(wechat: FakeWeChat) -> None:
    # Given a mass send whose clientmsgid was already used (45065 carries the existing msg_id)
    wechat.answer(
        "POST",
        "/cgi-bin/message/mass/send",
        {"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": 1000000001},
    )
    with pytest.raises(WeChatApiError) as exists:
        make_client(MemoryTokens()).call(
            "POST", "/cgi-bin/message/mass/send", body={"clientmsgid": "b1"}, idempotent=False
        )
    assert exists.value.category is ErrorCategory.CLIENTMSGID_EXISTS
    assert exists.value.data["msg_id"] == 1000000001


def test_the_body_goes_out_as_raw_utf8_json(wechat: FakeWeChat) -> None:
    # Given a message in Chinese
    wechat.answer("POST", SEND, OK)
    message = text("o-ann", "您好还在吗")
    # When it is sent
    make_client(MemoryTokens()).send_custom(message)
    # Then the bytes on the wire are UTF-8 Chinese, not \u escapes, and say so
    sent = wechat.requests_to(SEND)[0]
    assert isinstance(sent.body, bytes)
    assert "您好还在吗".encode() in sent.body and b"\\u" not in sent.body
    assert json.loads(sent.body) == message
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert wechat.tokens_used(SEND) == ["TOKEN-1"]


def test_followers_are_read_page_by_page(wechat: FakeWeChat) -> None:
    # Given two pages of followers, then an empty page that still echoes an openid
    wechat.answer(
        "GET",
        FOLLOWERS,
        {"total": 3, "count": 2, "data": {"openid": ["o-1", "o-2"]}, "next_openid": "o-2"},
        {"total": 3, "count": 1, "data": {"openid": ["o-3"]}, "next_openid": "o-3"},
        {"total": 3, "count": 0, "next_openid": "o-3"},
    )
    client = make_client(MemoryTokens())
    # When every page is read
    pages = [client.followers_page(), client.followers_page("o-2"), client.followers_page("o-3")]
    # Then each page continues where the last one ended, and the empty one ends the walk
    assert pages == [(["o-1", "o-2"], "o-2"), (["o-3"], "o-3"), ([], "")]
    assert [r.params["next_openid"] for r in wechat.requests_to(FOLLOWERS)] == ["", "o-2", "o-3"]  # type: ignore[attr-defined]


def test_a_tags_followers_are_read_by_tag_id(wechat: FakeWeChat) -> None:
    wechat.answer(
        "POST", TAG_FOLLOWERS, {"count": 1, "data": {"openid": ["o-1"]}, "next_openid": "o-1"}
    )
    page = make_client(MemoryTokens()).tag_followers_page(101, "o-0")
    assert page == (["o-1"], "o-1")
    sent = wechat.requests_to(TAG_FOLLOWERS)[0]
    assert json.loads(sent.body or b"") == {"tagid": 101, "next_openid": "o-0"}


@pytest.mark.parametrize(
    ("codes", "category"),
    [
        ([-1], ErrorCategory.RETRY_BACKOFF),
        ([45011], ErrorCategory.RETRY_NEXT_MINUTE),
        ([40001, 40014, 42001], ErrorCategory.TOKEN),
        ([45015, 45047, 43004, 43019, 40003, 50002], ErrorCategory.FOLLOWER),
        ([45009], ErrorCategory.DAILY_QUOTA),
        ([45028], ErrorCategory.MASS_QUOTA),
        ([45065], ErrorCategory.CLIENTMSGID_EXISTS),
        ([45066], ErrorCategory.CLIENTMSGID_TOO_FAST),
        ([89503, 89504, 89505], ErrorCategory.AWAITING_CONFIRMATION),
        ([40033, 45002, 45008, 45067, 47001, 40130], ErrorCategory.REQUEST_BUG),
        ([40164, 48001, 48004, 40013, 40125], ErrorCategory.CONFIGURATION),
        ([12345, 0], ErrorCategory.UNKNOWN),
    ],
)
def test_errcodes_fall_into_the_documented_categories(
    codes: list[int], category: ErrorCategory
) -> None:
    assert {categorize(code) for code in codes} == {category}
