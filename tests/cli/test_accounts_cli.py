"""`wxengage accounts` and `wxengage followers` against the template deployed into moto."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import FakeClock
from tests.support.callbacks import AES_KEY, APP_ID, APP_SECRET, TOKEN, snapshot
from wxengage.settings import Settings
from wxengage.store.followers import FollowerStore
from wxengage.windows import Interaction, InteractionKind, apply_interaction
from wxengage_cli.main import cli

CREDS = ["--token", TOKEN, "--aes-key", AES_KEY, "--app-secret", APP_SECRET]


def wx(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.output


def test_add_list_show_remove_never_print_a_credential(stack: Settings) -> None:
    # Given an empty deployment
    # When an account is added, listed, shown and removed
    outputs = [
        wx(
            "accounts",
            "add",
            "--app-id",
            APP_ID,
            *CREDS,
            "--type",
            "subscription",
            "--plan",
            "enterprise",
        ),
        wx("accounts", "list"),
        wx("accounts", "show", "--app-id", APP_ID, "--json"),
        wx("accounts", "remove", "--app-id", APP_ID, "--yes"),
        wx("accounts", "list"),
    ]
    # Then every command succeeds, shows the settings, and no output contains a secret
    assert [code for code, _ in outputs] == [0, 0, 0, 0, 0]
    shown = json.loads(outputs[2][1])
    assert (shown["app_id"], shown["type"], shown["plan"], shown["mode"]) == (
        APP_ID,
        "subscription",
        "enterprise",
        "safe",
    )
    assert APP_ID in outputs[1][1] and "no accounts registered" in outputs[4][1]
    for _, text in outputs:
        assert TOKEN not in text and AES_KEY not in text and APP_SECRET not in text


def test_credentials_can_come_from_a_hidden_prompt(stack: Settings) -> None:
    # Given an operator who does not want secrets in shell history
    # When they add an account and type the credentials at the prompts
    code, out = wx(
        "accounts", "add", "--app-id", APP_ID, input=f"{TOKEN}\n{AES_KEY}\n{APP_SECRET}\n"
    )
    # Then the account is registered and the typed values are not echoed
    assert code == 0, out
    assert TOKEN not in out and AES_KEY not in out and APP_SECRET not in out
    assert wx("accounts", "show", "--app-id", APP_ID)[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-id", "not-an-appid", *CREDS], "app_id"),
        (
            ["--app-id", APP_ID, "--token", "x", "--aes-key", AES_KEY, "--app-secret", APP_SECRET],
            "token",
        ),
        (
            [
                "--app-id",
                APP_ID,
                "--token",
                TOKEN,
                "--aes-key",
                "short",
                "--app-secret",
                APP_SECRET,
            ],
            "aes-key",
        ),
        (["--app-id", APP_ID, *CREDS, "--timezone", "Mars/Olympus"], "time zone"),
        (
            ["--app-id", APP_ID, "--token", TOKEN, "--aes-key", "", "--app-secret", APP_SECRET],
            "needs an aes-key",
        ),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    stack: Settings, args: list[str], message: str
) -> None:
    # Given an empty deployment
    before = snapshot(stack)
    # When `accounts add` gets a bad value
    code, out = wx("accounts", "add", *args)
    # Then it exits non-zero naming the problem, echoes no secret, and nothing is written
    assert code != 0
    assert message in out
    assert AES_KEY not in out and APP_SECRET not in out
    assert snapshot(stack) == before


def test_adding_the_same_account_twice_needs_replace(stack: Settings) -> None:
    # Given a registered account
    assert wx("accounts", "add", "--app-id", APP_ID, *CREDS)[0] == 0
    # When it is added again without --replace, then with it
    again = wx("accounts", "add", "--app-id", APP_ID, *CREDS, "--mode", "plaintext")
    replaced = wx("accounts", "add", "--app-id", APP_ID, *CREDS, "--mode", "plaintext", "--replace")
    # Then the first is refused and the second takes effect
    assert again[0] != 0 and "already exists" in again[1]
    assert replaced[0] == 0
    assert (
        json.loads(wx("accounts", "show", "--app-id", APP_ID, "--json")[1])["mode"] == "plaintext"
    )


def test_removed_accounts_can_be_added_again(stack: Settings) -> None:
    # Given an account that was removed (its secret waits out the recovery window)
    wx("accounts", "add", "--app-id", APP_ID, *CREDS)
    wx("accounts", "remove", "--app-id", APP_ID, "--yes")
    # When it is added again
    code, out = wx("accounts", "add", "--app-id", APP_ID, *CREDS)
    # Then it works
    assert code == 0, out


def test_showing_an_unknown_account_fails_clearly(stack: Settings) -> None:
    code, out = wx("accounts", "show", "--app-id", APP_ID)
    assert code == 1 and f"no account '{APP_ID}'" in out


def test_followers_show_prints_the_window_as_json(stack: Settings, fake_clock: FakeClock) -> None:
    # Given a follower whose message arrived an hour ago
    at = int(fake_clock.now) - 3600
    FollowerStore(stack).update(
        APP_ID,
        "o-alice",
        lambda s: apply_interaction(s, Interaction(kind=InteractionKind.MESSAGE, at=at)),
    )
    # When the operator looks at them
    code, out = wx("followers", "show", "--app-id", APP_ID, "--openid", "o-alice", "--json")
    # Then the JSON has the documented fields in UTC
    assert code == 0
    view = json.loads(out)
    assert view["subscribed"] is True
    assert view["window_opened_by"] == "message"
    assert view["messages_left"] == 5
    assert view["last_message_at"] == "2026-11-22T09:00:00Z"
    assert view["window_closes_at"] == "2026-11-24T09:00:00Z"


def test_a_closed_window_has_no_messages_left(stack: Settings, fake_clock: FakeClock) -> None:
    # Given a follower whose last message is 49 hours old
    at = int(fake_clock.now) - 49 * 3600
    FollowerStore(stack).update(
        APP_ID,
        "o-old",
        lambda s: apply_interaction(s, Interaction(kind=InteractionKind.MESSAGE, at=at)),
    )
    # When the operator looks
    view = json.loads(wx("followers", "show", "--app-id", APP_ID, "--openid", "o-old", "--json")[1])
    # Then the window is shown closed with nothing left to send
    assert (view["window_open"], view["messages_left"]) == (False, 0)


def test_an_unknown_follower_exits_non_zero(stack: Settings) -> None:
    code, out = wx("followers", "show", "--app-id", APP_ID, "--openid", "o-nobody", "--json")
    assert code == 1 and "no follower 'o-nobody'" in out


def test_followers_list_shows_a_table(stack: Settings, fake_clock: FakeClock) -> None:
    # Given two followers
    for openid in ("o-a", "o-b"):
        FollowerStore(stack).update(
            APP_ID,
            openid,
            lambda s: apply_interaction(
                s, Interaction(kind=InteractionKind.SUBSCRIBE, at=int(fake_clock.now))
            ),
        )
    # When listed
    code, out = wx("followers", "list", "--app-id", APP_ID)
    # Then each has a row
    assert code == 0 and "o-a" in out and "o-b" in out and "OPENID" in out


def test_a_missing_stack_says_how_to_get_one(aws_env: None) -> None:
    from moto import mock_aws

    from tests.conftest import _reset_process_caches

    with mock_aws():
        _reset_process_caches()
        code, out = wx("--stack", "nope", "accounts", "list")
    assert code == 1 and "stack 'nope' not found" in out
