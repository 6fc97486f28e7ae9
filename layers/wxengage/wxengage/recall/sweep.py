"""The sweep: read only what is due since the last checkpoint, hand it to the queue, move on.

The same minute buckets carry the claims a sender never finished: a claim is filed under the
minute its deadline falls in (claimed_at + CLAIM_STALE_SECONDS, longer than the sender's Lambda
timeout), and the sweep that reads that minute records it failed/unknown_outcome. The send may
have gone out, so it is never resent. A finished or released claim leaves that bucket.
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
# opened after a rule was created, and each minute looked back costs one Query per account.
FIRST_LOOKBACK_SECONDS = 3600
_DEFAULT_TIMEZONE = "Asia/Shanghai"


class SweepReport(BaseModel):
    """What one sweep did, for logs, metrics and `wxengage recall sweep`."""

    accounts: int = 0
    minutes: int = 0
    rows_read: int = 0
    due: int = 0
    queued: int = 0
    already_queued: int = 0
    # Claims older than any sender can run, recorded failed/unknown_outcome.
    stranded: int = 0
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
    """Queue every recall due by `now`, minute bucket by minute bucket from each checkpoint.

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
        start = recalls.checkpoint(app_id)
        if start is None:
            start = this_minute - FIRST_LOOKBACK_SECONDS
        for minute in range(start, this_minute + 60, 60):
            report.minutes += 1
            rows = list(recalls.due_in_minute(app_id, minute, now))
            report.rows_read += len(rows)
            stranded = [r for r in rows if r.status is RecallStatus.CLAIMED]
            due = [r for r in rows if r.status is not RecallStatus.CLAIMED]
            report.due += sum(1 for r in due if r.due_at <= now)
            for recall in queue.send(due):
                if recalls.mark_queued(recall):
                    report.queued += 1
                else:
                    report.already_queued += 1
            day = local_day(now, (timezones or {}).get(app_id, _DEFAULT_TIMEZONE))
            report.stranded += _settle(stranded, recalls, stats, day, now)
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


def describe(report: SweepReport, now: int) -> str:
    """One line for a person."""
    extra = "".join(
        f", {n} {what}"
        for n, what in (
            (report.stranded, "stranded claim(s) failed as unknown_outcome"),
            (report.held, "account(s) held"),
        )
        if n
    )
    return (
        f"sweep at {iso_z(now)}: {report.accounts} account(s), {report.minutes} minute bucket(s), "
        f"{report.rows_read} index row(s) read, {report.due} due, {report.queued} queued{extra}"
    )
