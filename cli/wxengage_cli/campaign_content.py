"""`wxengage campaign preview|offline`: a campaign's content, through the broadcast function."""

from __future__ import annotations

from typing import Any

import click

from wxengage.broadcast.legnames import UnknownLegError, leg_label, resolve_leg
from wxengage.broadcast.offline import (
    NothingOfflineError,
    OfflineArticle,
    offline_plan,
    plan_msg_ids,
    read_other_sends,
    read_sends,
)
from wxengage.broadcast.state import Campaign
from wxengage.store.broadcast_requests import (
    BroadcastFunction,
    BroadcastRequestError,
    NoBroadcastFunctionError,
)
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.campaign import campaign_id_option
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.options import app_id_option

_LEG_HELP = "a leg's name as status prints it (vip/A, vip/winner, rest) or its id (g0v1)"


def leg_key(c: Campaign, leg: str | None) -> str | None:
    """The leg's internal key for a name or id the operator gave (None: every leg)."""
    if leg is None:
        return None
    try:
        return resolve_leg(c.spec, leg)
    except UnknownLegError as err:
        raise click.BadParameter(str(err), param_hint="--leg") from err


@click.command("preview")
@app_id_option()
@campaign_id_option
@click.option(
    "--to",
    "openids",
    multiple=True,
    metavar="OPENID",
    help="A follower to preview to, by openid (repeat for more).",
)
@click.option(
    "--to-wxname",
    "wxnames",
    multiple=True,
    metavar="WECHAT_ID",
    help="A follower to preview to, by WeChat ID (微信号; repeat for more). 20 in all at most.",
)
@click.option("--leg", default=None, help=f"Only this leg's content: {_LEG_HELP}; default: all.")
@pass_ctx
def preview(
    ctx: CliContext,
    app_id: str,
    campaign_id: str,
    openids: tuple[str, ...],
    wxnames: tuple[str, ...],
    leg: str | None,
) -> None:
    """Send the campaign's content to named followers, by openid or WeChat ID (WeChat's preview:
    no quota used)."""
    if not openids and not wxnames:
        raise click.UsageError("name a follower to preview to: --to OPENID or --to-wxname ID")
    c = CampaignStore(ctx.settings).get(app_id, campaign_id)
    result = _run_task(
        ctx,
        {
            "action": "preview",
            "app_id": app_id,
            "campaign_id": campaign_id,
            "openids": list(openids),
            "wxnames": list(wxnames),
            "leg": leg_key(c, leg),
        },
    )
    for p in result["previews"]:
        click.echo(f"previewed {p['leg']} to {p['to']}")


@click.command("offline")
@app_id_option()
@campaign_id_option
@click.option(
    "--leg",
    default=None,
    help=f"Only the news this leg sent: {_LEG_HELP}; default: every news leg.",
)
@click.option(
    "--article-idx",
    default=0,
    show_default=True,
    type=click.IntRange(0, 8),
    help="1-based article to delete; 0 deletes the whole news item.",
)
@click.option("--yes", is_flag=True, help="Do not ask: take down what the plan lists.")
@pass_ctx
def offline(
    ctx: CliContext,
    app_id: str,
    campaign_id: str,
    leg: str | None,
    article_idx: int,
    yes: bool,
) -> None:
    """Take sent news offline (mass/delete). Lists first every batch it takes down: WeChat
    deletes the news page for every send of that news, in any leg, so that is what goes."""
    store = CampaignStore(ctx.settings)
    c = store.get(app_id, campaign_id)
    key = leg_key(c, leg)
    try:
        articles = offline_plan(read_sends(store, c), key, article_idx, read_other_sends(store, c))
    except NothingOfflineError as err:
        raise click.ClickException(str(err)) from err
    for line in plan_lines(articles, article_idx, campaign_id, key and leg_label(c.spec, key)):
        click.echo(line)
    if not yes:
        click.confirm("Take this news offline? Readers will see it deleted", abort=True)
    result = _run_task(
        ctx,
        {
            "action": "offline",
            "app_id": app_id,
            "campaign_id": campaign_id,
            "leg": key,
            "article_idx": article_idx,
            # What was listed: a send of the same news since then deletes nothing.
            "confirmed": plan_msg_ids(articles),
        },
    )
    jobs = [str(b["msg_id"]) for b in result.get("offline", []) if b["msg_id"] is not None]
    click.echo(f"taken offline: {len(jobs)} mass jobs ({', '.join(jobs)})")
    click.echo(
        f"  with {len(result['deleted'])} mass/delete call(s) (one per news item); "
        f"see: wxengage campaign status --app-id {app_id} --campaign {campaign_id}"
    )


def plan_lines(
    articles: list[OfflineArticle], article_idx: int, campaign_id: str, leg: str | None
) -> list[str]:
    """What `offline` will take down, said before it does."""
    what = "the whole news item" if article_idx == 0 else f"article {article_idx}"
    out = []
    for a in articles:
        here = a.legs(campaign_id)
        others = [label for label in here if label != leg]
        out.append(
            f"news {a.media_id} ({what}), sent by {', '.join(here)}: one mass/delete "
            f"(msg_id {a.delete_with}) takes down all {len(a.batches)} batches below"
        )
        if leg is not None and others:
            out.append(
                f"  note: {', '.join(others)} sent the same news; WeChat deletes its page for "
                "every send of it, so they go offline too"
            )
        if a.elsewhere(campaign_id):
            out.append(
                "  note: other campaigns sent it too; their batches below go offline as well"
            )
        for b in a.batches:
            msg = "no msg_id" if b.msg_id is None else f"msg_id {b.msg_id}"
            gone = " (already offline)" if b.already_offline else ""
            where = "" if b.campaign_id == campaign_id else f"campaign {b.campaign_id} "
            out.append(
                f"  {where}{b.label} ({b.leg}) batch {b.number}: {b.clientmsgid}, {msg}{gone}"
            )
    out.append(
        "also gone: any send of this news from outside wxengage (same page); readers keep "
        "the card in their chats"
    )
    return out


@click.command("results")
@app_id_option()
@campaign_id_option
@pass_ctx
def results(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Fetch the A/B variants' read statistics now and keep them on the campaign: for a test
    cancelled (or not yet decided) after its variants went out. Decided groups keep the
    decision's figures. WeChat has a day's reads after 08:00 the next day."""
    CampaignStore(ctx.settings).get(app_id, campaign_id)
    result = _run_task(ctx, {"action": "read_rates", "app_id": app_id, "campaign_id": campaign_id})
    if not result["groups"]:
        click.echo(f"campaign {campaign_id} has no A/B test")
    for group in result["groups"]:
        if not group["fetched"]:
            click.echo(f"group {group['group']}: not fetched: {group['why']}")
            continue
        for v in group["variants"]:
            rate = v["read_rate"]
            click.echo(
                f"group {group['group']} variant {v['variant']}: {v['readers'] if v['readers'] is not None else '-'}"
                f" readers of {v['sent']} sent"
                f" ({'-' if rate is None else f'{rate * 100:.2f}%'})"
            )


def _run_task(ctx: CliContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Run a request in the broadcast function: WeChat only answers the deployment's whitelisted IP."""
    try:
        return BroadcastFunction(ctx.settings).run(payload)
    except NoBroadcastFunctionError as err:
        raise click.ClickException(str(err)) from err
    except BroadcastRequestError as err:
        if err.message.startswith("the broadcast function answered"):
            raise click.ClickException(err.message) from err
        raise click.ClickException(f"the broadcast function failed: {err.message}") from err


COMMANDS = (preview, offline, results)
