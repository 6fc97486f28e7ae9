"""`wxengage campaign preview|offline`: a campaign's content, through the broadcast function."""

from __future__ import annotations

import json
from typing import Any

import click

from wxengage.store.aws import client
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.campaign import campaign_id_option
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.options import app_id_option


@click.command("preview")
@app_id_option()
@campaign_id_option
@click.option(
    "--to",
    "openids",
    required=True,
    multiple=True,
    metavar="OPENID",
    help="A follower to preview to (repeat for more).",
)
@click.option(
    "--leg", default=None, help="Only this leg's content (e.g. g0v1); default: every content."
)
@pass_ctx
def preview(
    ctx: CliContext, app_id: str, campaign_id: str, openids: tuple[str, ...], leg: str | None
) -> None:
    """Send the campaign's content to named followers (WeChat's preview: no quota used)."""
    CampaignStore(ctx.settings).get(app_id, campaign_id)
    result = _run_task(
        ctx,
        {
            "action": "preview",
            "app_id": app_id,
            "campaign_id": campaign_id,
            "openids": list(openids),
            "leg": leg,
        },
    )
    for p in result["previews"]:
        click.echo(f"previewed {p['leg']} to {p['openid']}")


@click.command("offline")
@app_id_option()
@campaign_id_option
@click.option("--leg", default=None, help="Only this leg's batches; default: every news leg.")
@click.option(
    "--article-idx",
    default=0,
    show_default=True,
    type=click.IntRange(0, 8),
    help="1-based article to delete; 0 deletes the whole news item.",
)
@click.confirmation_option(
    prompt="Take this campaign's sent news offline? Readers will see it deleted."
)
@pass_ctx
def offline(
    ctx: CliContext, app_id: str, campaign_id: str, leg: str | None, article_idx: int
) -> None:
    """Take a sent news campaign offline (mass/delete for every batch)."""
    CampaignStore(ctx.settings).get(app_id, campaign_id)
    result = _run_task(
        ctx,
        {
            "action": "offline",
            "app_id": app_id,
            "campaign_id": campaign_id,
            "leg": leg,
            "article_idx": article_idx,
        },
    )
    click.echo(
        f"taken offline: {len(result['deleted'])} mass jobs ({', '.join(map(str, result['deleted']))})"
    )


def _run_task(ctx: CliContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Run a request in the broadcast function: WeChat only answers the deployment's whitelisted IP."""
    name = ctx.settings.broadcast_function_name
    if not name:
        raise click.ClickException(
            "the stack has no BroadcastFunctionName output: deploy this version of template.yaml"
        )
    resp = client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    body = json.loads(resp["Payload"].read() or b"null")
    if resp.get("FunctionError"):
        message = body.get("errorMessage", "unknown error") if isinstance(body, dict) else str(body)
        raise click.ClickException(f"the broadcast function failed: {message}")
    if not isinstance(body, dict):
        raise click.ClickException(f"the broadcast function answered {body!r}")
    return body


COMMANDS = (preview, offline)
