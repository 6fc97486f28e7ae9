"""`wxengage sandbox`: make the local WeChat sandbox send follower callbacks to the webhook."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
import requests

from wxengage import clock
from wxengage_cli.timeparse import backdated

_when = [
    click.option("--at", help="Backdate CreateTime to this instant (ISO-8601 with zone)."),
    click.option("--ago", help="Backdate CreateTime by this long (e.g. 47h30m)."),
]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--app-id", required=True),
            click.option("--openid", required=True, help="The follower's openid."),
            *_when,
            click.option(
                "--json", "as_json", is_flag=True, help="Print the sandbox's JSON answer."
            ),
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


def _call(method: str, path: str, *, body: Any = None, params: Any = None) -> Any:
    """One call to the sandbox's control API; a refusal becomes a one-line error."""
    url = click.get_current_context().meta["sandbox_url"]
    try:
        resp = requests.request(method, f"{url}{path}", json=body, params=params, timeout=15)
    except requests.ConnectionError:
        raise click.ClickException(
            f"no sandbox at {url}: start it with `wxengage local up`"
        ) from None
    try:
        answer = resp.json()
    except ValueError:
        raise click.ClickException(f"sandbox answered {resp.status_code} without JSON") from None
    if resp.status_code != 200:
        detail = answer.get("error", answer) if isinstance(answer, dict) else answer
        raise click.ClickException(f"sandbox refused: {detail}")
    return answer


def _echo_json(answer: Any) -> None:
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))


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
    answer = _call("POST", "/_sandbox/play", body=payload)
    if as_json:
        _echo_json(answer)
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


_json_flag = click.option(
    "--json", "as_json", is_flag=True, help="Print the sandbox's JSON answer."
)


@sandbox.group("followers")
def followers() -> None:
    """The followers the sandbox's WeChat knows, with their tags and windows."""


@followers.command("add")
@click.option("--app-id", required=True)
@click.option("--openid", required=True, help="The follower's openid.")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    type=int,
    help="A tag id (repeat for more; replaces their tags).",
)
@_json_flag
def followers_add(app_id: str, openid: str, tags: tuple[int, ...], as_json: bool) -> None:
    """Add or update a subscribed follower (no window opens: play an action for that)."""
    body = {"app_id": app_id, "openid": openid, "tags": list(tags)}
    answer = _call("POST", "/_sandbox/followers", body=body)
    if as_json:
        _echo_json(answer)
    else:
        click.echo(f"follower {openid} of {app_id}: {_follower_line(answer)}")


@followers.command("list")
@click.option("--app-id", required=True)
@_json_flag
def followers_list(app_id: str, as_json: bool) -> None:
    """Every follower the app's sandbox WeChat has seen, in first-seen order."""
    answer = _call("GET", "/_sandbox/followers", params={"app_id": app_id})
    if as_json:
        _echo_json(answer)
        return
    if not answer:
        click.echo(f"no followers of {app_id} yet")
    for follower in answer:
        click.echo(f"{follower['openid']}  {_follower_line(follower)}")


def _follower_line(follower: dict[str, Any]) -> str:
    status = "subscribed" if follower["subscribed"] else "unsubscribed"
    tags = ",".join(str(t) for t in follower["tags"]) or "-"
    if follower["window_open"]:
        window = (
            f"window open until {clock.iso_z(follower['window_closes_at'])} "
            f"({follower['messages_left']} left, opened by {follower['window_opened_by']})"
        )
    else:
        window = "no window"
    return f"{status}  tags {tags}  {window}"


@sandbox.command("sent")
@click.option("--app-id", required=True)
@_json_flag
def sent(app_id: str, as_json: bool) -> None:
    """What the engine sent through the customer-service API, oldest first."""
    answer = _call("GET", "/_sandbox/sent", params={"app_id": app_id})
    if as_json:
        _echo_json(answer)
        return
    if not answer:
        click.echo(f"nothing sent for {app_id} yet")
    for item in answer:
        line = f"{clock.iso_z(item['at'])}  {item['openid']}  {item['msgtype']}"
        click.echo(f"{line}  {summary(item['message'])}")


def summary(message: dict[str, Any], width: int = 60) -> str:
    """A short one-line gist of a customer-service message."""
    msgtype = message.get("msgtype", "")
    payload = message.get(msgtype) or {}
    if msgtype == "text":
        text = str(payload.get("content", ""))
    elif msgtype == "news":
        articles = payload.get("articles") or [{}]
        text = f"{articles[0].get('title', '')} {articles[0].get('url', '')}"
    elif msgtype == "msgmenu":
        options = " | ".join(str(o.get("content", "")) for o in payload.get("list", []))
        text = f"{payload.get('head_content', '')} [{options}]"
    elif msgtype == "miniprogrampage":
        text = (
            f"{payload.get('title', '')} ({payload.get('appid', '')} {payload.get('pagepath', '')})"
        )
    else:
        ids = ("media_id", "article_id", "card_id")
        text = " ".join(str(payload[k]) for k in ids if k in payload)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@sandbox.command("fail")
@click.option(
    "--api", required=True, help="The API path, e.g. /cgi-bin/message/mass/send (any WeChat API)."
)
@click.option("--errcode", type=int, help="Answer this errcode instead of doing the call.")
@click.option(
    "--timeout", "timeout", type=float, help="Answer only after this many seconds instead."
)
@click.option(
    "--drop", is_flag=True, help="Close the connection without any answer (a transport error)."
)
@click.option(
    "--applied",
    is_flag=True,
    help="With --timeout or --drop: the call still takes effect (WeChat has it, the caller "
    "does not know).",
)
@click.option("--times", default=1, show_default=True, type=int, help="How many calls it hits.")
@_json_flag
def fail(
    api: str,
    errcode: int | None,
    timeout: float | None,
    drop: bool,
    applied: bool,
    times: int,
    as_json: bool,
) -> None:
    """Make the next calls of a WeChat API fail: an errcode, a slow answer, or none."""
    if (errcode is not None) + (timeout is not None) + drop != 1:
        raise click.UsageError("give one of --errcode, --timeout or --drop")
    if applied and errcode is not None:
        raise click.UsageError("--applied goes with --timeout or --drop")
    body: dict[str, Any] = {"api": api, "times": times}
    if errcode is not None:
        body["errcode"] = errcode
    elif drop:
        body |= {"drop": True, "applied": applied}
    else:
        body |= {"timeout_seconds": timeout, "applied": applied}
    answer = _call("POST", "/_sandbox/faults", body=body)
    if as_json:
        _echo_json(answer)
        return
    one = times == 1
    who = f"the next call of {api}" if one else f"the next {times} calls of {api}"
    effect = "the call still takes effect" if applied else "nothing happens"
    if errcode is not None:
        click.echo(f"{who} {'answers' if one else 'answer'} errcode {errcode}")
    elif drop:
        click.echo(f"{who} {'gets' if one else 'get'} no answer at all ({effect})")
    else:
        click.echo(f"{who} {'answers' if one else 'answer'} after {timeout:g}s ({effect})")


@sandbox.command("faults")
@_json_flag
def faults(as_json: bool) -> None:
    """The faults still waiting for calls."""
    answer = _call("GET", "/_sandbox/faults")
    if as_json:
        _echo_json(answer)
        return
    if not answer:
        click.echo("no faults pending")
    for fault in answer:
        if "errcode" in fault:
            what = f"errcode {fault['errcode']}"
        else:
            what = "drop" if fault.get("drop") else f"timeout {fault['timeout_seconds']:g}s"
            what += " applied" if fault["applied"] else ""
        click.echo(f"{fault['api']}  {what}  x{fault['times']}")


@sandbox.command("reset")
@click.option("--app-id", help="Forget only this app's followers, sends, mass jobs and reads.")
def reset(app_id: str | None) -> None:
    """Forget followers, sends, mass jobs, previews, read rates and pending faults (tokens stay
    valid; a reset of every app also stops holding job reports)."""
    _call("POST", "/_sandbox/reset", body={"app_id": app_id})
    click.echo(f"sandbox reset ({app_id or 'all apps'})")
