"""The sender use case on in-memory ports: claim, reserve, send once, and an honest outcome."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.recall.fakes import (
    APP_ID,
    H48,
    NOW,
    OPENID,
    FakeAccounts,
    FakeFollowers,
    FakeLedger,
    FakeRules,
    FakeStats,
    FakeWeChat,
    account,
    due,
    left,
    rule,
    wrote,
)
from wxengage import clock
from wxengage.recall.outcomes import Delivery, StatKey
from wxengage.recall.planning import PendingRecall, RecallStatus, SkipReason
from wxengage.recall.rules import RecallRule
from wxengage.recall.sender import Outcome, RetryLater, Sender
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage.windows import FollowerState

SEND = "/cgi-bin/message/custom/send"
# The follower wrote so that their window closes 29 minutes from NOW (5 messages left).
WROTE = NOW - H48 + 29 * 60


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    clock.set_source(lambda: NOW)
    yield
    clock.set_source(None)


@dataclass
class World:
    """A sender on fakes, with one follower whose recall is queued."""

    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    rules: FakeRules = field(default_factory=FakeRules)
    followers: FakeFollowers = field(default_factory=FakeFollowers)
    recalls: FakeLedger = field(default_factory=FakeLedger)
    stats: FakeStats = field(default_factory=FakeStats)
    wechat: FakeWeChat = field(default_factory=FakeWeChat)
    _sender: Sender | None = None

    def __post_init__(self) -> None:
        self.accounts.accounts[APP_ID] = account()
        self.set_rule()
        self.follower = wrote(WROTE)
        self.followers.put(self.follower)
        self.recall = due(self.follower)
        self.recalls.plan(self.recall)

    def set_rule(self, **fields: Any) -> RecallRule:
        found = rule(**fields)
        self.rules.rules[APP_ID, found.name] = found
        return found

    def set_policy(self, **policy: Any) -> None:
        self.accounts.accounts[APP_ID] = account(**policy)

    @property
    def sender(self) -> Sender:
        """Built on first use, so a test may swap a port first; then kept (it caches tags)."""
        if self._sender is None:
            wechat = self.wechat
            self._sender = Sender(
                accounts=self.accounts,
                rules=self.rules,
                followers=self.followers,
                recalls=self.recalls,
                stats=self.stats,
                wechat=lambda _account: wechat,
                rnd=random.Random(7),
            )
        return self._sender

    def deliver(self, recall: PendingRecall | None = None) -> Outcome:
        return self.sender.deliver(recall or self.recall)

    def state(self) -> FollowerState:
        found = self.followers.get(APP_ID, OPENID)
        assert found is not None
        return found

    def row(self) -> tuple[RecallStatus, str]:
        return self.recalls.row(self.recall)


@pytest.fixture
def world() -> World:
    return World()


def api_error(errcode: int) -> WeChatApiError:
    return WeChatApiError(errcode, "scripted", SEND)


# Sending


def test_a_due_recall_is_claimed_reserved_sent_and_counted(world: World) -> None:
    # Given a follower whose window closes in 29 minutes and their queued recall
    # When the sender delivers it
    outcome = world.deliver()
    # Then one message went out, the recall is sent, one window message is taken and counted
    assert outcome == Outcome(Delivery.SENT)
    assert world.wechat.sent == [
        {"touser": OPENID, "msgtype": "text", "text": {"content": "We miss you"}}
    ]
    assert world.row() == (RecallStatus.SENT, "")
    assert world.state().messages_left == 4 and world.state().last_recall_rule == "r1"
    assert world.stats.of() == {StatKey.SENT: 1}


def test_a_redelivered_message_is_a_duplicate_and_sends_nothing_more(world: World) -> None:
    # Given a recall the sender already sent
    world.deliver()
    # When the queue delivers the same message again
    outcome = world.deliver()
    # Then it is a duplicate: still one message, one count
    assert outcome.status is Delivery.DUPLICATE
    assert len(world.wechat.sent) == 1 and world.stats.of() == {StatKey.SENT: 1}


def test_a_recall_another_sender_claimed_is_left_to_it(world: World) -> None:
    # Given a recall another sender has claimed
    assert world.recalls.claim(world.recall, "theirs", NOW)
    # When this sender delivers it
    outcome = world.deliver()
    # Then it does nothing: no send, no window message taken, nothing counted
    assert outcome == Outcome(Delivery.DUPLICATE)
    assert world.wechat.sent == [] and world.state() == world.follower and world.stats.of() == {}


def test_a_skip_another_sender_claimed_first_is_not_counted_twice(world: World) -> None:
    # Given a disabled rule and a recall another sender has already claimed
    world.set_rule(enabled=False)
    assert world.recalls.claim(world.recall, "theirs", NOW)
    # When this sender delivers it
    # Then it is a duplicate and nothing is counted
    assert world.deliver() == Outcome(Delivery.DUPLICATE) and world.stats.of() == {}


def test_a_removed_account_drops_the_recall_without_recording_it(world: World) -> None:
    # Given the account was removed after the recall was queued
    world.accounts.accounts.clear()
    # When the sender delivers it
    outcome = world.deliver()
    # Then it is dropped: nothing claimed, sent or counted
    assert outcome == Outcome(Delivery.DROPPED, "account removed")
    assert world.row() == (RecallStatus.QUEUED, "") and world.stats.of() == {}


# Skips: recorded with their reason, counted under skipped_<reason>, nothing sent


def skip(world: World) -> tuple[Outcome, tuple[RecallStatus, str], dict[StatKey, int]]:
    outcome = world.deliver()
    assert world.wechat.sent == []
    return outcome, world.row(), world.stats.of()


def assert_skipped(world: World, reason: SkipReason) -> None:
    outcome, row, stats = skip(world)
    assert outcome == Outcome(Delivery.SKIPPED, reason)
    assert row == (RecallStatus.SKIPPED, reason)
    assert stats == {StatKey.skipped(reason): 1}


def test_a_deleted_rule_skips_the_recall(world: World) -> None:
    # Given the rule was deleted after the recall was planned
    world.rules.rules.clear()
    # When the sender delivers it
    # Then it is skipped as rule_deleted
    assert_skipped(world, SkipReason.RULE_DELETED)


def test_a_disabled_rule_skips_the_recall(world: World) -> None:
    # Given the rule was disabled after the recall was planned
    world.set_rule(enabled=False)
    # When the sender delivers it
    # Then it is skipped as rule_disabled
    assert_skipped(world, SkipReason.RULE_DISABLED)


def test_a_recall_quiet_hours_left_no_time_for_is_skipped(world: World) -> None:
    # Given a recall planned with no polite time left inside the window
    world.recall = due(world.follower, in_quiet_hours=True)
    # When the sender delivers it
    # Then it is skipped as quiet_hours
    assert_skipped(world, SkipReason.QUIET_HOURS)


def test_a_follower_who_left_is_not_recalled(world: World) -> None:
    # Given the follower unsubscribed after writing
    world.followers.put(left(world.follower, WROTE + 60))
    # When the sender delivers the recall
    # Then it is skipped as left
    assert_skipped(world, SkipReason.LEFT)


def test_a_window_inside_the_safety_margin_is_not_used(world: World) -> None:
    # Given a policy whose safety margin (30 min) covers the 29 minutes left
    world.set_policy(safety_margin_minutes=30)
    # When the sender delivers the recall
    # Then it is skipped as window_closed
    assert_skipped(world, SkipReason.WINDOW_CLOSED)


def test_a_follower_outside_the_audience_is_skipped_and_their_tags_are_cached(
    world: World,
) -> None:
    # Given a rule for tag 100 and a follower tagged 5 only
    world.set_rule(include_tags=[100])
    world.wechat.tags = {OPENID: [5]}
    # When the recall is delivered, and a second rule's recall for them right after
    assert_skipped(world, SkipReason.TAG)
    world.set_rule(name="r2", include_tags=[100])
    second = due(world.follower, rule_name="r2")
    world.recalls.plan(second)
    world.deliver(second)
    # Then both are skipped as tag, and WeChat was asked for the tags once
    assert world.recalls.row(second) == (RecallStatus.SKIPPED, "tag")
    assert world.wechat.tag_calls == 1


def test_a_held_out_follower_is_skipped(world: World) -> None:
    # Given a rule holding out everybody
    world.set_rule(holdout_percent=100)
    # When the sender delivers the recall
    # Then it is skipped as holdout
    assert_skipped(world, SkipReason.HOLDOUT)


def test_a_racing_write_that_took_the_message_skips_at_the_reserve(world: World) -> None:
    # Given another recall takes the follower's spare messages between the read and the write
    class Racing(FakeFollowers):
        def update(
            self, app_id: str, openid: str, change: Callable[[FollowerState], FollowerState]
        ) -> tuple[FollowerState, bool]:
            current = self.get(app_id, openid)
            assert current is not None
            self.put(FollowerState.model_validate(current.model_dump() | {"messages_left": 1}))
            return super().update(app_id, openid, change)

    world.followers = Racing(states=dict(world.followers.states))
    # When the sender delivers the recall
    # Then the reserve's re-check skips it as quota, after the claim
    assert_skipped(world, SkipReason.QUOTA)


# WeChat's answers


@pytest.mark.parametrize(
    ("errcode", "reason"),
    [(45015, SkipReason.WINDOW_CLOSED), (45047, SkipReason.QUOTA), (43004, SkipReason.LEFT)],
)
def test_a_follower_side_refusal_is_a_skip(world: World, errcode: int, reason: SkipReason) -> None:
    # Given WeChat refuses the send for a reason on the follower's side
    world.wechat.failures = [api_error(errcode)]
    # When the sender delivers the recall
    # Then it is skipped with that reason, never retried
    assert_skipped(world, reason)


@pytest.mark.parametrize(
    "failure",
    [
        api_error(-1),  # system busy
        api_error(45011),  # per-minute frequency
        api_error(40001),  # token refused even after the client's refetch
        WeChatTransportError(SEND, maybe_delivered=False),  # never reached WeChat
    ],
    ids=["busy", "rate_limited", "token", "unreachable"],
)
def test_a_send_wechat_surely_did_not_make_is_retried_later(
    world: World, failure: Exception
) -> None:
    # Given WeChat surely did not send this time
    world.wechat.failures = [failure]
    # When the sender delivers the recall
    with pytest.raises(RetryLater):
        world.deliver()
    # Then the claim and the window message are given back and nothing is counted
    assert world.row() == (RecallStatus.PENDING, "") and world.recalls.releases == 1
    assert world.state().model_dump(exclude={"version"}) == world.follower.model_dump(
        exclude={"version"}
    )
    assert world.stats.of() == {}
    # And the queue's retry sends it once
    assert world.deliver().status is Delivery.SENT and len(world.wechat.sent) == 1


def test_a_lost_answer_is_an_unknown_outcome_and_never_resent(world: World) -> None:
    # Given the send may have reached WeChat but its answer was lost
    world.wechat.failures = [WeChatTransportError(SEND, maybe_delivered=True)]
    # When the sender delivers the recall, and the queue delivers it again
    outcome = world.deliver()
    again = world.deliver()
    # Then it failed with an unknown outcome, keeps its window message, and is not sent again
    assert outcome == Outcome(Delivery.FAILED, "unknown_outcome")
    assert again.status is Delivery.DUPLICATE and world.wechat.sent == []
    assert world.row() == (RecallStatus.FAILED, "unknown_outcome")
    assert world.state().messages_left == 4
    # And stats say why: failed, of which unknown_outcome (issue 11 point 8)
    assert world.stats.of() == {StatKey.FAILED: 1, StatKey.FAILED_UNKNOWN_OUTCOME: 1}


def test_a_refusal_for_good_fails_with_the_errcode(world: World) -> None:
    # Given WeChat refuses the send for a reason no retry fixes (an openid it does not know;
    # 48001, API unauthorised, was this example until configuration errors began holding sends)
    world.wechat.failures = [api_error(40003)]
    # When the sender delivers the recall
    outcome = world.deliver()
    # Then it failed with the errcode recorded and counted
    assert outcome == Outcome(Delivery.FAILED, "errcode 40003")
    assert world.row() == (RecallStatus.FAILED, "errcode 40003")
    assert world.stats.of() == {StatKey.FAILED: 1}


def test_a_store_error_at_the_reserve_gives_the_claim_back(world: World) -> None:
    # Given the follower store fails the reserving write
    world.followers.failures = [RuntimeError("DynamoDB is down")]
    # When the sender delivers the recall
    with pytest.raises(RuntimeError):
        world.deliver()
    # Then WeChat was not called and the claim is back for the queue's retry
    assert world.wechat.sent == [] and world.row() == (RecallStatus.PENDING, "")
    assert world.deliver().status is Delivery.SENT


def test_the_stats_count_under_the_accounts_local_day(world: World) -> None:
    # Given an account on UTC and a recall sent at 01:00 Shanghai (still yesterday in UTC)
    late = NOW + 7 * 3600
    world.accounts.accounts[APP_ID] = account(timezone="UTC")
    world.follower = wrote(late - H48 + 29 * 60)
    world.followers.put(world.follower)
    world.recall = due(world.follower)
    world.recalls.plan(world.recall)
    clock.set_source(lambda: late)
    # When the sender delivers it
    world.deliver()
    # Then it counts under the UTC day
    assert world.stats.of(day="2026-11-22") == {StatKey.SENT: 1}
