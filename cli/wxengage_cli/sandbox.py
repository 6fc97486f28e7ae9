"""`wxengage sandbox`: make the local WeChat sandbox send follower callbacks to the webhook.

This module holds the group and the follower actions (say, tap, follow, click, scan,
unsubscribe); the sandbox's followers and sends, its faults and its mass sends are in
sandbox_followers.py, sandbox_faults.py and sandbox_mass.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from wxengage_cli.options import app_id_option
from wxengage_cli.sandbox_client import call, echo_json, json_flag
from wxengage_cli.timeparse import backdated

_when = [
    click.option("--at", help="Backdate CreateTime to this instant (ISO-8601 with zone)."),
    click.option("--ago", help="Backdate CreateTime by this long (e.g. 47h30m)."),
]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            app_id_option(),
            click.option("--openid", required=True, help="The follower's openid."),
            *_when,
            json_flag,
        ]
    ):
        func = option(func)
    return func


@click.group()
@click.option(
    "--sandbox-url",
    envvar="WXENGAGE_SANDBOX_URL",
    default="http://127.0.0.1:3100",
    show_default=True,
    help="The local WeChat sandbox (printed by `wxengage local up`; env WXENGAGE_SANDBOX_URL).",
)
@click.pass_context
def sandbox(ctx: click.Context, sandbox_url: str) -> None:
    """Play WeChat on the local stack: follower actions become signed callbacks."""
    ctx.meta["sandbox_url"] = sandbox_url.rstrip("/")


def _play(
    action: str,
    app_id: str,
    openid: str,
    at: str | None,
    ago: str | None,
    as_json: bool,
    text: str = "",
    key: str = "",
) -> None:
    payload = {
        "app_id": app_id,
        "openid": openid,
        "action": action,
        "text": text,
        "key": key,
        "create_time": backdated(at, ago),
    }
    answer = call("POST", "/_sandbox/play", body=payload)
    if as_json:
        echo_json(answer)
    else:
        reply = f"; reply: {answer['reply']}" if answer.get("reply") else ""
        detail = f" {answer['body']}" if answer.get("body") else ""
        click.echo(f"{action} from {openid}: webhook answered {answer['status']}{detail}{reply}")
    if answer["status"] >= 300 or answer.get("reply_error"):
        raise click.ClickException(
            answer.get("reply_error") or f"webhook answered {answer['status']}"
        )


@sandbox.command("say")
@_common
@click.option("--text", required=True, help="The text the follower sends.")
def say(
    app_id: str, openid: str, at: str | None, ago: str | None, as_json: bool, text: str
) -> None:
    """The follower sends a text message (opens the 48-hour window)."""
    _play("say", app_id, openid, at, ago, as_json, text=text)


@sandbox.command("tap")
@_common
@click.option("--text", required=True, help="The option's text, sent as the follower's message.")
@click.option("--menu-id", required=True, help="The msgmenu option id (bizmsgmenuid).")
def tap(
    app_id: str,
    openid: str,
    at: str | None,
    ago: str | None,
    as_json: bool,
    text: str,
    menu_id: str,
) -> None:
    """The follower taps a smart-menu (msgmenu) option: a text message with bizmsgmenuid."""
    _play("tap", app_id, openid, at, ago, as_json, text=text, key=menu_id)


@sandbox.command("follow")
@_common
@click.option("--scene", default="", help="QR scene, for a follow from a parametric QR code.")
def follow(
    app_id: str, openid: str, at: str | None, ago: str | None, as_json: bool, scene: str
) -> None:
    """The follower follows the account (a 1-minute window with 3 messages)."""
    _play("follow", app_id, openid, at, ago, as_json, key=scene)


@sandbox.command("click")
@_common
@click.option("--key", default="MENU_DEFAULT", show_default=True, help="The menu item's EventKey.")
def click_(
    app_id: str, openid: str, at: str | None, ago: str | None, as_json: bool, key: str
) -> None:
    """The follower clicks a menu item (a 1-minute window with 3 messages)."""
    _play("click", app_id, openid, at, ago, as_json, key=key)


@sandbox.command("scan")
@_common
@click.option("--scene", default="1", show_default=True, help="The QR code's scene.")
def scan(
    app_id: str, openid: str, at: str | None, ago: str | None, as_json: bool, scene: str
) -> None:
    """A follower scans a parametric QR code (a 1-minute window with 3 messages)."""
    _play("scan", app_id, openid, at, ago, as_json, key=scene)


@sandbox.command("unsubscribe")
@_common
def unsubscribe(app_id: str, openid: str, at: str | None, ago: str | None, as_json: bool) -> None:
    """The follower unfollows the account (no recall, no broadcast from then on)."""
    _play("unsubscribe", app_id, openid, at, ago, as_json)
