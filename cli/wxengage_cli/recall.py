"""`wxengage recall`: run the due-window sweep now."""

from __future__ import annotations

import json

import click

from wxengage import clock
from wxengage.recall.sweep import describe
from wxengage.store.accounts import AccountStore
from wxengage.wiring.recall import run_sweep
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.options import app_id_filter


@click.group()
def recall() -> None:
    """Operate the recall engine."""


@recall.command("sweep")
@app_id_filter("Sweep only this account (default: every account).")
@click.option("--json", "as_json", is_flag=True, help="Print the sweep report as JSON.")
@pass_ctx
def sweep(ctx: CliContext, app_id: str | None, as_json: bool) -> None:
    """Queue every recall that is due now, exactly as the every-minute schedule does."""
    if app_id:
        AccountStore(ctx.settings).read_settings(app_id)
    now = int(clock.now_ts())
    report = run_sweep(ctx.settings, now, app_id)
    click.echo(json.dumps(report.model_dump(), indent=2) if as_json else describe(report, now))
