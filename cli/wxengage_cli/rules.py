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
@pass_ctx
def put(ctx: CliContext, app_id: str, path: Path) -> None:
    """Create a rule, or replace the one with the same name (its pending followers keep their place)."""
    rule = load_model(path, RecallRule, "rule (a mapping of fields)")
    plan = AccountStore(ctx.settings).read_settings(app_id).plan
    stored, created = RuleStore(ctx.settings).put(app_id, rule, plan)
    state = "enabled" if stored.rule.enabled else "disabled"
    click.echo(
        f"rule {rule.name} {'created' if created else 'replaced'} for {app_id} ({state}, "
        f"{rule.lead_minutes} min before the window closes)"
    )


@rules.command("list")
@app_id_option()
@_JSON
@pass_ctx
def list_(ctx: CliContext, app_id: str, as_json: bool) -> None:
    """List the account's rules."""
    found = RuleStore(ctx.settings).all(app_id)
    if as_json:
        click.echo(json.dumps([_view(r) for r in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(
            f"no rules for {app_id} (create one with: wxengage rules put --app-id {app_id} --file rule.yaml)"
        )
        return
    click.echo(f"{'NAME':<20} {'ENABLED':<8} {'LEAD':>6}  {'CONTENT':<8} {'HOLDOUT':>7}  AUDIENCE")
    for r in found:
        rule = r.rule
        audience = _audience(rule)
        click.echo(
            f"{rule.name:<20} {'yes' if rule.enabled else 'no':<8} {rule.lead_minutes:>4} m  "
            f"{rule.content.kind:<8} {rule.holdout_percent:>6g}%  {audience}"
        )


@rules.command("show")
@app_id_option()
@_NAME
@_JSON
@utc_option()
@pass_ctx
def show(ctx: CliContext, app_id: str, name: str, as_json: bool, utc: bool) -> None:
    """Show one rule in full; times in the account's zone (JSON: UTC, and `_local` beside)."""
    stored = RuleStore(ctx.settings).get(app_id, name)
    times = Times(AccountStore(ctx.settings).read_settings(app_id).timezone, utc)
    view = _view(stored)
    if as_json:
        view |= {
            "created_at_local": times.local(stored.created_at),
            "updated_at_local": times.local(stored.updated_at),
        }
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    view |= {
        "created_at": times.text(stored.created_at),
        "updated_at": times.text(stored.updated_at),
    }
    click.echo(yaml.safe_dump(view, allow_unicode=True, sort_keys=False).rstrip())


@rules.command("enable")
@app_id_option()
@_NAME
@pass_ctx
def enable(ctx: CliContext, app_id: str, name: str) -> None:
    """Enable a rule (the plan's cap on enabled rules applies)."""
    plan = AccountStore(ctx.settings).read_settings(app_id).plan
    RuleStore(ctx.settings).set_enabled(app_id, name, True, plan)
    click.echo(f"rule {name} enabled")


@rules.command("disable")
@app_id_option()
@_NAME
@pass_ctx
def disable(ctx: CliContext, app_id: str, name: str) -> None:
    """Disable a rule: nothing more is sent under it (pending recalls are skipped as rule_disabled)."""
    plan = AccountStore(ctx.settings).read_settings(app_id).plan
    RuleStore(ctx.settings).set_enabled(app_id, name, False, plan)
    click.echo(f"rule {name} disabled")


@rules.command("delete")
@app_id_option()
@_NAME
@click.confirmation_option(prompt="Delete this rule? Its pending recalls are dropped.")
@pass_ctx
def delete(ctx: CliContext, app_id: str, name: str) -> None:
    """Delete a rule; its pending recalls are dropped."""
    RuleStore(ctx.settings).delete(app_id, name)
    click.echo(f"rule {name} deleted")


def _audience(rule: RecallRule) -> str:
    parts = []
    if rule.include_tags:
        parts.append("tags " + ",".join(map(str, rule.include_tags)))
    if rule.exclude_tags:
        parts.append("not " + ",".join(map(str, rule.exclude_tags)))
    return "; ".join(parts) or "everyone"


def _view(stored: StoredRule) -> dict[str, Any]:
    return stored.rule.model_dump(mode="json") | {
        "created_at": clock.iso_z(stored.created_at),
        "updated_at": clock.iso_z(stored.updated_at),
    }
