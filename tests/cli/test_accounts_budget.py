"""`wxengage accounts set --mass-calls-per-day/--mass-calls-per-minute`: the shared mass-call budget."""

from __future__ import annotations

import json

from tests.cli.test_accounts_cli import CREDS, wx
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore


def test_the_budget_defaults_to_wechats_figures_and_is_set_per_account(stack: Settings) -> None:
    # Given a new account
    assert wx("accounts", "add", "--app-id", APP_ID, *CREDS)[0] == 0
    shown = json.loads(wx("accounts", "show", "--app-id", APP_ID, "--json")[1])
    assert shown["mass"] == {"calls_per_day": 100, "calls_per_minute": 60}
    # When its budget is changed
    code, out = wx(
        "accounts", "set", "--app-id", APP_ID,
        "--mass-calls-per-day", "40", "--mass-calls-per-minute", "10",
    )  # fmt: skip
    # Then it is stored as given
    assert code == 0, out
    mass = AccountStore(stack).read_settings(APP_ID).mass
    assert (mass.calls_per_day, mass.calls_per_minute) == (40, 10)


def test_a_budget_of_zero_is_refused_and_nothing_is_written(stack: Settings) -> None:
    assert wx("accounts", "add", "--app-id", APP_ID, *CREDS)[0] == 0
    code, out = wx("accounts", "set", "--app-id", APP_ID, "--mass-calls-per-day", "0")
    assert code != 0
    assert "calls_per_day" in out and "Traceback" not in out
    assert AccountStore(stack).read_settings(APP_ID).mass.calls_per_day == 100
