"""Options many commands share, declared once: which account (`--app-id`), times in UTC (`--utc`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

APP_ID_ENV = "WXENGAGE_APP_ID"


def app_id_option(what: str = "The account's AppID") -> Callable[[F], F]:
    """`--app-id` naming the account a command works on; WXENGAGE_APP_ID when not given.

    The value is checked where it is used, as before: `accounts add` validates it with the
    account, every other command looks the account up.
    """
    return click.option(
        "--app-id",
        required=True,
        envvar=APP_ID_ENV,
        help=f"{what} (env {APP_ID_ENV}).",
    )


def app_id_filter(help: str, default: str | None = None) -> Callable[[F], F]:
    """`--app-id` narrowing a command that otherwise covers every account.

    It does not read WXENGAGE_APP_ID: a variable set for day-to-day work must not quietly
    narrow a sweep or a reset that was meant for every account.
    """
    return click.option("--app-id", default=default, help=help)


def utc_option() -> Callable[[F], F]:
    """`--utc`: print times in UTC instead of the account's time zone (JSON is unaffected)."""
    return click.option(
        "--utc",
        is_flag=True,
        help="Print times in UTC (2026-12-04T02:00:00Z) instead of the account's time zone.",
    )
