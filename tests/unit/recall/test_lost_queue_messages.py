"""A queued recall whose queue message is lost (dead-letter queue) is queued again or failed."""

from __future__ import annotations

from tests.unit.recall.fakes import APP_ID, FakeDueRecalls, FakeQueue, FakeStats, due, wrote
from wxengage.recall.budget import QUEUED_STALE_SECONDS
from wxengage.recall.outcomes import StatKey
from wxengage.recall.sweep import SweepReport, describe, sweep

NOW = 1_795_341_600 + 30  # 2026-11-22T10:00:30Z, 18:00 in Shanghai
TZ = {APP_ID: "Asia/Shanghai"}


def _queued_then_lost(window_opened_at: int) -> tuple[FakeDueRecalls, FakeQueue, str]:
    """A recall due now, queued by a sweep, whose message the queue then gave up on."""
    store, queue = FakeDueRecalls(), FakeQueue()
    recall = due(wrote(window_opened_at), due_at=NOW - 30)
    store.add(recall)
    first = sweep([APP_ID], store, queue, NOW, timezones=TZ)
    assert (first.queued, len(queue.messages)) == (1, 1)
    queue.messages.clear()  # every receive failed before a claim: SQS moved it to the DLQ
    return store, queue, recall.recall_id


def test_a_lost_message_is_queued_again_once_its_queue_deadline_passes() -> None:
    # Given a recall queued now whose window stays open for two more days, its message lost
    store, queue, recall_id = _queued_then_lost(window_opened_at=NOW - 3600)
    stats = FakeStats()
    # When a sweep runs just before the queue deadline
    early = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS - 60, stats, TZ)
    # Then nothing is done: a sender may still receive it
    assert (early.requeued, early.undelivered, queue.messages) == (0, 0, [])
    # When a sweep runs after the deadline
    late = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS + 60, stats, TZ)
    # Then the recall is queued again, counted, and nothing is recorded against it
    assert [m.recall_id for m in queue.messages] == [recall_id]
    assert (late.requeued, late.undelivered, late.queued) == (1, 0, 0)
    assert stats.of() == {}
    assert "1 lost queued recall(s) queued again" in describe(late, NOW)
    # And the next sweep does not queue it a third time (a new deadline runs from now)
    again = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS + 120, stats, TZ)
    assert (again.requeued, len(queue.messages)) == (0, 1)


def test_a_lost_message_whose_window_closed_is_failed_not_delivered_once() -> None:
    # Given a recall queued 47 hours into its window (it closes long before the queue deadline)
    store, queue, recall_id = _queued_then_lost(window_opened_at=NOW - 47 * 3600)
    stats = FakeStats()
    # When the sweep after the queue deadline runs, and another after it
    late = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS + 60, stats, TZ)
    again = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS + 120, stats, TZ)
    # Then it is failed as not delivered once, never queued again
    assert store.undelivered_ids == {recall_id} and queue.messages == []
    assert (late.undelivered, late.requeued, again.undelivered) == (1, 0, 0)
    assert stats.of() == {StatKey.FAILED: 1}
    assert "failed as not_delivered" in describe(late, NOW)


def test_a_recall_a_sender_claimed_is_never_treated_as_lost() -> None:
    # Given a queued recall that lost its message, but which the store no longer has queued
    store, queue, recall_id = _queued_then_lost(window_opened_at=NOW - 3600)
    del store.queued[recall_id]  # a sender claimed it (the claim re-files it elsewhere)
    store.undelivered_ids.add(recall_id)  # and it is finished
    # When the sweep after the queue deadline runs
    report = sweep([APP_ID], store, queue, NOW + QUEUED_STALE_SECONDS + 60, timezones=TZ)
    # Then nothing is queued or failed
    assert report == SweepReport(
        accounts=1, minutes=report.minutes, queries=report.queries, rows_read=0
    )
    assert queue.messages == []
