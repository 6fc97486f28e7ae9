"""The sandbox's account-level mass-send quotas: calls a day and a minute, sends a day or month."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wxengage.accounts import Account, AccountType
from wxengage_local.sandbox.jobs import (
    DAILY_CALLS,
    MINUTE_CALLS,
    SERVICE_HISTORY_MONTHLY,
    SUBSCRIPTION_DAILY,
    WECHAT_ZONE,
    MassState,
)


def refusal(state: MassState, account: Account, target: str, at: int) -> int:
    """The errcode WeChat gives a mass call at `at` (call with the state's lock held), or 0.

    Sources are beside each constant in jobs.py; the order (call budget first) is unverified."""
    app_id = account.settings.app_id
    per_day, per_minute = state.limits.get(app_id, (DAILY_CALLS, MINUTE_CALLS))
    calls = state.calls.get(app_id, [])
    day_start, day_end = span(at, WECHAT_ZONE, month=False)
    if sum(1 for t in calls if day_start <= t < day_end) >= per_day:
        return 45009
    if sum(1 for t in calls if t // 60 == at // 60) >= per_minute:
        return 45011
    mine = [j for j in state.jobs if j.app_id == app_id]
    if account.settings.type is AccountType.SUBSCRIPTION:
        if sum(1 for j in mine if day_start <= j.submitted_at < day_end) >= SUBSCRIPTION_DAILY:
            return 45028
    elif target == "all":
        start, end = span(at, WECHAT_ZONE, month=True)
        history = [j for j in mine if j.in_history and start <= j.submitted_at < end]
        if len(history) >= SERVICE_HISTORY_MONTHLY:
            return 45028
    return 0


def count_call(state: MassState, app_id: str, at: int) -> None:
    """Remember an accepted call (lock held); calls older than a day are forgotten."""
    state.calls[app_id] = [t for t in state.calls.get(app_id, []) if t > at - 2 * 86400] + [at]


def span(at: int, timezone: str, *, month: bool) -> tuple[int, int]:
    """The calendar month or day holding `at`, in `timezone`, as [start, end)."""
    local = datetime.fromtimestamp(at, tz=ZoneInfo(timezone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if month:
        start = start.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        end = start + timedelta(days=1)
    return int(start.timestamp()), int(end.timestamp())
