"""Broadcast caps: how many mass sends a follower may get, and the period a send counts in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wxengage.accounts import AccountSettings, AccountType

# Service accounts: 4 per calendar month; subscription accounts: 1 per day (WECHAT.md §8).
CAPS = {AccountType.SERVICE: 4, AccountType.SUBSCRIPTION: 1}
# WeChat counts its per-follower caps and daily quotas by the calendar in Beijing time whatever
# the account's zone (unverified: no doc names the zone; every quota page is written for China
# time; change it here if WeChat says otherwise). An account kept in Europe/Berlin sends at
# 18:00 on 30 November local time into WeChat's December.
WECHAT_DAY_ZONE = ZoneInfo("Asia/Shanghai")


def period(app_id: str, account_type: AccountType, at: int) -> str:
    """The ledger partition of a send: WeChat's calendar month, or day for subscriptions."""
    local = datetime.fromtimestamp(at, tz=WECHAT_DAY_ZONE)
    span = (
        local.strftime("%Y-%m")
        if account_type is AccountType.SERVICE
        else local.strftime("%Y-%m-%d")
    )
    return f"{app_id}#{span}"


def ledger_period(settings: AccountSettings, at: int) -> tuple[str, int]:
    """The period a send at `at` counts in for this account, and the account's cap."""
    return period(settings.app_id, settings.type, at), CAPS[settings.type]
