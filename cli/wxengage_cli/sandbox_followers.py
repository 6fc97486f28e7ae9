"""`wxengage sandbox followers|sent`: the followers the sandbox's WeChat knows and what it was sent."""

from __future__ import annotations

from typing import Any

import click

from wxengage import clock
from wxengage_cli.options import app_id_option
from wxengage_cli.sandbox_client import call, echo_json, json_flag


@click.group("followers")
def followers() -> None:
    """The followers the sandbox's WeChat knows, with their tags and windows."""


@followers.command("add")
@app_id_option()
@click.option("--openid", required=True, help="The follower's openid.")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    type=int,
    help="A tag id (repeat for more; replaces their tags).",
)
@json_flag
def followers_add(app_id: str, openid: str, tags: tuple[int, ...], as_json: bool) -> None:
    """Add or update a subscribed follower (no window opens: play an action for that)."""
    body = {"app_id": app_id, "openid": openid, "tags": list(tags)}
    answer = call("POST", "/_sandbox/followers", body=body)
    if as_json:
        echo_json(answer)
    else:
        click.echo(f"follower {openid} of {app_id}: {_follower_line(answer)}")


@followers.command("list")
@app_id_option()
@json_flag
def followers_list(app_id: str, as_json: bool) -> None:
    """Every follower the app's sandbox WeChat has seen, in first-seen order."""
    answer = call("GET", "/_sandbox/followers", params={"app_id": app_id})
    if as_json:
        echo_json(answer)
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


@click.command("sent")
@app_id_option()
@json_flag
def sent(app_id: str, as_json: bool) -> None:
    """What the engine sent through the customer-service API, oldest first."""
    answer = call("GET", "/_sandbox/sent", params={"app_id": app_id})
    if as_json:
        echo_json(answer)
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


COMMANDS = (followers, sent)
