"""`wxengage sandbox fail|faults|reset`: steer the sandbox's WeChat APIs into failing, and reset it."""

from __future__ import annotations

from typing import Any

import click

from wxengage_cli.options import app_id_filter
from wxengage_cli.sandbox_client import call, echo_json, json_flag


@click.command("fail")
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
@json_flag
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
    answer = call("POST", "/_sandbox/faults", body=body)
    if as_json:
        echo_json(answer)
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


@click.command("faults")
@json_flag
def faults(as_json: bool) -> None:
    """The faults still waiting for calls."""
    answer = call("GET", "/_sandbox/faults")
    if as_json:
        echo_json(answer)
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


@click.command("reset")
@app_id_filter("Forget only this app's followers, sends, mass jobs and reads.")
def reset(app_id: str | None) -> None:
    """Forget followers, sends, mass jobs, previews, read rates and pending faults (tokens stay
    valid; a reset of every app also stops holding job reports)."""
    call("POST", "/_sandbox/reset", body={"app_id": app_id})
    click.echo(f"sandbox reset ({app_id or 'all apps'})")


COMMANDS = (fail, faults, reset)
