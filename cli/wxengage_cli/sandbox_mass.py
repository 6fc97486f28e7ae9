"""`wxengage sandbox reads|masses|hold-reports`: the sandbox's mass send, seen and steered."""

from __future__ import annotations

from typing import Any

import click

from wxengage_cli.options import app_id_filter
from wxengage_cli.sandbox_client import call, echo_json


@click.command("reads")
@app_id_filter("Only for this account (default: every account).", default="")
@click.option("--media-id", required=True, help="The news material (the mpnews media_id).")
@click.option(
    "--rate",
    required=True,
    type=click.FloatRange(0, 1),
    help="Share of the followers a send reached who read it, 0 to 1 (0.12 = 12%).",
)
def reads(app_id: str, media_id: str, rate: float) -> None:
    """Seed who reads a news item: getarticletotal then reports round(rate x sent) readers for
    each news mass send of it, from 08:00 the day after the send (account time zone)."""
    call("POST", "/_sandbox/reads", body={"app_id": app_id, "media_id": media_id, "rate": rate})
    whose = f"{app_id}'s" if app_id else "every account's"
    click.echo(f"{media_id}: {rate:.2%} of the followers {whose} sends reach will read it")


@click.command("masses")
@app_id_filter("Only this account's mass jobs.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON, with every openid each job reached."
)
def masses(app_id: str | None, as_json: bool) -> None:
    """Every mass job the sandbox accepted, oldest first: msg_id, clientmsgid, type, content,
    followers targeted / reached / filtered, msg_status, whether MASSSENDJOBFINISH went out."""
    answer = call("GET", "/_sandbox/masses", params={"app_id": app_id} if app_id else None)
    jobs = answer["masses"]
    if as_json:
        echo_json(jobs)
        return
    if not jobs:
        click.echo("no mass jobs" + (f" for {app_id}" if app_id else ""))
        return
    click.echo(
        f"{'MSG_ID':<11} {'CLIENTMSGID':<28} {'TYPE':<7} {'CONTENT':<16} {'TOTAL':>6} "
        f"{'SENT':>6} {'FILTERED':>8}  {'STATUS':<12} {'REPORT':<9} SUBMITTED"
    )
    for job in jobs:
        click.echo(
            f"{job['msg_id']:<11} {job['clientmsgid'][:28] or '-':<28} {job['msgtype']:<7} "
            f"{_gist(job):<16} {job['total']:>6} {job['sent']:>6} {job['filtered']:>8}  "
            f"{job['status']:<12} {job['report']:<9} {job['submitted_at']}"
        )


def _gist(job: dict[str, Any], width: int = 16) -> str:
    text = " ".join(str(job.get("media_id") or job.get("content") or job.get("card_id")).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("hold-reports")
@click.option("--off", is_flag=True, help="Send MASSSENDJOBFINISH again for new jobs.")
@click.option(
    "--keep-sending",
    is_flag=True,
    help="While held, jobs stay SENDING in mass/get (default: they finish, unreported).",
)
@click.option("--release", is_flag=True, help="With --off: send the held reports now, late.")
def hold_reports(off: bool, keep_sending: bool, release: bool) -> None:
    """Hold MASSSENDJOBFINISH callbacks back, so the engine has to ask mass/get; with --off,
    jobs held so far finish and their reports stay lost unless --release."""
    if release and not off:
        raise click.UsageError("--release goes with --off")
    if keep_sending and off:
        raise click.UsageError("--keep-sending goes without --off")
    body = {"hold": not off, "finish": not keep_sending, "release": release}
    answer = call("POST", "/_sandbox/mass-callbacks", body=body)
    if not off:
        jobs = "stay SENDING" if keep_sending else "finish"
        click.echo(f"MASSSENDJOBFINISH held back from now: jobs {jobs}, mass/get tells")
    elif release:
        click.echo(f"MASSSENDJOBFINISH resumed; {answer['released']} held report(s) sent late")
    else:
        click.echo("MASSSENDJOBFINISH resumed for new jobs; the held ones stay unreported")


@click.command("legacy-stats")
@app_id_filter("Only for this account (default: every account).", default="")
@click.argument("mode", type=click.Choice(["served", "empty"]))
def legacy_stats(app_id: str, mode: str) -> None:
    """How the legacy getarticletotal answers: with figures (served), or {"list": []} (empty) as
    it has been seen doing since WeChat stopped maintaining it. getarticletotaldetail and
    getarticleread, the maintained endpoints, keep answering."""
    call("POST", "/_sandbox/stats", body={"app_id": app_id, "legacy": mode})
    whose = f"{app_id}'s" if app_id else "every account's"
    click.echo(f"getarticletotal now answers {whose} statistics: {mode}")


COMMANDS = (reads, masses, hold_reports, legacy_stats)
