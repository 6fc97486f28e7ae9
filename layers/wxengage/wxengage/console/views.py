"""Pure functions from the domain's models to the console's answers (no I/O here)."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from wxengage.accounts import AccountSettings
from wxengage.broadcast.state import Campaign
from wxengage.console.health import RecallFunnel, funnel
from wxengage.console.models import (
    AccountSummary,
    CampaignRow,
    CampaignView,
    DayLift,
    FollowerView,
    GroupView,
    LegRow,
    PreviewMessage,
    RuleView,
    VariantResult,
)
from wxengage.recall.content import custom_message
from wxengage.recall.lift import LIFT_FIELDS, lift_of
from wxengage.recall.planning import SkipReason
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
    """A rule with its times."""
    return RuleView(rule=stored.rule, created_at=stored.created_at, updated_at=stored.updated_at)


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


def campaign_view(report: dict[str, Any], timezone: str) -> CampaignView:
    """The CLI's campaign report with epoch-second times and each variant's interval."""
    groups = []
    for group in report["groups"]:
        legs = [
            LegRow.model_validate(
                {**leg, "send_at": _ts(leg["send_at"]), "reason": leg.get("reason") or None}
            )
            for leg in group["legs"]
        ]
        variants = [
            VariantResult(
                leg=leg.leg,
                label=leg.label,
                sent=leg.sent,
                readers=leg.readers,
                read_rate=leg.readers / leg.sent,
                low=wilson(leg.readers, leg.sent)[0],
                high=wilson(leg.readers, leg.sent)[1],
            )
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
        started_at=_ts(report.get("started_at")),
        seed=report.get("seed"),
        timezone=timezone,
        groups=groups,
    )


def follower_view(
    state: FollowerState, timezone: str, now: float, rule_names: dict[str, str] | None = None
) -> FollowerView:
    """The operator-facing window of a follower (as `wxengage followers show`); the last
    recall's rule by name when `rule_names` (rule key -> name) knows it, else its id."""
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
        last_recall_rule=(rule_names or {}).get(last, last)
        if (last := state.last_recall_rule)
        else None,
        recalls_in_window=state.recalls_in_window,
    )
