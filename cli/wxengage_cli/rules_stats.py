"""`wxengage rules stats`: what each rule achieved per day over any of the 92 kept days.

Days are the account's local days (the engine counts under them). Every counter the engine
keeps is shown: skips by reason, failures by reason when the engine counts them
(`failed_<reason>`, e.g. `failed_unknown_outcome`), and any counter this CLI does not know yet.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import click

from wxengage import clock
from wxengage.console.health import funnel
from wxengage.recall.lift import LIFT_FIELDS, METHOD, Lift, lift_of, percent
from wxengage.recall.lift import describe as describe_lift
from wxengage.recall.outcomes import FailureReason
from wxengage.recall.planning import SkipReason
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import StoredRule
from wxengage.store.accounts import AccountStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import RETENTION_SECONDS, StatsStore
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option

KEPT_DAYS = RETENTION_SECONDS // 86400
# recalled_holdout is reported in the lift section, beside the rates it feeds.
FLOW = ("pending", "sent", "failed", "recalled", "recalled_holdout")
_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("stats")
@app_id_option()
@click.option("--rule", "rule_name", help="Only this rule.")
@click.option(
    "--from",
    "first",
    type=_DAY,
    help="First day, YYYY-MM-DD in the account's zone (default: the day before --to).",
)
@click.option(
    "--to",
    "last",
    type=_DAY,
    help=f"Last day, YYYY-MM-DD (default: today). Stats are kept {KEPT_DAYS} days.",
)
@click.option(
    "--include-deleted",
    is_flag=True,
    help="Also deleted rules (shown as NAME[deleted], with their id in JSON).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: one row per rule and day.")
@utc_option()
@pass_ctx
def stats(
    ctx: CliContext,
    app_id: str,
    rule_name: str | None,
    first: datetime | None,
    last: datetime | None,
    include_deleted: bool,
    as_json: bool,
    as_csv: bool,
    utc: bool,
) -> None:
    """Per rule and day (account time zone; default today and yesterday): pending, eligible,
    sent, failed, recalled, skipped by reason."""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    settings = AccountStore(ctx.settings).read_settings(app_id)
    rule_store = RuleStore(ctx.settings)
    if rule_name:
        rule_store.get(app_id, rule_name)
    # Stats are kept by rule id: a re-created rule of the same name has its own.
    live = [r for r in rule_store.all(app_id) if not rule_name or r.rule.name == rule_name]
    gone = rule_store.deleted(app_id) if include_deleted else []
    gone = [r for r in gone if not rule_name or r.rule.name == rule_name]
    keys = {label(r): r.stats_key for r in [*live, *gone]}
    ids = {label(r): r.rule_id for r in [*live, *gone]}
    names = list(keys)
    now = int(clock.now_ts())
    today = date.fromisoformat(local_day(now, settings.timezone))
    days = day_range(today, first.date() if first else None, last.date() if last else None)
    store = StatsStore(ctx.settings)
    rows: list[dict[str, Any]] = []
    lifts: list[dict[str, Any]] = []
    for name in names:
        found = store.days(app_id, keys[name], days[-1].isoformat(), days[0].isoformat())
        rows += [
            {"rule": name, "rule_id": ids[name], "when": when(day, today), "day": day.isoformat()}
            | summarise(found.get(day.isoformat(), {}))
            for day in days
        ]
        lifts += lift_rows(name, [(d, found.get(d.isoformat(), {})) for d in days], today)
    if as_csv:
        click.echo(to_csv(app_id, rows, lifts), nl=False)
        return
    report = {
        "app_id": app_id,
        "timezone": settings.timezone,
        "from": days[-1].isoformat(),
        "to": days[0].isoformat(),
        "rows": rows,
        "totals": [total(name, [r for r in rows if r["rule"] == name]) for name in names],
        "lift": {"method": METHOD, "rows": lifts},
    }
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(describe(report, len(days), Times(settings.timezone, utc), now))


def label(stored: StoredRule) -> str:
    """The rule's name; a deleted rule's carries its id (a re-created rule may share the name)."""
    if stored.deleted_at is None:
        return stored.rule.name
    return f"{stored.rule.name}[deleted {stored.rule_id}]"


def day_range(today: date, first: date | None, last: date | None) -> list[date]:
    """The days asked for, newest first; refused outside the kept days or backwards."""
    last = last or today
    first = first or last - timedelta(days=1)
    oldest = today - timedelta(days=KEPT_DAYS - 1)
    if last > today:
        raise click.BadParameter(
            f"{last} is after today ({today} in the account's zone)", param_hint="--to"
        )
    if first > last:
        raise click.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    if first < oldest:
        raise click.BadParameter(
            f"{first} is older than the {KEPT_DAYS} days kept (the oldest is {oldest})",
            param_hint="--from",
        )
    return [last - timedelta(days=n) for n in range((last - first).days + 1)]


def when(day: date, today: date) -> str:
    """`today`, `yesterday` or `N days ago`."""
    ago = (today - day).days
    return {0: "today", 1: "yesterday"}.get(ago, f"{ago} days ago")


def summarise(counters: dict[str, int]) -> dict[str, Any]:
    """One rule's day: the funnel (as the console and `status` compute it), skips and failures
    by reason, and any other counter."""
    day = funnel("", counters)
    failed_by_reason = {
        k.removeprefix("failed_"): v for k, v in counters.items() if k.startswith("failed_") and v
    }
    other = {
        k: v
        for k, v in counters.items()
        if v and k not in FLOW and not k.startswith(("skipped_", "failed_"))
    }
    return day.model_dump(exclude={"day"}) | {
        "failed_by_reason": failed_by_reason,
        "other": other,
    }


def total(rule: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One rule over the whole range."""
    sums: Counter[str] = Counter()
    nested: dict[str, Counter[str]] = {
        k: Counter() for k in ("skipped", "failed_by_reason", "other")
    }
    for row in rows:
        sums.update({k: row[k] for k in ("pending", "eligible", "sent", "failed", "recalled")})
        for key, counter in nested.items():
            counter.update(row[key])
    return (
        {"rule": rule, "days": len(rows)}
        | {k: sums[k] for k in ("pending", "eligible", "sent", "failed", "recalled")}
        | {key: dict(sorted(counter.items())) for key, counter in nested.items()}
    )


def lift_rows(
    rule: str, days: list[tuple[date, dict[str, int]]], today: date
) -> list[dict[str, Any]]:
    """The holdout's lift of one rule for each day, then over the whole range (`day: total`).

    Rates and lift are fractions (0.125 = 12.5 %); each day counts the recalls sent or held
    out that day, and the answers to them whenever they came.
    """
    out = [
        {"rule": rule, "day": d.isoformat(), "when": when(d, today)} | _lift_fields(lift_of(c))
        for d, c in days
    ]
    summed: Counter[str] = Counter()
    for _, counters in days:
        summed.update(counters)
    out.append(
        {"rule": rule, "day": "total", "when": f"{len(days)} days"} | _lift_fields(lift_of(summed))
    )
    return out


def _lift_fields(found: Lift) -> dict[str, Any]:
    return found.model_dump(exclude={"method"})


def to_csv(
    app_id: str, rows: list[dict[str, Any]], lifts: list[dict[str, Any]] | None = None
) -> str:
    """One line per rule and day; every skip reason and unknown_outcome always have a column."""
    failed = [FailureReason.UNKNOWN_OUTCOME.value]
    failed += sorted({k for r in rows for k in r["failed_by_reason"]} - set(failed))
    skipped = [r.value for r in SkipReason]
    skipped += sorted({k for r in rows for k in r["skipped"]} - set(skipped))
    other = sorted({k for r in rows for k in r["other"]})
    header = ["app_id", "rule", "day", "pending", "eligible", "sent", "failed", "recalled"]
    header += [f"failed_{k}" for k in failed] + [f"skipped_{k}" for k in skipped] + other
    # The lift's columns (lift_low/lift_high: its 95 % interval; blank when not measurable).
    header += list(LIFT_FIELDS.values())
    by_day = {(x["rule"], x["day"]): x for x in lifts or []}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow(
            [app_id, r["rule"], r["day"], r["pending"], r["eligible"], r["sent"], r["failed"]]
            + [r["recalled"]]
            + [r["failed_by_reason"].get(k, 0) for k in failed]
            + [r["skipped"].get(k, 0) for k in skipped]
            + [r["other"].get(k, 0) for k in other]
            + _lift_cells(by_day.get((r["rule"], r["day"])))
        )
    return out.getvalue()


def _lift_cells(found: dict[str, Any] | None) -> list[Any]:
    if found is None:
        return [""] * len(LIFT_FIELDS)
    return ["" if found[f] is None else found[f] for f in LIFT_FIELDS]


def describe(report: dict[str, Any], days: int, times: Times, now: int) -> str:
    """The table a person reads: one line per rule and day, a total when the range is long."""
    if not report["rows"]:
        return f"no rules for {report['app_id']}"
    lines = [
        f"recall stats for {report['app_id']}, {report['from']} to {report['to']} "
        f"(days in {report['timezone']}), as of {times.text(now)}",
        f"{'RULE':<18} {'DAY':<10} {'WHEN':<11} {'PENDING':>7} {'ELIGIBLE':>8} {'SENT':>5} "
        f"{'FAILED':>6} {'RECALLED':>8}  SKIPPED, FAILED BY REASON, OTHER",
    ]
    rows = [dict(r) for r in report["rows"]]
    if days > 2:  # a long range ends each rule with its total
        rows = []
        for t in report["totals"]:
            rows += [r for r in report["rows"] if r["rule"] == t["rule"]]
            rows.append(t | {"day": "total", "when": f"{t['days']} days"})
    for row in rows:
        lines.append(
            f"{row['rule']:<18} {row['day']:<10} {row['when']:<11} {row['pending']:>7} "
            f"{row['eligible']:>8} {row['sent']:>5} {row['failed']:>6} {row['recalled']:>8}  "
            f"{reasons(row)}"
        )
    return "\n".join(lines + describe_lifts(report["lift"]["rows"]))


def describe_lifts(lifts: list[dict[str, Any]]) -> list[str]:
    """The lift section: rules with a held-out follower in the range, each day and the total."""
    measured = {x["rule"] for x in lifts if x["day"] == "total" and x["held_out"]}
    if not measured:
        return ["", "lift: nobody held out in this range (a rule's holdout_percent measures it)"]
    lines = [
        "",
        f"lift: recall rate of sent vs held out ({METHOD} interval)",
        f"{'RULE':<18} {'DAY':<10} {'SENT':>5} {'RECALLED':>8} {'RATE':>6} {'HELD OUT':>8} "
        f"{'RECALLED':>8} {'RATE':>6}  LIFT",
    ]
    for x in lifts:
        if x["rule"] not in measured:
            continue
        found = Lift.model_validate(x | {"method": METHOD})
        lines.append(
            f"{x['rule']:<18} {x['day']:<10} {x['sent']:>5} {x['recalled']:>8} "
            f"{percent(x['rate_sent']):>6} {x['held_out']:>8} {x['recalled_holdout']:>8} "
            f"{percent(x['rate_held_out']):>6}  {describe_lift(found)}"
        )
    return lines


def reasons(row: dict[str, Any]) -> str:
    """`skipped holdout 1, tag 2; failed unknown_outcome 1; other ...`, or `-`."""
    parts = []
    for label, key in (("skipped", "skipped"), ("failed", "failed_by_reason"), ("other", "other")):
        if row[key]:
            parts.append(f"{label} " + ", ".join(f"{k} {v}" for k, v in sorted(row[key].items())))
    return "; ".join(parts) or "-"


COMMANDS = (stats,)
