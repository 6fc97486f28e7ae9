"""Faults on demand: errcodes for the next K calls, and slow answers with or without the effect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, SEND, Harness, running_sandbox


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        harness.play("o-ann", "say", text="hello")
        yield harness


def test_an_errcode_fault_hits_the_next_k_calls_then_wechat_recovers(wx: Harness) -> None:
    # Given two calls planned to fail with "system busy"
    wx.control("POST", "faults", {"api": SEND, "errcode": -1, "times": 2})
    # When the engine sends three times
    answers = [wx.wechat(SEND, _hello()) for _ in range(3)]
    # Then two fail without effect, the third goes out, and no fault is left
    assert [a["errcode"] for a in answers] == [-1, -1, 0]
    assert answers[0]["errmsg"] == "system error"
    assert len(wx.control("GET", "sent", app_id=APP_ID)) == 1
    assert wx.control("GET", "faults") == []


def test_faults_only_hit_their_own_api(wx: Harness) -> None:
    # Given a fault on tags/get
    wx.control("POST", "faults", {"api": "/cgi-bin/tags/get", "errcode": 45009})
    # When the engine sends a message, then reads tags twice
    send = wx.wechat(SEND, _hello())
    tags = [wx.wechat("/cgi-bin/tags/get") for _ in range(2)]
    # Then only the first tags/get fails, with WeChat's words for 45009
    assert send["errcode"] == 0
    assert tags[0] == {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    assert tags[1] == {"tags": []}


def test_an_applied_timeout_sends_although_the_caller_gave_up(wx: Harness) -> None:
    # Given the next send answers late but still goes out
    wx.control("POST", "faults", {"api": SEND, "timeout_seconds": 0.3, "applied": True, "times": 1})
    # When the engine sends with a shorter read timeout
    with pytest.raises(requests.ReadTimeout):
        wx.wechat(SEND, _hello(), timeout=0.1)
    # Then WeChat did send it: the log has it and the window spent a message
    assert [s["openid"] for s in wx.control("GET", "sent", app_id=APP_ID)] == ["o-ann"]
    [follower] = wx.control("GET", "followers", app_id=APP_ID)
    assert follower["messages_left"] == 4


def test_an_unapplied_timeout_sends_nothing(wx: Harness) -> None:
    # Given the next send answers late and does nothing
    wx.control("POST", "faults", {"api": SEND, "timeout_seconds": 0.3})
    # When the engine sends with a shorter read timeout, then waits for a second try
    with pytest.raises(requests.ReadTimeout):
        wx.wechat(SEND, _hello(), timeout=0.1)
    retry = wx.wechat(SEND, _hello())
    # Then only the retry went out
    assert retry["errcode"] == 0
    assert len(wx.control("GET", "sent", app_id=APP_ID)) == 1


def test_concurrent_calls_consume_each_fault_once(wx: Harness) -> None:
    # Given three faulted calls of an API and plenty of window
    wx.control("POST", "faults", {"api": "/cgi-bin/tags/get", "errcode": 45011, "times": 3})
    # When twelve calls race
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: wx.wechat("/cgi-bin/tags/get"), range(12)))
    # Then exactly three of them suffered the fault
    assert sum(a.get("errcode") == 45011 for a in answers) == 3


@pytest.mark.parametrize(
    "fault",
    [
        {"api": SEND},
        {"api": SEND, "errcode": 45015, "timeout_seconds": 1},
        {"api": SEND, "errcode": 45015, "applied": True},
        {"api": "/_sandbox/play", "errcode": -1},
        {"api": SEND, "errcode": -1, "times": 0},
    ],
    ids=["neither", "both", "applied-without-timeout", "control-api", "zero-times"],
)
def test_impossible_faults_are_refused(wx: Harness, fault: dict[str, object]) -> None:
    # When a fault that cannot be is planned
    resp = requests.post(f"{wx.url}/_sandbox/faults", json=fault, timeout=5)
    # Then the sandbox refuses it and nothing is pending
    assert resp.status_code == 400, resp.text
    assert wx.control("GET", "faults") == []


def test_reset_forgets_followers_sends_and_faults(wx: Harness) -> None:
    # Given a send and a pending fault
    wx.wechat(SEND, _hello())
    wx.control("POST", "faults", {"api": SEND, "errcode": -1})
    # When the sandbox is reset
    wx.control("POST", "reset", {})
    # Then nothing is remembered, and the follower is unknown again
    assert wx.control("GET", "sent") == []
    assert wx.control("GET", "faults") == []
    assert wx.wechat(SEND, _hello())["errcode"] == 40003


def _hello() -> bytes:
    body = {"touser": "o-ann", "msgtype": "text", "text": {"content": "你好"}}
    return json.dumps(body, ensure_ascii=False).encode()
