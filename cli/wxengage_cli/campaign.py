"""`wxengage campaign`: broadcast campaigns (群发) with comparison groups and A/B tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from wxengage.broadcast.operations import Campaigns, CampaignStateError
from wxengage.broadcast.report import campaign_report
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.spec import CampaignSpec
from wxengage.broadcast.state import CampaignNotFoundError
from wxengage.clock import iso_z
from wxengage.errors import ConflictError
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.store.campaigns import CampaignStore
from wxengage.store.executions import BroadcastExecutions, ExecutionError
from wxengage_cli.context import CliContext, load_mapping, pass_ctx
from wxengage_cli.timeparse import parse_instant

F = TypeVar("F", bound=Callable[..., Any])

_APP = click.option("--app-id", required=True, help="The account's AppID.")
_ID = click.option(
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


def _friendly(func: F) -> F:
    """Campaign errors become one clear line and exit status 1; nothing was changed."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CampaignNotFoundError, CampaignStateError, ScheduleError, ExecutionError) as err:
            raise click.ClickException(str(err)) from None
        except ConflictError:
            raise click.ClickException(
                "the campaign changed while this command ran (another operator, or the engine): "
                "nothing was changed; look at `campaign status` and try again"
            ) from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]


class _Timezones:
    def __init__(self, ctx: CliContext) -> None:
        self._accounts = AccountStore(ctx.settings)

    def timezone(self, app_id: str) -> str:
        return self._accounts.read_settings(app_id).timezone


class _LazyExecutions:
    """Only commands that start or stop executions need the state machine's ARN."""

    def __init__(self, ctx: CliContext) -> None:
        self._ctx = ctx

    def start(self, name: str, app_id: str, campaign_id: str) -> str:
        return BroadcastExecutions(self._ctx.settings).start(name, app_id, campaign_id)

    def stop(self, name: str, cause: str) -> None:
        BroadcastExecutions(self._ctx.settings).stop(name, cause)


def _campaigns(ctx: CliContext) -> Campaigns:
    return Campaigns(CampaignStore(ctx.settings), _LazyExecutions(ctx), _Timezones(ctx))


def _spec(path: Path) -> CampaignSpec:
    return CampaignSpec.model_validate(
        load_mapping(path, "campaign (a mapping with name and groups)")
    )


@click.group()
def campaign() -> None:
    """Create, start and follow broadcast campaigns; preview them and take news offline.

    A campaign has groups (an audience: all, tags or the remaining followers; content; a send
    time) and optionally an A/B test per group whose winner goes to the rest of the group the
    next day. It runs on the broadcast state machine (Step Functions).
    """


@campaign.command("create")
@_APP
@_FILE
@pass_ctx
@_friendly
def create(ctx: CliContext, app_id: str, path: Path) -> None:
    """Create a draft from a file; prints its id."""
    c = _campaigns(ctx).create(app_id, _spec(path))
    click.echo(
        f"campaign {c.campaign_id} created as a draft ({c.spec.name!r}, {len(c.spec.groups)} groups)"
    )
    click.echo(
        f"start it with: wxengage campaign start --app-id {app_id} --campaign {c.campaign_id}"
    )


@campaign.command("edit")
@_APP
@_ID
@_FILE
@pass_ctx
@_friendly
def edit(ctx: CliContext, app_id: str, campaign_id: str, path: Path) -> None:
    """Replace a draft's groups, audiences, content and times."""
    _campaigns(ctx).edit(app_id, campaign_id, _spec(path))
    click.echo(f"campaign {campaign_id} updated")


@campaign.command("start")
@_APP
@_ID
@pass_ctx
@_friendly
def start(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Check the schedule against the clock and start the state machine."""
    c = _campaigns(ctx).start(app_id, campaign_id)
    click.echo(f"campaign {campaign_id} started (execution {c.execution}); legs:")
    for leg in c.legs:
        click.echo(f"  {leg.key:<6} {leg.label:<24} at {_iso(leg.send_at)}")


@campaign.command("cancel")
@_APP
@_ID
@pass_ctx
@_friendly
def cancel(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Cancel a draft or a scheduled campaign; sends still waiting never go out."""
    _campaigns(ctx).cancel(app_id, campaign_id)
    click.echo(f"campaign {campaign_id} cancelled")


@campaign.command("reschedule")
@_APP
@_ID
@click.option(
    "--at", "at", required=True, help="New time, ISO-8601 with a zone: 2026-11-24T20:00:00+08:00."
)
@click.option(
    "--leg",
    default=None,
    help="Move only this leg (e.g. g0v1); default: every waiting leg, spacing kept.",
)
@pass_ctx
@_friendly
def reschedule_(ctx: CliContext, app_id: str, campaign_id: str, at: str, leg: str | None) -> None:
    """Move a started campaign's waiting sends (variants stay ≥ 1 h ahead; winners after 10:00 next day)."""
    c = _campaigns(ctx).reschedule(app_id, campaign_id, parse_instant(at), leg)
    click.echo(f"campaign {campaign_id} rescheduled (execution {c.execution}); legs:")
    for one in c.legs:
        click.echo(f"  {one.key:<6} {one.label:<24} at {_iso(one.send_at)}")


@campaign.command("send-now")
@_APP
@_ID
@pass_ctx
@_friendly
def send_now(ctx: CliContext, app_id: str, campaign_id: str) -> None:
    """Send every waiting group and variant now (winner sends keep the next-day rule)."""
    c = _campaigns(ctx).send_now(app_id, campaign_id)
    click.echo(f"campaign {campaign_id} sending now (execution {c.execution})")


@campaign.command("list")
@_APP
@_JSON
@pass_ctx
def list_(ctx: CliContext, app_id: str, as_json: bool) -> None:
    """The account's campaigns, oldest first."""
    found = CampaignStore(ctx.settings).all(app_id)
    rows = [
        {
            "campaign_id": c.campaign_id,
            "name": c.spec.name,
            "status": c.status.value,
            "groups": len(c.spec.groups),
            "created_at": _iso(c.created_at),
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
    click.echo(f"{'ID':<13} {'STATUS':<17} {'GROUPS':>6}  {'CREATED':<20}  NAME")
    for r in rows:
        click.echo(
            f"{r['campaign_id']:<13} {r['status']:<17} {r['groups']:>6}  {r['created_at']:<20}  {r['name']}"
        )


@campaign.command("status")
@_APP
@_ID
@_JSON
@pass_ctx
@_friendly
def status(ctx: CliContext, app_id: str, campaign_id: str, as_json: bool) -> None:
    """Where the campaign stands: per group and leg sent / filtered / errors / readers / read rate,
    and each A/B decision with its p-value and reason."""
    store = CampaignStore(ctx.settings)
    c = store.get(app_id, campaign_id)
    report = campaign_report(c, store.legs(app_id, campaign_id))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"campaign {c.campaign_id} {c.spec.name!r}: {report['status']}"
        + (f" - {c.reason}" if c.reason else "")
    )
    if c.seed is not None:
        click.echo(f"  sampling seed {c.seed}")
    for group in report["groups"]:
        seg = group["segment"]
        size = (
            f", audience {seg['audience']} (matched {seg['resolved']}, {seg['overlap_removed']} in earlier groups)"
            if seg
            else ""
        )
        click.echo(f"group {group['name']} [{group['audience']}]{size}")
        click.echo(
            f"  {'LEG':<6} {'SEND':<24} {'AT':<20} {'STATUS':<16} {'SENT':>7} {'FILTERED':>8} {'CAPPED':>6} {'ERRORS':>6} {'READERS':>7} {'RATE':>7}"
        )
        for leg in group["legs"]:
            rate = leg.get("read_rate")
            readers = leg.get("readers")
            click.echo(
                f"  {leg['leg']:<6} {leg['label']:<24} {leg['send_at']:<20} {leg['status']:<16} "
                f"{leg.get('sent', 0):>7} {leg.get('filtered', 0):>8} {leg.get('capped', 0):>6} {leg.get('errors', 0):>6} "
                f"{'-' if readers is None else readers:>7} {'-' if rate is None else f'{rate * 100:.2f}%':>7}"
            )
            if leg.get("reason"):
                click.echo(f"         {leg['reason']}")
        decision = group["decision"]
        if decision:
            p = decision["p_value"]
            click.echo(
                f"  winner: {decision['winner'] or 'none'}; sent to the rest: {decision['send'] or 'nothing'}; p-value: {'-' if p is None else f'{p:.4f}'}"
            )
            click.echo(f"  why: {decision['reason']}")


@campaign.command("preview")
@_APP
@_ID
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
@_friendly
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


@campaign.command("offline")
@_APP
@_ID
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
@_friendly
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


def _iso(ts: int) -> str:
    return iso_z(ts)
