"""`wxengage status`: the stack's health at a glance, the picture the CloudWatch dashboard draws.

Alarms in ALARM, the recall queue and its dead letters, how far behind each account's sweep
checkpoint is, today's recall funnel (account time zone) and campaigns by status.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from wxengage import clock
from wxengage.clock import iso_z
from wxengage.console.health import SWEEP_STALE_SECONDS, account_health
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.store.campaigns import CampaignStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.localtime import Times, offset_text, parse_iso_z
from wxengage_cli.options import utc_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the picture as JSON.")
@utc_option()
@pass_ctx
def status(ctx: CliContext, as_json: bool, utc: bool) -> None:
    """Alarms, queue depth, sweep checkpoints, today's recall funnel and campaigns by status."""
    outputs = ctx.outputs()
    settings = ctx.settings
    now = int(clock.now_ts())
    report: dict[str, Any] = {
        "stack": ctx.stack,
        "at": iso_z(now),
        "alarms": alarms(ctx.stack),
        "queues": {
            "recall": queue_depth(settings.recall_queue_url),
            "dead_letter": queue_depth(outputs.get("RecallDeadLetterQueueUrl", "")),
        },
        "accounts": [
            account(settings, a.app_id, a.timezone, now)
            for a in AccountStore(settings).list_settings()
        ],
    }
    report["problems"] = problems(report)
    report["healthy"] = not report["problems"]
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(describe(report, utc))


def alarms(stack: str) -> dict[str, Any]:
    """The stack's alarms (named "<stack>.<what>"; a stack name holds no dot) by state."""
    cloudwatch = client("cloudwatch")
    found: list[dict[str, Any]] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{stack}.", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        found += page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
    firing = [
        {
            "name": a["AlarmName"],
            "since": iso_z(a["StateUpdatedTimestamp"].timestamp()),
            "reason": a.get("StateReason", ""),
        }
        for a in sorted(found, key=lambda a: a["AlarmName"])
        if a["StateValue"] == "ALARM"
    ]
    return {
        "total": len(found),
        "states": dict(sorted(Counter(a["StateValue"] for a in found).items())),
        "in_alarm": firing,
    }


def queue_depth(url: str) -> dict[str, int] | None:
    """Messages waiting, being handled and delayed (SQS's approximate counts)."""
    if not url:
        return None
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return {
        "waiting": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    }


def account(settings: Settings, app_id: str, timezone: str, now: int) -> dict[str, Any]:
    """One account: its sweep checkpoint, today's recall funnel and its campaigns by status."""
    # The same computation the console's overview shows (wxengage.console.health).
    health = account_health(
        RecallStore(settings),
        RuleStore(settings),
        StatsStore(settings),
        CampaignStore(settings),
        app_id=app_id,
        timezone=timezone,
        now=now,
    )
    swept_to = health.swept_to
    return {
        "app_id": app_id,
        "timezone": timezone,
        "sweep": {
            "swept_to": iso_z(swept_to) if swept_to is not None else None,
            "age_seconds": health.sweep_age_seconds,
        },
        "swept_to_local": Times(timezone).local(swept_to),
        "recall_today": health.recall_today.model_dump(),
        "recall_stranded_today": health.stranded_today,
        "recall_hold": (
            health.recall_hold.model_dump()
            | {"active": health.recall_hold.active(now), "text": health.recall_hold.describe(now)}
            if health.recall_hold is not None
            else None
        ),
        "campaigns": health.campaigns,
    }


def problems(report: dict[str, Any]) -> list[str]:
    """What needs a person: alarms firing, dead letters, a sweep that fell behind."""
    out = [f"alarm {a['name']} is in ALARM" for a in report["alarms"]["in_alarm"]]
    dead = report["queues"]["dead_letter"]
    if dead and dead["waiting"]:
        out.append(f"{dead['waiting']} recall(s) in the dead-letter queue")
    for acc in report["accounts"]:
        age, hold = acc["sweep"]["age_seconds"], acc.get("recall_hold")
        if hold is not None and hold["active"]:
            # The sweep leaves a held account's checkpoint where it was on purpose.
            out.append(f"{acc['app_id']}: recall sends {hold['text']}")
        elif age is not None and age > SWEEP_STALE_SECONDS:
            out.append(f"{acc['app_id']}: the sweep checkpoint is {_ago(age)} old")
        if acc.get("recall_stranded_today"):
            out.append(
                f"{acc['app_id']}: {acc['recall_stranded_today']} recall claim(s) stranded today"
                " (a sender stopped mid-send; recorded failed/unknown_outcome, never resent)"
            )
    return out


def describe(report: dict[str, Any], utc: bool = False) -> str:
    """The report for a person: each account's times in its zone (UTC under --utc); the stack's
    own in the accounts' zone when they share one, else UTC."""
    zones = {acc["timezone"] for acc in report["accounts"]}
    stack_times = Times(zones.pop() if len(zones) == 1 else "UTC", utc)
    lines = [f"wxengage stack {report['stack']} at {stack_times.text_of(report['at'])}"]
    alarm = report["alarms"]
    if not alarm["total"]:
        lines.append("alarms      none found (sam deploy creates them; the local stack has none)")
    else:
        states = ", ".join(f"{n} {s}" for s, n in alarm["states"].items())
        lines.append(f"alarms      {alarm['total']} ({states})")
        lines += [
            f"  ALARM     {a['name']} since {stack_times.text_of(a['since'])}: {a['reason']}"
            for a in alarm["in_alarm"]
        ]
    recall, dead = report["queues"]["recall"], report["queues"]["dead_letter"]
    lines.append(
        f"queues      recall {recall['waiting']} waiting, {recall['in_flight']} in flight, "
        f"{recall['delayed']} delayed; dead letters {dead['waiting'] if dead else 'n/a'}"
    )
    if not report["accounts"]:
        lines.append("accounts    none registered (wxengage accounts add)")
    for acc in report["accounts"]:
        sweep, funnel = acc["sweep"], acc["recall_today"]
        times = Times(acc["timezone"], utc)
        swept = (
            f"swept to {times.text_of(sweep['swept_to'])} ({_ago(sweep['age_seconds'])} ago)"
            if sweep["swept_to"]
            else "not swept yet"
        )
        skipped = ", ".join(f"{k} {v}" for k, v in funnel["skipped"].items()) or "none"
        campaigns = ", ".join(f"{n} {s}" for s, n in acc["campaigns"].items()) or "none"
        lines += [
            f"{acc['app_id']} ({acc['timezone']}, "
            f"{offset_text(parse_iso_z(report['at']), acc['timezone'])})",
            f"  sweep     {swept}",
            f"  recall    today {funnel['day']}: pending {funnel['pending']}, eligible "
            f"{funnel['eligible']}, sent {funnel['sent']}, failed {funnel['failed']}, recalled "
            f"{funnel['recalled']}; skipped {skipped}"
            + (
                f"; of the failed, {acc['recall_stranded_today']} stranded (unknown outcome)"
                if acc.get("recall_stranded_today")
                else ""
            ),
        ]
        if acc.get("recall_hold"):
            lines.append(f"  hold      recall sends {acc['recall_hold']['text']}")
        lines.append(f"  campaigns {campaigns}")
    if report["problems"]:
        lines.append(f"health      {len(report['problems'])} problem(s):")
        lines += [f"  - {p}" for p in report["problems"]]
    else:
        lines.append("health      OK")
    return "\n".join(lines)


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
