"""The sweep: read only what is due since the last checkpoint, hand it to the queue, move on."""

from __future__ import annotations

from pydantic import BaseModel

from wxengage.clock import iso_z
from wxengage.recall.ports import DueRecalls, Queue

# A first sweep (no checkpoint yet) looks back an hour: pending recalls only exist for windows
# opened after a rule was created, and each minute looked back costs one Query per account.
FIRST_LOOKBACK_SECONDS = 3600


class SweepReport(BaseModel):
    """What one sweep did, for logs, metrics and `wxengage recall sweep`."""

    accounts: int = 0
    minutes: int = 0
    rows_read: int = 0
    due: int = 0
    queued: int = 0
    already_queued: int = 0


def sweep(app_ids: list[str], recalls: DueRecalls, queue: Queue, now: int) -> SweepReport:
    """Queue every recall due by `now`, minute bucket by minute bucket from each checkpoint.

    The queue send comes before marking a recall queued: a crash in between re-sends it next
    time, and the sender's claim makes that harmless; the other order could lose it.
    """
    report = SweepReport(accounts=len(app_ids))
    this_minute = now - now % 60
    for app_id in app_ids:
        start = recalls.checkpoint(app_id)
        if start is None:
            start = this_minute - FIRST_LOOKBACK_SECONDS
        for minute in range(start, this_minute + 60, 60):
            report.minutes += 1
            due = list(recalls.due_in_minute(app_id, minute, now))
            report.rows_read += len(due)
            report.due += sum(1 for r in due if r.due_at <= now)
            for recall in queue.send(due):
                if recalls.mark_queued(recall):
                    report.queued += 1
                else:
                    report.already_queued += 1
        # The current minute stays open: rows due later in it are read by the next sweep.
        recalls.save_checkpoint(app_id, this_minute)
    return report


def describe(report: SweepReport, now: int) -> str:
    """One line for a person."""
    return (
        f"sweep at {iso_z(now)}: {report.accounts} account(s), {report.minutes} minute bucket(s), "
        f"{report.rows_read} index row(s) read, {report.due} due, {report.queued} queued"
    )
