"""The sweep: read only what is due since the last checkpoint, hand it to the queue, move on.

The same due index carries the claims a sender never finished: a claim is filed at its
deadline (claimed_at + CLAIM_STALE_SECONDS, longer than the sender's Lambda timeout), and the
first sweep after it records it failed/unknown_outcome. The send may have gone out, so it is
never resent. A finished or released claim leaves the index.

A queued recall is filed at its queue deadline (queued_at + QUEUED_STALE_SECONDS, past every
receive SQS makes before the dead-letter queue): one still queued then lost its message, so
the sweep queues it again while its window is open (a surviving copy is harmless: claims) and
records it failed/not_delivered once the window has closed. Nothing sits in `queued` forever.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from wxengage.clock import iso_z
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.recall.ports import DueRecalls, Queue, Stats
from wxengage.recall.quiet_hours import local_day

# A first sweep (no checkpoint yet) looks back an hour: pending recalls only exist for windows
# opened after a rule was created.
FIRST_LOOKBACK_SECONDS = 3600
_DEFAULT_TIMEZONE = "Asia/Shanghai"


class SweepReport(BaseModel):
    """What one sweep did, for logs, metrics and `wxengage recall sweep`."""

    accounts: int = 0
    # Minutes caught up on (checkpoint to now) and the index queries that took: one per UTC
    # day spanned, so a two-day leap is three queries, not 2,881.
    minutes: int = 0
    queries: int = 0
    rows_read: int = 0
    due: int = 0
    queued: int = 0
    already_queued: int = 0
    # Claims older than any sender can run, recorded failed/unknown_outcome.
    stranded: int = 0
    # Queued recalls whose message the queue lost (dead-letter queue): queued again while the
    # window is open, else recorded failed/not_delivered.
    requeued: int = 0
    undelivered: int = 0
    # Accounts whose recall sends are held (configuration errors): not swept until it lifts.
    held: int = 0


def sweep(
    app_ids: list[str],
    recalls: DueRecalls,
    queue: Queue,
    now: int,
    stats: Stats | None = None,
    timezones: Mapping[str, str] | None = None,
) -> SweepReport:
    """Queue every recall due by `now` that was filed since each account's checkpoint.

    The queue send comes before marking a recall queued: a crash in between re-sends it next
    time, and the sender's claim makes that harmless; the other order could lose it. A held
    account keeps its checkpoint, so the sweep after the hold catches up on everything.
    Stranded claims count under the account's day in `timezones` (in `stats`, when given).
    """
    report = SweepReport(accounts=len(app_ids))
    this_minute = now - now % 60
    for app_id in app_ids:
        hold = recalls.hold(app_id)
        if hold is not None and hold.active(now):
            report.held += 1
            continue
        recalls.upgrade_due_index(app_id, now)
        start = recalls.checkpoint(app_id)
        if start is None:
            start = this_minute - FIRST_LOOKBACK_SECONDS
        report.minutes += (this_minute - start) // 60 + 1
        read = recalls.due_since(app_id, start, now)
        report.queries += read.queries
        report.rows_read += len(read.rows)
        stranded = [r for r in read.rows if r.status is RecallStatus.CLAIMED]
        lost = [r for r in read.rows if r.status is RecallStatus.QUEUED]
        due = [r for r in read.rows if r.status not in (RecallStatus.CLAIMED, RecallStatus.QUEUED)]
        report.due += sum(1 for r in due if r.due_at <= now)
        # One queue call per account, whatever was due: the queue adapter batches it.
        for recall in queue.send(due) if due else []:
            if recalls.mark_queued(recall, now):
                report.queued += 1
            else:
                report.already_queued += 1
        day = local_day(now, (timezones or {}).get(app_id, _DEFAULT_TIMEZONE))
        report.stranded += _settle(stranded, recalls, stats, day, now)
        _recover(lost, recalls, queue, stats, day, now, report)
        # The current minute stays open: rows due later in it are read by the next sweep.
        recalls.save_checkpoint(app_id, this_minute)
    return report


def _settle(
    stranded: list[PendingRecall], recalls: DueRecalls, stats: Stats | None, day: str, now: int
) -> int:
    """Record each stranded claim failed/unknown_outcome, once, and count it."""
    settled = 0
    for recall in stranded:
        if not recalls.abandon(recall, now):
            continue  # finished, released or re-planned meanwhile
        settled += 1
        if stats is not None:
            stats.add(recall.app_id, recall.stats_key, day, StatKey.FAILED, now=now)
            stats.add(recall.app_id, recall.stats_key, day, StatKey.STRANDED, now=now)
            stats.add(recall.app_id, recall.stats_key, day, StatKey.FAILED_UNKNOWN_OUTCOME, now=now)
    return settled


def _recover(
    lost: list[PendingRecall],
    recalls: DueRecalls,
    queue: Queue,
    stats: Stats | None,
    day: str,
    now: int,
    report: SweepReport,
) -> None:
    """Queue lost recalls again while their window is open; fail the others, once each."""
    closed = [r for r in lost if r.window_closes_at <= now]
    still_open = [r for r in lost if r.window_closes_at > now]
    # The queue send comes first, as for due recalls: a crash before the re-file sends it again.
    for recall in queue.send(still_open) if still_open else []:
        report.requeued += recalls.requeued(recall, now)
    for recall in closed:
        if not recalls.undelivered(recall, now):
            continue  # claimed or re-planned meanwhile
        report.undelivered += 1
        if stats is not None:
            stats.add(recall.app_id, recall.stats_key, day, StatKey.FAILED, now=now)


def describe(report: SweepReport, now: int) -> str:
    """One line for a person."""
    extra = "".join(
        f", {n} {what}"
        for n, what in (
            (report.stranded, "stranded claim(s) failed as unknown_outcome"),
            (report.requeued, "lost queued recall(s) queued again"),
            (report.undelivered, "lost queued recall(s) failed as not_delivered"),
            (report.held, "account(s) held"),
        )
        if n
    )
    return (
        f"sweep at {iso_z(now)}: {report.accounts} account(s), {report.minutes} minute(s) caught "
        f"up in {report.queries} index quer(ies), {report.rows_read} index row(s) read, "
        f"{report.due} due, {report.queued} queued{extra}"
    )
