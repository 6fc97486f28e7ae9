"""`wxengage rules`: recall rules per account (their stats are in rules_stats.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from wxengage import clock
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.store.accounts import AccountStore
from wxengage.store.rules import RuleStore
from wxengage.wiring.rules import RuleChanges
from wxengage_cli.changes import applies
from wxengage_cli.context import CliContext, load_model, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option

_NAME = click.option("--name", required=True, help="The rule's name.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def rules() -> None:
    """Create, inspect, enable, disable and delete recall rules; read their stats."""


@rules.command("put")
@app_id_option()
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The rule as YAML or JSON (see README: Recall rules).",
)
@utc_option()
@pass_ctx
def put(ctx: CliContext, app_id: str, path: Path, utc: bool) -> None:
    """Create a rule, or replace the one with the same name: its pending followers keep their
    place and are re-planned when the lead or quiet hours changed."""
    rule = load_model(path, RecallRule, "rule (a mapping of fields)")
    change = RuleChanges(ctx.settings).put_rule(app_id, rule)
    state = "enabled" if rule.enabled else "disabled"
    click.echo(
        f"rule {rule.name} {'created' if change.created else 'replaced'} for {app_id} ({state}, "
        f"{rule.lead_minutes} min before the window closes)"
    )
    click.echo(applies(ctx, app_id, change, utc))


@rules.command("list")
@app_id_option()
@_JSON
@click.option("--include-deleted", is_flag=True, help="Also list deleted rules (by id).")
@pass_ctx
def list_(ctx: CliContext, app_id: str, as_json: bool, include_deleted: bool) -> None:
    """List the account's rules (with --include-deleted, the deleted ones too, by id)."""
    store = RuleStore(ctx.settings)
    found = store.all(app_id) + (store.deleted(app_id) if include_deleted else [])
    if as_json:
        click.echo(json.dumps([_view(r) for r in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(
            f"no rules for {app_id} (create one with: wxengage rules put --app-id {app_id} --file rule.yaml)"
        )
        return
    click.echo(
        f"{'NAME':<20} {'ENABLED':<8} {'LEAD':>6}  {'CONTENT':<8} {'HOLDOUT':>7}  "
        f"{'ID':<24} AUDIENCE"
    )
    for r in found:
        rule = r.rule
        enabled = "deleted" if r.deleted_at is not None else "yes" if rule.enabled else "no"
        click.echo(
            f"{rule.name:<20} {enabled:<8} {rule.lead_minutes:>4} m  "
            f"{rule.content.kind:<8} {rule.holdout_percent:>6g}%  {r.rule_id:<24} "
            f"{_audience(rule)}"
        )


@rules.command("show")
@app_id_option()
@click.option("--name", help="The rule's name.")
@click.option("--id", "rule_id", help="The rule's id (a deleted rule too).")
@_JSON
@utc_option()
@pass_ctx
def show(
    ctx: CliContext, app_id: str, name: str | None, rule_id: str | None, as_json: bool, utc: bool
) -> None:
    """Show one rule in full; times in the account's zone (JSON: UTC, and `_local` beside)."""
    if (name is None) == (rule_id is None):
        raise click.UsageError("give --name or --id (one of them)")
    store = RuleStore(ctx.settings)
    stored = store.get(app_id, name) if name else store.by_id(app_id, rule_id or "")
    times = Times(AccountStore(ctx.settings).read_settings(app_id).timezone, utc)
    view = _view(stored)
    if as_json:
        view |= {
            "created_at_local": times.local(stored.created_at),
            "updated_at_local": times.local(stored.updated_at),
        }
        if stored.deleted_at is not None:
            view["deleted_at_local"] = times.local(stored.deleted_at)
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    view |= {
        "created_at": times.text(stored.created_at),
        "updated_at": times.text(stored.updated_at),
    }
    if stored.deleted_at is not None:
        view["deleted_at"] = times.text(stored.deleted_at)
    click.echo(yaml.safe_dump(view, allow_unicode=True, sort_keys=False).rstrip())


@rules.command("enable")
@app_id_option()
@_NAME
@utc_option()
@pass_ctx
def enable(ctx: CliContext, app_id: str, name: str, utc: bool) -> None:
    """Enable a rule (the plan's cap on enabled rules applies)."""
    change = RuleChanges(ctx.settings).switch(app_id, name, True)
    click.echo(f"rule {name} enabled")
    click.echo(applies(ctx, app_id, change, utc))


@rules.command("disable")
@app_id_option()
@_NAME
@utc_option()
@pass_ctx
def disable(ctx: CliContext, app_id: str, name: str, utc: bool) -> None:
    """Disable a rule: nothing more is sent under it (pending recalls are skipped as rule_disabled)."""
    change = RuleChanges(ctx.settings).switch(app_id, name, False)
    click.echo(f"rule {name} disabled")
    click.echo(applies(ctx, app_id, change, utc))


@rules.command("delete")
@app_id_option()
@_NAME
@utc_option()
@click.confirmation_option(prompt="Delete this rule? Its pending recalls are cancelled.")
@pass_ctx
def delete(ctx: CliContext, app_id: str, name: str, utc: bool) -> None:
    """Delete a rule: its pending recalls are cancelled (skipped rule_deleted); its history stays
    readable by id (rules list --include-deleted, rules show --id, rules stats --include-deleted).
    A rule put later under the same name is a new rule."""
    change = RuleChanges(ctx.settings).delete(app_id, name)
    assert change.stored is not None
    click.echo(
        f"rule {name} deleted (id {change.stored.rule_id}); "
        f"{change.cancelled} pending recall(s) cancelled as skipped rule_deleted"
    )
    click.echo(applies(ctx, app_id, change, utc))


def _audience(rule: RecallRule) -> str:
    parts = []
    if rule.include_tags:
        parts.append("tags " + ",".join(map(str, rule.include_tags)))
    if rule.exclude_tags:
        parts.append("not " + ",".join(map(str, rule.exclude_tags)))
    return "; ".join(parts) or "everyone"


def _view(stored: StoredRule) -> dict[str, Any]:
    view = stored.rule.model_dump(mode="json") | {
        "rule_id": stored.rule_id,
        "created_at": clock.iso_z(stored.created_at),
        "updated_at": clock.iso_z(stored.updated_at),
    }
    if stored.deleted_at is not None:
        view["deleted_at"] = clock.iso_z(stored.deleted_at)
    return view
