"""`wxengage campaign start|cancel|reschedule|send-now`: running a campaign on the state machine."""

from __future__ import annotations

import click

from wxengage.broadcast.report import reads_not_fetched
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import Campaign
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.campaign import account_times, campaign_id_option, campaigns
from wxengage_cli.campaign_content import leg_key
from wxengage_cli.campaign_plan import campaign_plan, echo_plan
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option
from wxengage_cli.timeparse import parse_instant


@click.command("start")
@app_id_option()
@campaign_id_option
@utc_option()
@pass_ctx
def start(ctx: CliContext, app_id: str, campaign_id: str, utc: bool) -> None:
    """Print the day-by-day plan of mass calls, then start the state machine.

    The plan is checked first (account type, schedule, WeChat's counts): a refusal starts nothing.
    """
    ops = campaigns(ctx)
    times = account_times(ctx, app_id, utc)
    draft = CampaignStore(ctx.settings).get(app_id, campaign_id)
    if draft.status is CampaignStatus.DRAFT:
        echo_plan(campaign_plan(ctx, draft), times)
    c = ops.start(app_id, campaign_id)
    _echo_legs(c, f"campaign {campaign_id} started", times)


@click.command("cancel")
@app_id_option()
@campaign_id_option
@pass_ctx
def cancel(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Cancel a draft or a scheduled campaign; sends still waiting never go out."""
    c = campaigns(ctx).cancel(app_id, campaign_id)
    click.echo(f"campaign {campaign_id} cancelled")
    legs = CampaignStore(ctx.settings).legs(app_id, campaign_id)
    for group in (g.name for g in c.spec.groups if g.ab_test is not None):
        if reads_not_fetched(legs, group):
            click.echo(
                f"group {group}: its variants went out; keep their read rates with "
                f"`wxengage campaign results --app-id {app_id} --campaign {campaign_id}` "
                "once WeChat has them (after 08:00 the day after they were sent)"
            )


@click.command("reschedule")
@app_id_option()
@campaign_id_option
@click.option(
    "--at", "at", required=True, help="New time, ISO-8601 with a zone: 2026-11-24T20:00:00+08:00."
)
@click.option(
    "--leg",
    default=None,
    help="Move only this leg, by name (vip/A, vip/winner) or id (g0v1); default: every waiting "
    "leg, spacing kept.",
)
@utc_option()
@pass_ctx
def reschedule_(
    ctx: CliContext, app_id: str, campaign_id: str, at: str, leg: str | None, utc: bool
) -> None:
    """Move a started campaign's waiting sends (variants stay ≥ 1 h ahead; winners after 10:00 next day)."""
    key = leg_key(CampaignStore(ctx.settings).get(app_id, campaign_id), leg)
    c = campaigns(ctx).reschedule(app_id, campaign_id, parse_instant(at), key)
    _echo_legs(c, f"campaign {campaign_id} rescheduled", account_times(ctx, app_id, utc))


@click.command("send-now")
@app_id_option()
@campaign_id_option
@pass_ctx
def send_now(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Send every waiting group and variant now (winner sends keep the next-day rule)."""
    c = campaigns(ctx).send_now(app_id, campaign_id)
    click.echo(f"campaign {campaign_id} sending now (execution {c.execution})")


def _echo_legs(c: Campaign, what: str, times: Times) -> None:
    click.echo(f"{what} (execution {c.execution}); legs:")
    for leg in c.legs:
        click.echo(f"  {leg.key:<6} {leg.label:<24} at {times.text(leg.send_at)}")


COMMANDS = (start, cancel, reschedule_, send_now)
