"""Reliability: recall sweeps while WeChat (the sandbox, through the real client) fails a share of
the customer-service sends; each eligible follower gets at most one recall, everyone but the
lost answers' exactly one, and every outcome and every failure is on record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.recall.conftest import H48, World
from tests.reliability.recall.ledger import (
    dead_letter_openids,
    dead_letters,
    run_until_quiet,
    statuses,
)
from tests.reliability.recall.wechat_line import (
    RETRIED,
    SEND,
    TOKEN_API,
    UNKNOWN,
    WeChatLine,
    script,
    wire,
)
from tests.support.callbacks import APP_ID
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.tokens import CachedToken, DynamoTokenStore
from wxengage.wiring.recall import get_sender
from wxengage_local.sandbox.callbacks import Action

FOLLOWERS = 30
SEED = 20261122
# A share of the first 40-odd send calls fail; later ones all go through.
PLAN = {
    "ok": 12,
    "busy": 4,
    "rate_limited": 3,
    "token_refetched": 2,
    "token_burst": 2,
    "unreachable": 3,
    "lost_answer": 2,
    "lost_answer_applied": 2,
}


@pytest.fixture
def line(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[WeChatLine]:
    yield from wire(world, monkeypatch)


@pytest.fixture
def tally(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Claims released for a retry, and the client's WeChatApiError metric by errcode."""
    seen: Counter[str] = Counter()
    release = RecallStore.release

    def counted_release(self: RecallStore, *args: Any) -> bool:
        seen["released"] += 1
        return release(self, *args)

    def counted_metric(name: str, value: float = 1, **dims: str) -> None:
        if name == "WeChatApiError" and dims.get("path") == SEND:
            seen[f"errcode {dims['errcode']}"] += 1

    monkeypatch.setattr(RecallStore, "release", counted_release)
    monkeypatch.setattr("wxengage.wechat.client.count", counted_metric)
    return seen


def due_followers(world: World, line: WeChatLine, n: int) -> list[str]:
    """n followers whose recalls are due now, their windows open in WeChat too."""
    world.rule()
    due = int(world.clock.now) - H48 + 30 * 60 - 60
    openids = [f"o-f{i:02d}" for i in range(n)]
    for openid in openids:
        world.say(openid, at=due)
        line.sandbox.state.observe(APP_ID, openid, Action.SAY, due)
    return openids


def test_sweeps_under_wechat_faults_send_once_and_account_for_every_failure(
    world: World, line: WeChatLine, tally: Counter[str]
) -> None:
    # Given 30 followers due a recall, and WeChat failing a shuffled share of the sends: busy,
    # rate-limited, refused tokens (once, and twice in a row), unreachable, and lost answers
    # (both before and after it delivered the message)
    openids = due_followers(world, line, FOLLOWERS)
    line.play(script(PLAN, SEED))
    # When the sweep and the sender run a minute apart until nothing is left to do
    rounds = run_until_quiet(world, openids)
    # (what was expected of the plan, and what happened, for every assertion's message)
    retried = sum(PLAN[name] for name in RETRIED)
    unknown = sum(PLAN[name] for name in UNKNOWN)
    sent = FOLLOWERS - unknown
    received = Counter(s["openid"] for s in line.sandbox.state.sent(APP_ID))
    outcomes = statuses(world, openids)
    stats = world.stats()
    figures = (
        f"expected sent {sent}, failed {unknown} (unknown outcome), retried {retried}; got "
        f"stats {stats}, outcomes {dict(Counter(outcomes.values()))}, retried "
        f"{tally['released']}, received by WeChat {len(received)} "
        f"(max {max(received.values(), default=0)} each), dead letters {dead_letters()}, "
        f"calls {dict(line.calls)}, errors {dict(tally)}"
    )
    # Then it got quiet, with nothing left on the queue, and any message the queue gave up on
    # (three failed deliveries of one message; batches of 3 as the template maps them) belongs
    # to a recall the sweep queued again and settled: nothing was lost with it
    assert rounds <= 10, f"still busy after 10 rounds; {figures}"
    assert all(outcomes[o][0] in ("sent", "failed") for o in dead_letter_openids()), figures
    assert not line.steps, f"{len(line.steps)} scripted steps never played; {figures}"
    # And nobody got two recalls; everyone got one except the lost answers WeChat never acted on
    assert max(received.values()) == 1, f"sent twice: {received.most_common(3)}; {figures}"
    assert Counter(outcomes.values()) == {
        ("sent", ""): sent,
        ("failed", "unknown_outcome"): unknown,
    }, figures
    assert {o for o, (s, _) in outcomes.items() if s == "sent"} <= set(received), figures
    assert len(received) == sent + PLAN["lost_answer_applied"], figures
    # And the rule's stats account for every follower, each failure once and nothing else
    assert stats == {
        "pending": FOLLOWERS,
        "sent": sent,
        "failed": unknown,
        "recalled": 0,
        "failed_unknown_outcome": unknown,  # every failure here is an unknown outcome
    }, figures
    # And every retry gave its claim back first, every WeChat failure is counted once by the
    # client's metric, and each refused token cost exactly one refetch. (The client counts
    # every 40001 answer, also the ones its own refetch recovers from.)
    assert tally["released"] == retried, figures
    assert {k: v for k, v in tally.items() if k.startswith("errcode")} == {
        "errcode -1": PLAN["busy"],
        "errcode 45011": PLAN["rate_limited"],
        "errcode 40001": PLAN["token_refetched"] + 2 * PLAN["token_burst"],
        "errcode transport": PLAN["unreachable"] + unknown,
    }, figures
    extra_token_calls = PLAN["token_refetched"] + PLAN["token_burst"]
    assert line.calls[SEND] == FOLLOWERS + retried + extra_token_calls, figures
    assert line.calls[TOKEN_API] == 1 + extra_token_calls, figures
    # And a retried send gave back the window message it had taken: one taken per follower
    followers = FollowerStore(world.settings)
    left = Counter(
        (s.messages_left, s.recalls_in_window)
        for s in (followers.get(APP_ID, o) for o in openids)
        if s is not None
    )
    assert left == {(4, 1): FOLLOWERS}, f"(messages left, recalls) {left}; {figures}"


def test_a_recall_the_queue_gives_up_on_still_has_an_outcome(
    world: World, line: WeChatLine, tally: Counter[str]
) -> None:
    # Given one follower due a recall, and WeChat busy for the queue's three deliveries of it
    openids = due_followers(world, line, 1)
    line.play(script({"busy": 3}, SEED))
    # When the sweep and the sender run until nothing is left to do
    rounds = run_until_quiet(world, openids)
    # Then the recall has an outcome, and the stats count it
    stats = world.stats()
    figures = (
        f"rounds {rounds}, recall {statuses(world, openids)}, stats {stats}, retried "
        f"{tally['released']}, dead letters {dead_letters()}, calls {dict(line.calls)}"
    )
    assert statuses(world, openids)[openids[0]][0] in ("sent", "failed"), figures
    assert stats["sent"] + stats["failed"] == 1, figures


def test_a_store_error_after_the_claim_does_not_strand_the_recall(
    world: World, line: WeChatLine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two followers due a recall, and DynamoDB failing the sender's first write to a
    # follower (taking the window message, after the recall was claimed and before WeChat)
    openids = due_followers(world, line, 2)
    sender = get_sender()
    failures = [ClientError({"Error": {"Code": "InternalServerError"}}, "PutItem")]

    class FlakyFollowers(FollowerStore):
        def update(self, *args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop()
            return super().update(*args, **kwargs)

    monkeypatch.setattr(sender, "followers", FlakyFollowers(world.settings))
    # When the sweep and the sender run until nothing is left to do
    rounds = run_until_quiet(world, openids)
    # Then the failed delivery was retried and sent: each follower got one recall, all counted
    received = Counter(s["openid"] for s in line.sandbox.state.sent(APP_ID))
    stats = world.stats()
    figures = (
        f"rounds {rounds}, recalls {statuses(world, openids)}, stats {stats}, "
        f"received {dict(received)}, dead letters {dead_letters()}"
    )
    assert rounds <= 10, figures
    assert received == dict.fromkeys(openids, 1), figures
    assert (stats["sent"], stats["failed"]) == (2, 0), figures


def test_a_token_store_error_does_not_strand_the_recall(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a follower due a recall, and DynamoDB failing the first read of the shared token
    failures = [ClientError({"Error": {"Code": "InternalServerError"}}, "GetItem")]

    class FlakyTokens(DynamoTokenStore):
        def get(self, app_id: str) -> CachedToken | None:
            if failures:
                raise failures.pop()
            return super().get(app_id)

    wired = wire(world, monkeypatch, FlakyTokens(world.settings))
    line = next(wired)
    try:
        openids = due_followers(world, line, 1)
        # When the sweep and the sender run until nothing is left to do
        rounds = run_until_quiet(world, openids)
        # Then the send was retried once WeChat could be called: one recall, counted sent
        received = Counter(s["openid"] for s in line.sandbox.state.sent(APP_ID))
        stats = world.stats()
        figures = (
            f"rounds {rounds}, recall {statuses(world, openids)}, stats {stats}, "
            f"received {dict(received)}, calls {dict(line.calls)}"
        )
        assert received == {openids[0]: 1}, figures
        assert (stats["sent"], stats["failed"]) == (1, 0), figures
    finally:
        wired.close()
