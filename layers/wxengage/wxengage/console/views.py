"""Pure functions from the domain's models to the console's answers (no I/O here)."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from wxengage.accounts import AccountSettings
from wxengage.broadcast.state import Campaign
from wxengage.console.health import RecallFunnel, funnel
from wxengage.console.models import (
    AccountSummary,
    BatchRow,
    CampaignRow,
    CampaignView,
    DayLift,
    FollowerView,
    GroupView,
    LegRow,
    PendingRecallRow,
    PreviewMessage,
    RuleView,
    VariantResult,
)
from wxengage.recall.content import custom_message
from wxengage.recall.lift import LIFT_FIELDS, lift_of
from wxengage.recall.planning import PendingRecall, SkipReason
from wxengage.recall.rule_ids import rule_key
from wxengage.recall.rules import (
    PLAN_RULE_CAPS,
    CustomContent,
    DefaultContent,
    RecallRule,
    StoredRule,
)
from wxengage.windows import FollowerState

# Stats are kept 92 days; a longer range would only show zeros.
MAX_RANGE_DAYS = 92
_Z95 = 1.959963984540054


class RangeError(ValueError):
    """A stats range that is not two days YYYY-MM-DD, in order, at most 92 days apart."""


def account_summary(settings: AccountSettings) -> AccountSummary:
    """An account as the console lists it."""
    return AccountSummary(
        app_id=settings.app_id,
        type=settings.type.value,
        plan=settings.plan.value,
        timezone=settings.timezone,
        rule_cap=PLAN_RULE_CAPS[settings.plan],
    )


def rule_view(stored: StoredRule) -> RuleView:
    """A rule with its id and times (a deleted one's deletion time too)."""
    return RuleView(
        rule=stored.rule,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        rule_id=stored.rule_id,
        deleted_at=stored.deleted_at,
    )


def campaign_row(c: Campaign) -> CampaignRow:
    """One campaign in a list."""
    return CampaignRow(
        campaign_id=c.campaign_id,
        name=c.spec.name,
        status=c.status.value,
        groups=len(c.spec.groups),
        created_at=c.created_at,
        started_at=c.started_at,
    )


def preview_messages(rule: RecallRule) -> list[PreviewMessage]:
    """What the sender would send, for every reply the rule may pick (the same code path)."""
    contents: list[DefaultContent | CustomContent]
    if isinstance(rule.content, DefaultContent):
        contents = [rule.content]
    else:
        contents = [CustomContent(replies=[reply]) for reply in rule.content.replies]
    out = []
    for content in contents:
        # One reply per content: the pick has nothing to choose from.
        message = custom_message("FOLLOWER_OPENID", content, random.Random(0))  # noqa: S311
        message.pop("touser")
        weight = content.replies[0].weight if isinstance(content, CustomContent) else 1
        out.append(PreviewMessage(weight=weight, message=message))
    return out


def day_range(start: str | None, end: str | None, today: str) -> list[str]:
    """The days from `start` to `end` inclusive (default: the last 7 days up to today)."""
    try:
        last = date.fromisoformat(end or today)
        first = date.fromisoformat(start) if start else last - timedelta(days=6)
    except ValueError:
        raise RangeError("from and to are days written YYYY-MM-DD") from None
    if first > last:
        raise RangeError("from must not be after to")
    span = (last - first).days + 1
    if span > MAX_RANGE_DAYS:
        raise RangeError(f"at most {MAX_RANGE_DAYS} days at a time (stats are kept that long)")
    return [(first + timedelta(days=i)).isoformat() for i in range(span)]


def total(days: Iterable[tuple[str, dict[str, int]]], label: str) -> RecallFunnel:
    """The counters of several days added up."""
    sums: Counter[str] = Counter()
    for _, counters in days:
        sums.update(counters)
    return funnel(label, sums)


def day_lift(day: str, counters: Mapping[str, int]) -> DayLift:
    """The holdout's lift from one day's (or a range's summed) counters."""
    return DayLift.model_validate(lift_of(counters).model_dump() | {"day": day})


def stats_csv(
    rule: str, timezone: str, days: list[RecallFunnel], lifts: list[DayLift] | None = None
) -> str:
    """One row per day; every skip reason gets its own column, then the lift's."""
    reasons = [r.value for r in SkipReason]
    reasons += sorted({k for d in days for k in d.skipped} - set(reasons))
    by_day = {x.day: x for x in lifts or []}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["rule", "day", "timezone", "pending", "eligible", "sent", "failed", "recalled"]
        + [f"skipped_{r}" for r in reasons]
        + list(LIFT_FIELDS.values())
    )
    for d in days:
        found = by_day.get(d.day)
        writer.writerow(
            [_cell(rule), d.day, timezone, d.pending, d.eligible, d.sent, d.failed, d.recalled]
            + [d.skipped.get(r, 0) for r in reasons]
            + [_or_blank(getattr(found, f, None)) for f in LIFT_FIELDS]
        )
    return out.getvalue()


def _or_blank(value: object) -> object:
    return "" if value is None else value


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: quote it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a rate."""
    if trials <= 0:
        return 0.0, 0.0
    p = successes / trials
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _ts(iso: str | None) -> int | None:
    if not iso:
        return None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


_LEG_TIMES = ("send_at", "sent_at", "started_at", "finished_at")
_BATCH_TIMES = ("submitted_at", "finished_at", "next_try_at", "offline_at")


def _epochs(row: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {**row, **{f: _ts(row.get(f)) for f in fields}}


def leg_row(leg: Mapping[str, Any]) -> LegRow:
    """A leg of the report: planned and actual send time, its batches, its failure (epoch s)."""
    batches = [
        BatchRow.model_validate(_epochs(b, _BATCH_TIMES)) for b in leg.get("batch_details") or []
    ]
    return LegRow.model_validate(
        _epochs(leg, _LEG_TIMES) | {"reason": leg.get("reason") or None, "batch_details": batches}
    )


def _variant(leg: LegRow) -> VariantResult:
    # The report's interval when it has one (the CLI prints the same), else computed here alike.
    low, high = leg.read_rate_ci95 or wilson(leg.readers or 0, leg.sent)
    readers = leg.readers or 0
    return VariantResult(
        leg=leg.leg,
        label=leg.label,
        sent=leg.sent,
        readers=readers,
        read_rate=readers / leg.sent,
        low=low,
        high=high,
    )


def campaign_view(report: dict[str, Any], timezone: str) -> CampaignView:
    """The CLI's campaign report with epoch-second times and each variant's interval."""
    groups = []
    for group in report["groups"]:
        legs = [leg_row(leg) for leg in group["legs"]]
        variants = [
            _variant(leg)
            for leg in legs
            if leg.kind == "variant" and leg.readers is not None and leg.sent > 0
        ]
        groups.append(
            GroupView(
                name=group["name"],
                audience=group["audience"],
                segment=group["segment"],
                legs=legs,
                decision=group["decision"],
                variants=variants,
            )
        )
    return CampaignView(
        app_id=report["app_id"],
        campaign_id=report["campaign_id"],
        name=report["name"],
        status=report["status"],
        reason=report.get("reason") or None,
        failure=report.get("failure"),
        started_at=_ts(report.get("started_at")),
        seed=report.get("seed"),
        timezone=timezone,
        groups=groups,
    )


def follower_view(
    state: FollowerState,
    timezone: str,
    now: float,
    rule_names: dict[str, str] | None = None,
    pending: Sequence[PendingRecall] = (),
) -> FollowerView:
    """The operator-facing window of a follower and its recalls (as `wxengage followers show`);
    rules by name when `rule_names` (rule key -> name) knows them, else by id."""
    names = rule_names or {}
    is_open = state.window_open_at(now)
    return FollowerView(
        openid=state.openid,
        timezone=timezone,
        subscribed=state.subscribed,
        last_message_at=state.last_message_at,
        window_opened_by=state.window_opened_by.value if state.window_opened_by else None,
        window_opened_at=state.window_opened_at,
        window_closes_at=state.effective_closes_at,
        window_open=is_open,
        messages_left=state.messages_left if is_open else 0,
        left_at=state.left_at,
        last_recall_at=state.last_recall_at,
        last_recall_rule=_named(names, state.last_recall_rule),
        last_recall_rule_id=state.last_recall_rule,
        recall_answered=state.recall_converted,
        recalls_in_window=state.recalls_in_window,
        held_out_at=state.holdout_at,
        held_out_rule=_named(names, state.holdout_rule),
        held_out_rule_id=state.holdout_rule,
        holdout_answered=state.holdout_converted,
        pending_recalls=[
            PendingRecallRow(
                # The rule's current name; the name it had when planned if it is gone.
                rule=names.get(rule_key(r.rule_id), r.rule),
                rule_id=r.rule_id,
                status=r.status.value,
                due_at=r.due_at,
                window_closes_at=r.window_closes_at,
                in_quiet_hours=r.in_quiet_hours,
            )
            for r in pending
        ],
    )


def _named(names: Mapping[str, str], rule_id: str | None) -> str | None:
    return names.get(rule_id, rule_id) if rule_id else None
