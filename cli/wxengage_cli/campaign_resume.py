"""`wxengage campaign resume`: run again what a failed or partially failed campaign did not send."""

from __future__ import annotations

import click

from wxengage.broadcast.spec import CampaignStatus
from wxengage_cli.campaign import account_times, campaign_id_option, campaigns
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.options import app_id_option, utc_option


@click.command("resume")
@app_id_option()
@campaign_id_option
@utc_option()
@pass_ctx
def resume(ctx: CliContext, app_id: str, campaign_id: str, utc: bool) -> None:
    """Re-send only the legs and batches of a failed or partially failed campaign that did not
    go out, each batch under its original clientmsgid, so WeChat (45065) and the ledger make
    sure nobody gets it twice. Batches WeChat accepted are never sent again."""
    c, plan = campaigns(ctx).resume(app_id, campaign_id)
    times = account_times(ctx, app_id, utc)
    click.echo(f"campaign {campaign_id} resumed (execution {c.execution})")
    if plan.status is not CampaignStatus.QUEUED:
        click.echo(f"  from {plan.status.value}: it stopped before its legs were prepared")
    by_leg: dict[str, int] = {}
    for key, _number in plan.batches:
        by_leg[key] = by_leg.get(key, 0) + 1
    for leg in c.legs:
        if leg.key in plan.legs:
            again = by_leg.get(leg.key, 0)
            what = f"{again} batch(es) again, same clientmsgid" if again else "from its next step"
            click.echo(f"  {leg.key:<6} {leg.label:<24} at {times.text(leg.send_at)}: {what}")
    for key, number in plan.uncertain:
        click.echo(
            f"  {key} batch {number}: left alone - its answer was lost more than 24 h ago and "
            "WeChat no longer de-duplicates it; check the mass-send history in the WeChat console"
        )


COMMANDS = (resume,)
