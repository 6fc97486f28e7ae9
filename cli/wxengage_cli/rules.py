"""`wxengage rules`: recall rules per account, and what they achieved today and yesterday."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from wxengage import clock
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.store.accounts import AccountStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage_cli.context import CliContext, load_mapping, pass_ctx
from wxengage_cli.options import app_id_option

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
    rule = RecallRule.model_validate(load_mapping(path, "rule (a mapping of fields)"))
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
@pass_ctx
def show(ctx: CliContext, app_id: str, name: str, as_json: bool) -> None:
    """Show one rule in full."""
    view = _view(RuleStore(ctx.settings).get(app_id, name))
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
    else:
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


@rules.command("stats")
@app_id_option()
@click.option("--rule", "rule_name", help="Only this rule.")
@_JSON
@pass_ctx
def stats(ctx: CliContext, app_id: str, rule_name: str | None, as_json: bool) -> None:
    """Today and yesterday (account time zone): pending, sent, failed, recalled, skipped by reason."""
    settings = AccountStore(ctx.settings).read_settings(app_id)
    names = [rule_name] if rule_name else [r.rule.name for r in RuleStore(ctx.settings).all(app_id)]
    if rule_name:
        RuleStore(ctx.settings).get(app_id, rule_name)
    now = int(clock.now_ts())
    days = {
        "today": local_day(now, settings.timezone),
        "yesterday": local_day(now - 86400, settings.timezone),
    }
    store = StatsStore(ctx.settings)
    rows = [
        {"rule": name, "when": when, "day": day, **_summarise(store.day(app_id, name, day))}
        for name in names
        for when, day in days.items()
    ]
    if as_json:
        click.echo(
            json.dumps({"app_id": app_id, "timezone": settings.timezone, "rows": rows}, indent=2)
        )
        return
    if not rows:
        click.echo(f"no rules for {app_id}")
        return
    click.echo(f"recall stats for {app_id} ({settings.timezone})")
    click.echo(
        f"{'RULE':<18} {'DAY':<10} {'PENDING':>7} {'SENT':>5} {'FAILED':>6} {'RECALLED':>8}  SKIPPED"
    )
    for row in rows:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(row["skipped"].items())) or "-"
        click.echo(
            f"{row['rule']:<18} {row['when']:<10} {row['pending']:>7} {row['sent']:>5} "
            f"{row['failed']:>6} {row['recalled']:>8}  {skipped}"
        )


def _summarise(counters: dict[str, int]) -> dict[str, Any]:
    skipped = {
        k.removeprefix("skipped_"): v for k, v in counters.items() if k.startswith("skipped_") and v
    }
    # Eligible: passed every check; the holdout is eligible on purpose but not sent.
    eligible = counters.get("sent", 0) + counters.get("failed", 0) + skipped.get("holdout", 0)
    return {
        "pending": counters.get("pending", 0),
        "eligible": eligible,
        "sent": counters.get("sent", 0),
        "failed": counters.get("failed", 0),
        "recalled": counters.get("recalled", 0),
        "skipped": skipped,
    }


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
