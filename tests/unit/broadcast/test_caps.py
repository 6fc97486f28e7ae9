"""Broadcast caps: which period a send counts in, in WeChat's calendar (Beijing time)."""

from __future__ import annotations

from tests.unit.broadcast.fakes import APP_ID, account
from wxengage.accounts import AccountSettings, AccountType, MessageMode
from wxengage.broadcast.caps import ledger_period, period

# 2026-11-30T17:00:00Z is already 2026-12-01 01:00 in Beijing, still 30 November in Berlin.
LATE_NOVEMBER_UTC = 1_796_058_000


def test_a_service_account_counts_by_wechats_month() -> None:
    # Given a send just after midnight on 1 December, Beijing time (still November in UTC)
    # When its period is taken
    key, cap = ledger_period(account(AccountType.SERVICE).settings, LATE_NOVEMBER_UTC)
    # Then it counts in December, against the service account's 4 a month
    assert key.endswith("#2026-12")
    assert cap == 4


def test_a_subscription_account_counts_by_wechats_day() -> None:
    key, cap = ledger_period(account(AccountType.SUBSCRIPTION).settings, LATE_NOVEMBER_UTC)
    assert key.endswith("#2026-12-01")
    assert cap == 1


def test_the_period_is_wechats_calendar_whatever_the_accounts_zone() -> None:
    # Given an account kept in Europe/Berlin, where the send is at 18:00 on 30 November
    berlin = AccountSettings(
        app_id=APP_ID,
        mode=MessageMode.PLAINTEXT,
        type=AccountType.SERVICE,
        timezone="Europe/Berlin",
    )
    # When its period is taken
    key, _ = ledger_period(berlin, LATE_NOVEMBER_UTC)
    # Then it counts in WeChat's December, as a Shanghai account's send at that instant does
    assert key == f"{APP_ID}#2026-12" == period(APP_ID, AccountType.SERVICE, LATE_NOVEMBER_UTC)
    # And two hours earlier (23:00 on 30 November in Beijing) it is still November
    assert period("wx1", AccountType.SERVICE, LATE_NOVEMBER_UTC - 7200) == "wx1#2026-11"
