"""An account's health (what `wxengage status` reports): sweep checkpoint, today's recall funnel, campaigns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.spec import CampaignStatus
from wxengage.console.ports import CampaignsPort, CheckpointPort, RulesPort, StatsPort
from wxengage.recall.holds import RecallHold
from wxengage.recall.quiet_hours import local_day

# The sweep runs every minute and keeps the current minute open, so a checkpoint up to two
# minutes old is normal; the recall-sweep-stalled alarm fires at five.
SWEEP_STALE_SECONDS = 300


class RecallFunnel(BaseModel):
    """One day's recall counts (account time zone); skipped by reason, zero reasons left out."""

    model_config = ConfigDict(frozen=True)

    day: str
    pending: int
    eligible: int
    sent: int
    failed: int
    recalled: int
    skipped: dict[str, int]


class AccountHealth(BaseModel):
    """One account at a glance; times are epoch seconds, shown in `timezone`."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    timezone: str
    swept_to: int | None
    sweep_age_seconds: int | None
    sweep_stale: bool
    recall_today: RecallFunnel
    campaigns: dict[str, int]  # by status
    in_flight: int  # started and not finished
    # Of today's failed: claims no sender finished (settled by the sweep, never resent).
    stranded_today: int = 0
    # WeChat refused recalls for a configuration reason: the account's sends wait for it.
    recall_hold: RecallHold | None = None


def funnel(day: str, counters: Mapping[str, int]) -> RecallFunnel:
    """Counters of a day as the funnel operators read."""
    skipped = {
        k.removeprefix("skipped_"): v
        for k, v in sorted(counters.items())
        if k.startswith("skipped_") and v
    }
    sent, failed = counters.get("sent", 0), counters.get("failed", 0)
    return RecallFunnel(
        day=day,
        pending=counters.get("pending", 0),
        # Eligible: passed every check (the holdout is eligible on purpose, not sent).
        eligible=sent + failed + skipped.get("holdout", 0),
        sent=sent,
        failed=failed,
        recalled=counters.get("recalled", 0),
        skipped=skipped,
    )


def recall_today(
    rules: RulesPort, stats: StatsPort, app_id: str, timezone: str, now: int
) -> RecallFunnel:
    """Today's funnel of every rule of the account, added up."""
    day = local_day(now, timezone)
    return funnel(day, day_counters(rules, stats, app_id, day))


def day_counters(rules: RulesPort, stats: StatsPort, app_id: str, day: str) -> Counter[str]:
    """Every counter of one day, added up over the account's rules."""
    totals: Counter[str] = Counter()
    for stored in rules.all(app_id):
        totals.update(stats.day(app_id, stored.stats_key, day))
    return totals


def account_health(
    checkpoints: CheckpointPort,
    rules: RulesPort,
    stats: StatsPort,
    campaigns: CampaignsPort,
    *,
    app_id: str,
    timezone: str,
    now: int,
) -> AccountHealth:
    """Sweep checkpoint and its age, today's recall funnel, campaigns by status."""
    swept_to = checkpoints.checkpoint(app_id)
    age = now - swept_to if swept_to is not None else None
    statuses = [c.status for c in campaigns.all(app_id)]
    today = day_counters(rules, stats, app_id, local_day(now, timezone))
    return AccountHealth(
        app_id=app_id,
        timezone=timezone,
        swept_to=swept_to,
        sweep_age_seconds=age,
        sweep_stale=age is not None and age > SWEEP_STALE_SECONDS,
        recall_today=funnel(local_day(now, timezone), today),
        campaigns=dict(sorted(Counter(s.value for s in statuses).items())),
        in_flight=sum(1 for s in statuses if in_flight(s)),
        stranded_today=today["stranded"],
        recall_hold=checkpoints.hold(app_id),
    )


def in_flight(status: CampaignStatus) -> bool:
    """Started and not yet finished."""
    return status is not CampaignStatus.DRAFT and not status.terminal
