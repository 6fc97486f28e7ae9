"""`wxengage followers`: what the engine knows about followers and their windows."""

from __future__ import annotations

import json
from typing import Any

import click

from wxengage import clock
from wxengage.accounts import AccountNotFoundError
from wxengage.recall.planning import PendingRecall
from wxengage.recall.rule_ids import names_by_key
from wxengage.store.accounts import AccountStore
from wxengage.store.follower_recalls import FollowerRecalls
from wxengage.store.followers import FollowerStore
from wxengage.store.rules import RuleStore
from wxengage.windows import FollowerState
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.localtime import Times, parse_iso_z
from wxengage_cli.options import app_id_option, utc_option


def follower_view(state: FollowerState, now: float) -> dict[str, Any]:
    """The operator-facing view of a follower; times are UTC `YYYY-MM-DDTHH:MM:SSZ`."""
    is_open = state.window_open_at(now)
    return {
        "app_id": state.app_id,
        "openid": state.openid,
        "subscribed": state.subscribed,
        "last_message_at": _iso(state.last_message_at),
        "last_interaction_at": _iso(state.last_interaction_at or None),
        "window_opened_by": state.window_opened_by.value if state.window_opened_by else None,
        "window_opened_at": _iso(state.window_opened_at),
        "window_closes_at": _iso(state.effective_closes_at),
        "left_at": _iso(state.left_at),
        "window_open": is_open,
        # What may still be sent now: nothing once the window has closed.
        "messages_left": state.messages_left if is_open else 0,
        # None: the tag sync never read this follower's tags (no rule audience excludes them).
        "tag_ids": state.tag_ids,
        "tags_synced_at": state.tags_synced_at,
        "last_recall_at": _iso(state.last_recall_at),
        "last_recall_rule": state.last_recall_rule,
        "recalled": state.recall_converted,
        "held_out_at": _iso(state.holdout_at),
        "held_out_rule": state.holdout_rule,
        "recalled_holdout": state.holdout_converted,
    }


def _iso(ts: int | None) -> str | None:
    return clock.iso_z(ts) if ts is not None else None


def _instants(state: FollowerState) -> dict[str, int | None]:
    """The view's time fields as epoch seconds."""
    return {
        "last_message_at": state.last_message_at,
        "last_interaction_at": state.last_interaction_at or None,
        "window_opened_at": state.window_opened_at,
        "window_closes_at": state.effective_closes_at,
        "left_at": state.left_at,
        "last_recall_at": state.last_recall_at,
        "held_out_at": state.holdout_at,
    }


def local_view(state: FollowerState, now: float, times: Times) -> dict[str, Any]:
    """The JSON view: UTC fields as before, each with its `<field>_local` in the account's zone."""
    view = follower_view(state, now)
    for key, ts in _instants(state).items():
        view[f"{key}_local"] = times.local(ts)
    view["tags_synced_at_local"] = times.local(_synced(state))
    return view


def text_view(state: FollowerState, now: float, times: Times) -> dict[str, Any]:
    """The text view: the same fields, times in the account's zone (UTC under --utc)."""
    return (
        follower_view(state, now)
        | {key: times.text(ts) if ts is not None else None for key, ts in _instants(state).items()}
        | {
            "tag_ids": "never synced" if state.tag_ids is None else state.tag_ids or "none",
            "tags_synced_at": times.text(_synced(state)) if state.tags_synced_at else None,
        }
    )


def _synced(state: FollowerState) -> int | None:
    """When the tag sync last wrote the tags (it writes ISO-8601 UTC), as epoch seconds."""
    if not state.tags_synced_at:
        return None
    try:
        return parse_iso_z(state.tags_synced_at)
    except ValueError:
        return None  # written by something else: shown as absent rather than failing the view


def _times(ctx: CliContext, app_id: str, utc: bool) -> Times:
    """The account's zone; UTC for followers of an account no longer registered (they stay)."""
    try:
        return Times(AccountStore(ctx.settings).read_settings(app_id).timezone, utc)
    except AccountNotFoundError:
        return Times("UTC", utc)


@click.group()
def followers() -> None:
    """Inspect followers and their customer-service windows."""


@followers.command("show")
@app_id_option()
@click.option("--openid", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@utc_option()
@pass_ctx
def show(ctx: CliContext, app_id: str, openid: str, as_json: bool, utc: bool) -> None:
    """Show one follower's window: subscribed, last message, who opened it, when it closes."""
    state = FollowerStore(ctx.settings).get(app_id, openid)
    if state is None:
        raise click.ClickException(f"no follower {openid!r} known for account {app_id}")
    times = _times(ctx, app_id, utc)
    recalls = FollowerRecalls(ctx.settings).open_of(app_id, openid)
    names = rule_names(ctx, app_id)
    if as_json:
        view = named(local_view(state, clock.now_ts(), times), names)
        view["pending_recalls"] = [recall_view(r, times) for r in recalls]
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    for key, value in named(text_view(state, clock.now_ts(), times), names).items():
        click.echo(f"{key:<20} {'-' if value is None else value}")
    click.echo(f"{'pending_recalls':<20} {len(recalls) or '-'}")
    for r in recalls:
        quiet = ", quiet hours: will be skipped" if r.in_quiet_hours else ""
        click.echo(f"  {r.rule}: due {times.text(r.due_at)} ({r.status.value}{quiet})")


def rule_names(ctx: CliContext, app_id: str) -> dict[str, str]:
    """Rule key (its id, as a follower's recall marks hold it) -> the name an operator knows."""
    store = RuleStore(ctx.settings)
    return names_by_key(store.all(app_id), store.deleted(app_id))


def named(view: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The view with its recall marks' rule ids shown as rule names (the ids kept beside them)."""
    out = dict(view)
    for field in ("last_recall_rule", "held_out_rule"):
        rule_id = view.get(field)
        if rule_id is not None:
            out[field] = names.get(rule_id, rule_id)
            out[f"{field}_id"] = rule_id
    return out


def recall_view(recall: PendingRecall, times: Times) -> dict[str, Any]:
    """One recall still to come: its rule, status and due time (UTC, and in the account's zone)."""
    return {
        "rule": recall.rule,
        "status": recall.status.value,
        "due_at": clock.iso_z(recall.due_at),
        "due_at_local": times.local(recall.due_at),
        "window_closes_at": clock.iso_z(recall.window_closes_at),
        "in_quiet_hours": recall.in_quiet_hours,
    }


@followers.command("list")
@app_id_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@utc_option()
@pass_ctx
def list_(ctx: CliContext, app_id: str, as_json: bool, utc: bool) -> None:
    """List every follower the engine has seen for one account."""
    now = clock.now_ts()
    states = FollowerStore(ctx.settings).list(app_id)
    times = _times(ctx, app_id, utc)
    if as_json:
        click.echo(json.dumps([local_view(s, now, times) for s in states], indent=2))
        return
    if not states:
        click.echo(f"no followers known for {app_id} yet")
        return
    click.echo(render_table([text_view(s, now, times) for s in states], times.zone(now)))


def render_table(views: list[dict[str, Any]], zone: str = "UTC") -> str:
    """A compact table a person reads at a glance; `zone` names the zone of its times."""
    header = (
        f"{'OPENID':<30} {'SUBSCRIBED':<10} {'WINDOW':<7} {'OPENED BY':<10} {'CLOSES':<25} "
        f"LEFT  (times in {zone})"
    )
    lines = [header]
    for v in views:
        lines.append(
            f"{v['openid']:<30} {'yes' if v['subscribed'] else 'no':<10} "
            f"{'open' if v['window_open'] else 'closed':<7} {v['window_opened_by'] or '-':<10} "
            f"{v['window_closes_at'] or '-':<25} {v['messages_left']}"
        )
    return "\n".join(lines)
