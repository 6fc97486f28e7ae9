"""`wxengage campaign estimate`: a campaign file's audiences from the synced copy, never WeChat."""

from __future__ import annotations

import json
from pathlib import Path

import click

from wxengage.broadcast.spec import CampaignSpec
from wxengage.console.routes_designer import EstimateAnswer, synced_estimate
from wxengage.store.accounts import AccountStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.follower_tags import FollowerTagStore
from wxengage_cli.campaign_status import table
from wxengage_cli.context import CliContext, load_model, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option

# What `source` means, for the text output (the console's page words the same codes).
SOURCES = {
    "store_followers": "the followers this engine has seen (exact)",
    "synced_tags": "the followers whose tags were synced (not scaled)",
    "synced_tags_scaled": "the followers whose tags were synced, scaled to WeChat's total",
    "wechat_counts": "WeChat's tag counts only (no follower's tags synced yet): upper bounds",
    "nothing_synced": "nothing synced yet: run `wxengage sync run`",
}


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def estimate_lines(e: EstimateAnswer, times: Times) -> list[str]:
    """The estimate as text: a line on what it rests on, a row per group and variant, overlaps."""
    lines = [
        f"estimated from {SOURCES[e.source]}: {e.known_followers:,} counted"
        + (f" of {e.followers_total:,} followers" if e.followers_total is not None else "")
        + (" (a sample: the first ones in openid order)" if e.sampled else ""),
        f"tags synced {times.text(e.synced_at)}; follower tag pass last completed "
        f"{times.text(e.pass_completed_at)}",
    ]
    rows: list[list[str]] = []
    for g in e.groups:
        rows.append([g.name, g.kind, _n(g.estimated), _n(g.upper_bound), _n(g.removed_by_overlap)])
        for v in g.variants:
            rows.append([f"  {g.name}/{v.name}", f"{v.ratio:.0%}", _n(v.estimated), "", ""])
        if g.variants:
            rows.append([f"  {g.name}/winner", "rest", _n(g.rest_estimated), "", ""])
    lines += table(
        ["GROUP", "KIND", "ESTIMATED", "UPPER BOUND", "OVERLAP REMOVED"], rows, right={2, 3, 4}
    )
    for o in e.overlaps:
        lines.append(f"overlap {o.first} and {o.second}: {_n(o.followers)} followers")
    # What `campaign create` from the console would refuse (the CLI's create checks less).
    lines += [f"the console would refuse {p.field}: {p.message}" for p in e.problems]
    if e.refusal:
        lines.append(f"start would refuse it: {e.refusal}")
    return lines


@click.command("estimate")
@app_id_option()
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The campaign as YAML or JSON (as `campaign create` takes it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the console's answer).")
@utc_option()
@pass_ctx
def estimate(ctx: CliContext, app_id: str, path: Path, as_json: bool, utc: bool) -> None:
    """Each group's audience, A/B samples and overlaps, counted on the followers whose tags the
    sync stored and scaled to WeChat's total; no WeChat call. Overlaps go to the first group."""
    spec = load_model(path, CampaignSpec, "campaign (a mapping with name and groups)")
    settings = AccountStore(ctx.settings).read_settings(app_id)
    answer = synced_estimate(
        app_id,
        spec,
        account_type=settings.type,
        timezone=settings.timezone,
        catalog=CatalogStore(ctx.settings),
        follower_tags=FollowerTagStore(ctx.settings),
    )
    if as_json:
        click.echo(json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    for line in estimate_lines(answer, Times(settings.timezone, utc)):
        click.echo(line)


COMMANDS = [estimate]
