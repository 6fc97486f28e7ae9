"""Quiet hours: when a recall would land in them, it moves earlier, never later."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from wxengage.accounts import QuietHours


def _at(day: datetime, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day.date(), time(hour, minute), tzinfo=day.tzinfo)


def quiet_span_containing(ts: int, quiet: QuietHours, tz: str) -> tuple[int, int] | None:
    """The [start, end) of the quiet span that contains `ts`, or None (spans may wrap midnight)."""
    local = datetime.fromtimestamp(ts, ZoneInfo(tz))
    for day in (local - timedelta(days=1), local):
        start = _at(day, quiet.start)
        end = _at(day, quiet.end)
        if end <= start:
            end += timedelta(days=1)
        if start <= local < end:
            return int(start.timestamp()), int(end.timestamp())
    return None


def pull_out_of_quiet_hours(due_at: int, quiet: QuietHours | None, tz: str) -> int:
    """The latest time not after `due_at` that is outside quiet hours."""
    if quiet is None or quiet.start == quiet.end:
        return due_at
    span = quiet_span_containing(due_at, quiet, tz)
    # One minute before the quiet span starts: the sweep works in whole minutes.
    return due_at if span is None else span[0] - 60


def local_day(ts: int, tz: str) -> str:
    """The account-time-zone calendar day of `ts`, as YYYY-MM-DD."""
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%Y-%m-%d")
