"""A leg's readers from WeChat's statistics: which batches can be attributed, and when to ask again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.timing import RETRY_AFTER, STATS_EVERY
from wxengage.wechat.read_stats import ReadStats, StatsState

_MAX_DOUBLINGS = 5  # 1, 2, 4 ... 32 minutes, then every STATS_EVERY


class LegReads(BaseModel):
    """What the statistics say of one leg: readers among the recipients they can be tied to."""

    model_config = ConfigDict(frozen=True)

    name: str
    state: StatsState  # READY once every attributable batch has figures
    sent: int  # recipients of the attributable batches
    readers: int | None  # None until every attributable batch has figures
    excluded: list[str] = Field(default_factory=list)  # batches whose readers cannot be tied
    detail: str = ""  # what the endpoints said, while not ready


def attributable(batch: BatchState) -> bool:
    """A delivered batch whose readers WeChat's statistics name (by its msg_data_id)."""
    return delivered(batch) and batch.msg_data_id is not None


def delivered(batch: BatchState) -> bool:
    return batch.status is BatchStatus.SUBMITTED and (
        batch.result is None or BatchResult.succeeded(batch.result)
    )


def exclusion(batch: BatchState) -> str:
    """Why a delivered batch's readers cannot be counted, as an operator reads it."""
    how = "WeChat's 45065 answer" if batch.duplicate else "WeChat's answer"
    return (
        f"batch {batch.number} ({batch.clientmsgid}, {batch.sent or batch.size} recipients): "
        f"{how} carried no msg_data_id and no job report recovered it, so its readers "
        "cannot be told apart"
    )


def leg_reads(stats: ReadStats, zone: ZoneInfo, name: str, batches: list[BatchState]) -> LegReads:
    """Readers of a leg's attributable batches, asked day by day (WeChat counts per send day)."""
    counted = [b for b in batches if attributable(b)]
    excluded = [exclusion(b) for b in batches if delivered(b) and b.msg_data_id is None]
    sent = sum(b.sent for b in counted)
    if not counted:
        # Nothing to ask: ready, but with no readers to show (the exclusions say why).
        return LegReads(name=name, state=StatsState.READY, sent=0, readers=None, excluded=excluded)
    readers = 0
    for day, day_batches in by_send_day(counted, zone).items():
        ids = [b.msg_data_id for b in day_batches if b.msg_data_id is not None]
        answer = stats.readers(day, ids)
        if answer.state is not StatsState.READY:
            return LegReads(
                name=name,
                state=answer.state,
                sent=sent,
                readers=None,
                excluded=excluded,
                detail=answer.explain(),
            )
        readers += sum(answer.readers.get(i, 0) for i in ids)
    return LegReads(
        name=name, state=StatsState.READY, sent=sent, readers=readers, excluded=excluded
    )


def next_stats_check(now: int, deadline: int, state: StatsState, tries: int) -> int:
    """When to ask the statistics again: soon after an outage (doubling from a minute, WECHAT.md
    section 11: -1 and 45011 are retried with backoff), every STATS_EVERY otherwise; never later
    than the deadline, where the decision policy applies."""
    if state is StatsState.UNAVAILABLE:
        wait = min(RETRY_AFTER << min(tries, _MAX_DOUBLINGS), STATS_EVERY)
    else:
        wait = STATS_EVERY
    return max(now + 1, min(now + wait, deadline))


def by_send_day(batches: list[BatchState], zone: ZoneInfo) -> dict[str, list[BatchState]]:
    """Batches by the account-local day they were submitted (WeChat reports reads per day)."""
    by_day: dict[str, list[BatchState]] = {}
    for b in batches:
        day = datetime.fromtimestamp(b.submitted_at or 0, tz=zone).strftime("%Y-%m-%d")
        by_day.setdefault(day, []).append(b)
    return by_day
