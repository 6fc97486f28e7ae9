"""`wxengage campaign`: broadcast campaigns (群发) with comparison groups and A/B tests.

This module holds the group, drafts (create, edit) and reading (list, status); running a
campaign is in campaign_run.py, its content (preview, offline) in campaign_content.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from wxengage.broadcast.operations import Campaigns
from wxengage.broadcast.report import campaign_report
from wxengage.broadcast.spec import CampaignSpec
from wxengage.clock import iso_z
from wxengage.store.campaigns import CampaignStore
from wxengage.wiring.campaigns import AccountZones, build_campaigns
from wxengage_cli.campaign_status import status_lines, table
from wxengage_cli.context import CliContext, load_model, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option

campaign_id_option = click.option(
    "--campaign",
    "campaign_id",
    required=True,
    metavar="ID",
    help="The campaign id (from create or list).",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_FILE = click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The campaign as YAML or JSON (see README: Broadcast campaigns, and examples/campaigns/).",
)


def account_times(ctx: CliContext, app_id: str, utc: bool) -> Times:
    """How this command prints the account's times."""
    return Times(AccountZones(ctx.settings).timezone(app_id), utc)


def campaigns(ctx: CliContext) -> Campaigns:
    """The campaign use cases on the stack's stores: the same the console's designer drives."""
    return build_campaigns(ctx.settings)


def _spec(path: Path) -> CampaignSpec:
    return load_model(path, CampaignSpec, "campaign (a mapping with name and groups)")


@click.group()
def campaign() -> None:
    """Create, start and follow broadcast campaigns; preview them and take news offline.

    A campaign has groups (an audience: all, tags or the remaining followers; content; a send
    time) and optionally an A/B test per group whose winner goes to the rest of the group the
    next day. It runs on the broadcast state machine (Step Functions).
    """


@campaign.command("create")
@app_id_option()
@_FILE
@pass_ctx
def create(ctx: CliContext, app_id: str, path: Path) -> None:
    """Create a draft from a file; prints its id."""
    c = campaigns(ctx).create(app_id, _spec(path))
    click.echo(
        f"campaign {c.campaign_id} created as a draft ({c.spec.name!r}, {len(c.spec.groups)} groups)"
    )
    click.echo(
        f"start it with: wxengage campaign start --app-id {app_id} --campaign {c.campaign_id}"
    )


@campaign.command("edit")
@app_id_option()
@campaign_id_option
@_FILE
@pass_ctx
def edit(ctx: CliContext, app_id: str, campaign_id: str, path: Path) -> None:
    """Replace a draft's groups, audiences, content and times."""
    campaigns(ctx).edit(app_id, campaign_id, _spec(path))
    click.echo(f"campaign {campaign_id} updated")


@campaign.command("list")
@app_id_option()
@_JSON
@utc_option()
@pass_ctx
def list_(ctx: CliContext, app_id: str, as_json: bool, utc: bool) -> None:
    """The account's campaigns, oldest first; created in the account's zone (JSON: both)."""
    found = CampaignStore(ctx.settings).all(app_id)
    times = account_times(ctx, app_id, utc)
    rows = [
        {
            "campaign_id": c.campaign_id,
            "name": c.spec.name,
            "status": c.status.value,
            "groups": len(c.spec.groups),
            "created_at": iso_z(c.created_at),
            "created_at_local": times.local(c.created_at),
        }
        for c in found
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(
            f"no campaigns for {app_id} (create one with: wxengage campaign create --app-id {app_id} --file campaign.yaml)"
        )
        return
    lines = table(
        ["ID", "STATUS", "GROUPS", "CREATED", "NAME"],
        [
            [
                c.campaign_id,
                c.status.value,
                str(len(c.spec.groups)),
                times.text(c.created_at),
                c.spec.name,
            ]
            for c in found
        ],
        right={2},
    )
    for line in lines:
        click.echo(line)


@campaign.command("status")
@app_id_option()
@campaign_id_option
@_JSON
@utc_option()
@pass_ctx
def status(ctx: CliContext, app_id: str, campaign_id: str, as_json: bool, utc: bool) -> None:
    """Where the campaign stands: per group and leg the planned and actual send time, sent /
    filtered / errors / readers / read rate, each A/B decision with its p-value and reason, and
    every batch (clientmsgid, msg_id, status, times; ~ marks figures WeChat did not report).
    Times in the account's zone."""
    store = CampaignStore(ctx.settings)
    c = store.get(app_id, campaign_id)
    legs = store.legs(app_id, campaign_id)
    batches = {s.key: store.batches(app_id, campaign_id, s.key) for s in legs}
    report = campaign_report(c, legs, batches)
    times = account_times(ctx, app_id, utc)
    if as_json:
        click.echo(json.dumps(with_local_times(report, times), indent=2, ensure_ascii=False))
        return
    for line in status_lines(report, times):
        click.echo(line)


def with_local_times(report: dict[str, Any], times: Times) -> dict[str, Any]:
    """The report with `timezone` and a `<field>_local` beside each UTC `..._at` (which stay)."""
    localised: dict[str, Any] = _localised(report, times)
    return {"timezone": times.timezone} | localised


def _localised(value: Any, times: Times) -> Any:
    if isinstance(value, list):
        return [_localised(v, times) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        out[k] = _localised(v, times)
        if k.endswith("_at") and (v is None or isinstance(v, str)):
            out[f"{k}_local"] = times.local_of(v)
    return out
