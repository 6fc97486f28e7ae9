"""Outcome enums and stats keys, and the minute sweep on in-memory ports."""

from __future__ import annotations

from tests.unit.recall.fakes import APP_ID, FakeDueRecalls, FakeQueue, H, due, wrote
from wxengage.recall.outcomes import Delivery, FailureReason, StatKey, refusal
from wxengage.recall.planning import SkipReason
from wxengage.recall.sweep import FIRST_LOOKBACK_SECONDS, SweepReport, describe, sweep

# A whole minute (the sweep's checkpoint is a minute), plus 30 s: 10:00:30 UTC.
NOW = 1_795_341_600 + 30
MINUTE = NOW - NOW % 60


def test_every_skip_reason_has_its_own_stats_counter() -> None:
    # Given every reason a recall can be skipped for
    # When its counter is looked up
    keys = {reason: StatKey.skipped(reason) for reason in SkipReason}
    # Then each is skipped_<reason>, one StatKey member each
    assert all(key == f"skipped_{reason}" for reason, key in keys.items())
    assert len(set(keys.values())) == len(SkipReason)


def test_outcome_values_are_the_strings_stored_and_logged() -> None:
    # Given the enums the sender records with
    # Then their values are the strings the recall table, stats and logs always had
    assert [d.value for d in Delivery][:5] == ["sent", "skipped", "failed", "duplicate", "dropped"]
    assert (FailureReason.UNKNOWN_OUTCOME, refusal(48001)) == ("unknown_outcome", "errcode 48001")
    assert {StatKey.PENDING, StatKey.SENT, StatKey.FAILED, StatKey.RECALLED} == {
        "pending",
        "sent",
        "failed",
        "recalled",
    }
    assert f"{Delivery.SKIPPED} {SkipReason.TAG}" == "skipped tag"


def test_a_first_sweep_reads_the_day_an_hour_back_and_queues_what_is_due() -> None:
    # Given recalls due 59 and 61 minutes ago (same UTC day), yesterday, now and later
    store, queue = FakeDueRecalls(), FakeQueue()
    offsets = {"yesterday": -11 * H, "old": -61 * 60, "recent": -59 * 60, "now": 0, "later": 20}
    for name, offset in offsets.items():
        store.add(due(wrote(0, openid=name), due_at=NOW + offset))
    # When the account is swept for the first time
    report = sweep([APP_ID], store, queue, NOW)
    # Then one query read the UTC day an hour back falls in: what was due that day is queued,
    # the rest waits, and the day before (before any rule could have planned) is not read
    assert [r.openid for r in queue.messages] == ["old", "recent", "now"]
    assert report == SweepReport(accounts=1, minutes=61, queries=1, rows_read=3, due=3, queued=3)
    assert store.checkpoints == {APP_ID: MINUTE}
    assert FIRST_LOOKBACK_SECONDS == H


def test_a_later_sweep_starts_at_the_checkpoint_and_reads_the_open_minute_again() -> None:
    # Given a sweep a minute ago, and a recall due later in that minute
    store, queue = FakeDueRecalls(), FakeQueue()
    store.checkpoints[APP_ID] = MINUTE - 60
    store.add(due(wrote(0), due_at=MINUTE - 10))
    # When the next sweep runs
    report = sweep([APP_ID], store, queue, NOW)
    # Then it reads two minutes (the open one again, and this one) and queues the recall
    assert (report.minutes, report.queued) == (2, 1)
    assert store.checkpoints[APP_ID] == MINUTE


def test_a_recall_already_queued_is_counted_as_such() -> None:
    # Given a recall that a racing sweep marks queued just before this one does
    store, queue = FakeDueRecalls(), FakeQueue()
    recall = due(wrote(0), due_at=NOW - 30)
    store.add(recall)

    class Racing(FakeDueRecalls):
        def mark_queued(self, recall: object, now: int) -> bool:
            return False

    racing = Racing(by_minute=store.by_minute)
    # When this sweep runs
    report = sweep([APP_ID], racing, queue, NOW)
    # Then the queue got it (the sender's claim makes a second message harmless)
    assert (report.queued, report.already_queued, len(queue.messages)) == (0, 1, 1)


def test_describe_says_what_the_sweep_did() -> None:
    # Given a sweep report
    report = SweepReport(accounts=2, minutes=3, queries=2, rows_read=4, due=4, queued=3)
    # When it is described for a person
    # Then one line says it all
    assert describe(report, MINUTE) == (
        "sweep at 2026-11-22T10:00:00Z: 2 account(s), 3 minute(s) caught up in 2 index "
        "quer(ies), 4 index row(s) read, 4 due, 3 queued"
    )
