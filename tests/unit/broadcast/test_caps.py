"""Broadcast caps: which period a send counts in, in the account's own calendar."""

from __future__ import annotations

from tests.unit.broadcast.fakes import account
from wxengage.accounts import AccountType
from wxengage.broadcast.caps import ledger_period, period

# 2026-11-30T17:00:00Z is already 2026-12-01 01:00 in Shanghai.
LATE_NOVEMBER_UTC = 1_796_058_000


def test_a_service_account_counts_by_its_local_month() -> None:
    # Given a send just after midnight on 1 December, Shanghai time (still November in UTC)
    # When its period is taken
    key, cap = ledger_period(account(AccountType.SERVICE).settings, LATE_NOVEMBER_UTC)
    # Then it counts in December, against the service account's 4 a month
    assert key.endswith("#2026-12")
    assert cap == 4


def test_a_subscription_account_counts_by_its_local_day() -> None:
    key, cap = ledger_period(account(AccountType.SUBSCRIPTION).settings, LATE_NOVEMBER_UTC)
    assert key.endswith("#2026-12-01")
    assert cap == 1


def test_the_period_is_the_account_zone_not_utc() -> None:
    # Given the same instant read in UTC
    # Then it is still November there: the zone decides the period
    assert period("wx1", AccountType.SERVICE, LATE_NOVEMBER_UTC, "UTC") == "wx1#2026-11"
