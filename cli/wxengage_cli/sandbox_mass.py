"""`wxengage sandbox reads|masses|hold-reports`: the sandbox's mass send, seen and steered."""

from __future__ import annotations

import click

from wxengage_cli.sandbox import _call, _echo_json, sandbox


@sandbox.command("reads")
@click.option("--app-id", default="", help="Only for this account (default: every account).")
@click.option("--media-id", required=True, help="The news material (mpnews media_id).")
@click.option(
    "--rate",
    required=True,
    type=click.FloatRange(0, 1),
    help="Share of the followers it was sent to who read it (0.12 = 12%).",
)
def reads(app_id: str, media_id: str, rate: float) -> None:
    """Seed the read rate getarticletotal reports for a news item (ready 08:00 the next day)."""
    _call("POST", "/_sandbox/reads", body={"app_id": app_id, "media_id": media_id, "rate": rate})
    click.echo(
        f"{media_id}: {rate:.2%} of recipients will have read it"
        + (f" ({app_id})" if app_id else "")
    )


@sandbox.command("masses")
@click.option("--app-id", default=None, help="Only this account's mass jobs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with every recipient).")
def masses(app_id: str | None, as_json: bool) -> None:
    """Every mass job the sandbox accepted: clientmsgid, content, counts, status."""
    answer = _call("GET", "/_sandbox/masses", params={"app_id": app_id} if app_id else None)
    jobs = answer["masses"]
    if as_json:
        _echo_json(jobs)
        return
    if not jobs:
        click.echo("no mass jobs")
        return
    click.echo(
        f"{'MSG_ID':<11} {'CLIENTMSGID':<28} {'TYPE':<7} {'CONTENT':<16} {'SENT':>6} {'FILTERED':>8}  {'STATUS':<12} AT"
    )
    for job in jobs:
        content = job["media_id"] or job["content"] or ""
        click.echo(
            f"{job['msg_id']:<11} {job['clientmsgid'][:28]:<28} {job['msgtype']:<7} {content[:16]:<16} "
            f"{job['sent']:>6} {job['filtered']:>8}  {job['status']:<12} {job['submitted_at']}"
        )


@sandbox.command("hold-reports")
@click.option("--off", is_flag=True, help="Send MASSSENDJOBFINISH again.")
def hold_reports(off: bool) -> None:
    """Stop sending MASSSENDJOBFINISH callbacks (the engine falls back to mass/get)."""
    _call("POST", "/_sandbox/mass-callbacks", body={"hold": not off})
    click.echo("MASSSENDJOBFINISH callbacks " + ("resumed" if off else "held back"))
