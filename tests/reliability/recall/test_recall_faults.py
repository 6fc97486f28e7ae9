"""Reliability: recall sweeps while WeChat (the sandbox, through the real client) fails a share of
calls; each eligible follower gets at most one recall and every failure is in the stats."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.recall.conftest import H48, World
from tests.support.callbacks import APP_ID
from wxengage.services import get_sender
from wxengage.store.accounts import AccountStore
from wxengage.store.tokens import DynamoTokenStore
from wxengage.wechat.client import WeChatClient, forget_tokens
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.sandbox_callbacks import Action
from wxengage_local.sandbox_faults import FaultSpec

SEND = "/cgi-bin/message/custom/send"
FOLLOWERS = 20


@pytest.fixture
def sandbox(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[WeChatSandbox]:
    """The recall world's sender talking to the sandbox through the real client (1 s read timeout)."""
    forget_tokens()
    box = WeChatSandbox(AccountStore(world.settings), "http://127.0.0.1:9", port=0)
    box.start()
    secret = AccountStore(world.settings).get(APP_ID).secrets.app_secret
    client = WeChatClient(
        APP_ID, secret, DynamoTokenStore(world.settings), base_url=box.url, timeout=(1.0, 1.0)
    )
    monkeypatch.setattr(get_sender(), "wechat", lambda account: client)
    yield box
    box.stop()
    forget_tokens()


def test_sweeps_under_wechat_faults_send_once_and_account_for_every_failure(
    world: World, sandbox: WeChatSandbox
) -> None:
    # Given 20 followers whose recalls are due, their windows open in WeChat too
    world.rule()
    due = int(world.clock.now) - H48 + 30 * 60 - 60
    openids = [f"o-f{n:02d}" for n in range(FOLLOWERS)]
    for openid in openids:
        world.say(openid, at=due)
        sandbox.state.observe(APP_ID, openid, Action.SAY, due)
    # And WeChat failing the next customer sends: busy, rate-limited, a token burst, two lost answers
    for spec in (
        {"errcode": -1, "times": 3},
        {"errcode": 45011, "times": 2},
        {"errcode": 40001, "times": 2},  # refused, refetched, refused again
        {"timeout_seconds": 2, "times": 1},  # no answer; WeChat did nothing
        {"timeout_seconds": 2, "applied": True, "times": 1},  # no answer; WeChat sent it
    ):
        sandbox.faults.add(FaultSpec(api=SEND, **spec))
    # When the sweep runs and the queue is drained a few minutes running (retries included)
    for _ in range(5):
        world.sweep_and_send()
        world.clock.advance(60)
    # Then nobody got two recalls, and everyone but the two lost answers' got exactly one
    received = Counter(s["openid"] for s in sandbox.state.sent(APP_ID))
    assert max(received.values()) == 1
    outcomes = Counter(world.recall(openid) for openid in openids)
    assert outcomes == {("sent", ""): 18, ("failed", "unknown_outcome"): 2}, outcomes
    assert len(received) == 19  # the applied lost answer reached the follower; the other did not
    # And the stats account for every follower: 18 sent, 2 failed, none pending or lost
    stats = world.stats()
    assert (stats["sent"], stats["failed"], stats["pending"]) == (18, 2, FOLLOWERS)
    assert sandbox.faults.pending() == []  # every fault was really suffered
