"""The shared HTTP session through real urllib3: only failed connects are retried underneath us."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from urllib3.util import connection
from urllib3.util.retry import Retry

from tests.wechat_client import MemoryTokens, make_client, text
from wxengage.wechat.api_errors import WeChatTransportError

_hosts = itertools.count()


class CannedConnections:
    """Stands in for TCP: counts connections and gives each a canned answer, or none at all."""

    def __init__(self, answer: bytes | None = None, refuse: bool = False) -> None:
        self.answer = answer
        self.refuse = refuse
        self.opened = 0
        self._server_ends: list[socket.socket] = []

    def __call__(self, address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        self.opened += 1
        if self.refuse:
            raise ConnectionRefusedError(111, "Connection refused")
        ours, theirs = socket.socketpair()
        if self.answer is not None:
            theirs.sendall(self.answer)
        self._server_ends.append(theirs)  # kept open: with no answer, the client waits
        return ours

    def close(self) -> None:
        for end in self._server_ends:
            end.close()


@pytest.fixture
def base() -> str:
    # A host of its own per test, so no pooled connection carries over from another test.
    return f"http://wechat-{next(_hosts)}.test"


@pytest.fixture
def tcp(monkeypatch: pytest.MonkeyPatch) -> Iterator[CannedConnections]:
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(key, raising=False)
    # urllib3's own backoff between connect attempts would really sleep.
    monkeypatch.setattr(Retry, "sleep", lambda self, response=None: None)
    canned = CannedConnections()
    monkeypatch.setattr(connection, "create_connection", canned)
    yield canned
    canned.close()


def test_a_refused_connection_is_retried_then_reported_as_never_delivered(
    tcp: CannedConnections, base: str
) -> None:
    # Given WeChat refusing connections
    tcp.refuse = True
    # When a custom message is sent
    with pytest.raises(WeChatTransportError) as down:
        make_client(MemoryTokens(), base=base).send_custom(text("o-ann", "hi"))
    # Then the session tried three connections, and nothing can have been delivered
    assert tcp.opened == 3
    assert down.value.maybe_delivered is False


def test_a_read_timeout_is_never_retried_underneath_a_custom_send(
    tcp: CannedConnections, base: str
) -> None:
    # Given WeChat accepting the connection but never answering
    client = make_client(MemoryTokens(), base=base, timeout=(0.5, 0.05))
    # When a custom message is sent
    with pytest.raises(WeChatTransportError) as lost:
        client.send_custom(text("o-ann", "hi"))
    # Then one request went out, and it may have been delivered
    assert tcp.opened == 1
    assert lost.value.maybe_delivered is True


def test_a_503_with_retry_after_is_not_retried_underneath_a_custom_send(
    tcp: CannedConnections, base: str
) -> None:
    # Given WeChat (or a proxy in front of it) answering 503 with Retry-After
    tcp.answer = (
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
        b"Content-Length: 4\r\nConnection: close\r\n\r\nbusy"
    )
    # When a custom message is sent
    with pytest.raises(WeChatTransportError) as lost:
        make_client(MemoryTokens(), base=base).send_custom(text("o-ann", "hi"))
    # Then the session did not resend it, and the error carries no URL (it holds the token)
    assert tcp.opened == 1
    assert lost.value.maybe_delivered is True
    assert "TOKEN-1" not in str(lost.value) and lost.value.__context__ is None


def test_an_answer_arrives_through_the_real_stack(tcp: CannedConnections, base: str) -> None:
    body = b'{"tagid_list":[3]}'
    tcp.answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert make_client(MemoryTokens(), base=base).tag_ids_of("o-ann") == [3]
    assert tcp.opened == 1


def test_a_read_timeout_on_a_read_is_retried_by_the_client_alone(
    tcp: CannedConnections, base: str
) -> None:
    # Given WeChat never answering a GET (urllib3 would retry GETs if allowed to)
    client = make_client(MemoryTokens(), base=base, timeout=(0.5, 0.05))
    # When a page of followers is read
    with pytest.raises(WeChatTransportError) as lost:
        client.followers_page()
    # Then the client's own two retries are the only ones
    assert tcp.opened == 3
    assert lost.value.maybe_delivered is True
