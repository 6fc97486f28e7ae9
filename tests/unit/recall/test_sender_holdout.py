"""The sender's holdout marks the follower's window, so an answer can be counted for the lift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.recall.fakes import APP_ID, NOW
from tests.unit.recall.test_sender import WROTE, World
from wxengage import clock
from wxengage.recall.outcomes import Delivery, StatKey
from wxengage.recall.planning import RecallStatus, SkipReason
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.sender import Outcome


@pytest.fixture
def held() -> Iterator[World]:
    """A sender on fakes whose rule holds every follower out, on a pinned clock."""
    clock.set_source(lambda: NOW)
    world = World()
    world.set_rule(holdout_percent=100)
    yield world
    clock.set_source(None)


def test_a_held_out_recall_is_skipped_and_marked_on_the_window(held: World) -> None:
    # When the held-out recall is delivered
    outcome = held.deliver()
    # Then nothing is sent, it is counted as skipped holdout, and the window remembers it
    assert outcome == Outcome(Delivery.SKIPPED, SkipReason.HOLDOUT)
    assert held.wechat.sent == [] and held.stats.of() == {StatKey.SKIPPED_HOLDOUT: 1}
    state = held.state()
    assert (state.holdout_at, state.holdout_rule, state.holdout_window) == (NOW, "r1", WROTE)
    assert state.holdout_day == local_day(NOW, "Asia/Shanghai")
    # And it takes no window message and starts no cooldown (nothing was sent)
    assert state.messages_left == 5 and state.last_recall_at is None


def test_a_failed_mark_records_nothing_and_the_retry_decides_again(held: World) -> None:
    # Given the follower store failing once
    held.followers.failures.append(RuntimeError("DynamoDB unavailable"))
    # When delivered, then redelivered by the queue
    with pytest.raises(RuntimeError):
        held.deliver()
    assert held.row() == (RecallStatus.PENDING, "") and held.stats.of() == {}
    outcome = held.deliver()
    # Then the retry holds it out once, counted once
    assert outcome.status is Delivery.SKIPPED and held.stats.of() == {StatKey.SKIPPED_HOLDOUT: 1}
    assert held.state().holdout_rule == "r1" and held.recall.app_id == APP_ID
