"""`--app-id`: one declaration; WXENGAGE_APP_ID when the flag is absent, the flag when given."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.support.callbacks import AES_KEY, APP_ID, APP_SECRET, TOKEN, register
from wxengage.settings import Settings
from wxengage_cli.main import cli

OTHER = "wxffffffffffffffff"
CREDS = ["--token", TOKEN, "--aes-key", AES_KEY, "--app-secret", APP_SECRET]


def wx(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_the_variable_names_the_account_when_the_flag_is_absent(stack: Settings) -> None:
    # Given a registered account named only in WXENGAGE_APP_ID
    register(stack)
    env = {"WXENGAGE_APP_ID": APP_ID}
    # When commands of every group run without --app-id
    shown = wx("accounts", "show", "--json", env=env)
    rules = wx("rules", "list", "--json", env=env)
    campaigns = wx("campaign", "list", "--json", env=env)
    # Then they work on that account
    assert shown[0] == 0 and json.loads(shown[1])["app_id"] == APP_ID
    assert rules == (0, "[]\n")
    assert campaigns == (0, "[]\n")


def test_an_explicit_flag_wins_over_the_variable(stack: Settings) -> None:
    # Given the variable naming an account that does not exist, and one that does
    register(stack)
    env = {"WXENGAGE_APP_ID": OTHER}
    # When the flag names the registered one
    code, out = wx("accounts", "show", "--app-id", APP_ID, "--json", env=env)
    # Then the flag is used
    assert code == 0 and json.loads(out)["app_id"] == APP_ID
    # And without the flag the variable is used (and its account is unknown)
    code, out = wx("accounts", "show", "--json", env=env)
    assert code == 1 and f"no account '{OTHER}' is registered" in out


def test_neither_flag_nor_variable_is_a_usage_error(stack: Settings) -> None:
    # Given no WXENGAGE_APP_ID
    # When a command that needs an account runs without --app-id
    result = CliRunner().invoke(cli, ["accounts", "show"], env={"WXENGAGE_APP_ID": None})
    # Then click refuses it as before: exit 2, naming the option
    assert result.exit_code == 2 and "Missing option '--app-id'" in result.output


@pytest.mark.parametrize("source", ["flag", "variable"])
def test_a_bad_appid_is_refused_with_the_same_message_from_either_source(
    stack: Settings, source: str
) -> None:
    # Given a malformed AppID, given as the flag or as the variable
    args, env = (["--app-id", "not-an-appid"], None)
    if source == "variable":
        args, env = ([], {"WXENGAGE_APP_ID": "not-an-appid"})
    # When an account is added with it
    code, out = wx("accounts", "add", *args, *CREDS, env=env)
    # Then the account's own validation refuses it, naming the field
    assert code == 1
    assert (
        out
        == "Error: invalid input:\n  app_id: String should match pattern '^wx[0-9A-Za-z]{16}$'\n"
    )


def test_filters_over_every_account_ignore_the_variable(stack: Settings) -> None:
    # Given WXENGAGE_APP_ID naming an account that does not exist
    env = {"WXENGAGE_APP_ID": OTHER}
    # When the sweep, which covers every account unless --app-id narrows it, runs
    code, out = wx("recall", "sweep", "--json", env=env)
    # Then it still covers every account (it does not look the variable's account up)
    assert code == 0 and json.loads(out)["rows_read"] == 0
