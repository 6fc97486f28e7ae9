"""The day-by-day plan of a draft's mass calls, as `start` will make them (the CLI and the console).

The counts are the caller's: the CLI asks WeChat (or counts the engine's follower list), the
console reads the synced copy so that no page waits on WeChat.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from wxengage.accounts import AccountSettings, AccountType
from wxengage.broadcast.budget import (
    SUBSCRIPTION_SENDS_PER_DAY,
    DayShare,
    check_account_type,
    estimate_group_sizes,
    estimate_leg_calls,
    one_send_a_day,
    plan_days,
)
from wxengage.broadcast.schedule import Leg, plan_legs
from wxengage.broadcast.spec import CampaignSpec


class AudienceCounts(BaseModel):
    """Followers and per-tag follower counts the audience sizes are estimated from."""

    model_config = ConfigDict(frozen=True)

    followers: int
    tags: dict[int, int]
    source: str  # where they come from, in words ("WeChat's follower and tag counts")
    counted_at: int | None = None  # when, for a copy (None: just now)


class DayPlan(BaseModel):
    """The plan: the account's budget, what today already used, each leg's calls per day."""

    model_config = ConfigDict(frozen=True)

    calls_per_day: int
    calls_per_minute: int
    used_today: int
    sends_today: int | None  # subscription accounts: today's one send used (1) or not (0)
    source: str  # where the audience sizes come from, or why they are unknown
    counted_at: int | None = None
    shares: list[DayShare] | None  # None: audience sizes unknown

    @property
    def days(self) -> list[str]:
        """The WeChat days the calls fall on, in order."""
        return list(dict.fromkeys(s.day for s in self.shares or []))

    def budget_text(self) -> str:
        used = f"{self.used_today} used today"
        send = "" if self.sends_today is None else f", {self.sends_today} of today's one send"
        return (
            f"budget {self.calls_per_day}/day and {self.calls_per_minute}/min "
            f"shared by every campaign; {used}{send}"
        )

    def header(self) -> str:
        """The plan's first line, as `campaign start` prints it."""
        if self.shares is None:
            return (
                f"plan of mass calls ({self.budget_text()}): audience sizes unknown ({self.source})"
            )
        return (
            f"plan of mass calls ({self.budget_text()}; audiences estimated from {self.source}; "
            "days are WeChat's, in Beijing time):"
        )


def needs_tag_counts(spec: CampaignSpec) -> bool:
    """Whether the estimate needs per-tag counts (a tag audience), not just the follower total."""
    return any(g.audience.kind == "tags" for g in spec.groups)


def startable_legs(spec: CampaignSpec, settings: AccountSettings, now: int) -> list[Leg]:
    """The legs start would plan `now`, or its refusal (AccountTypeError, ScheduleError)."""
    check_account_type(spec, settings.type)
    legs = plan_legs(spec, settings.timezone, now)
    return one_send_a_day(legs) if settings.type is AccountType.SUBSCRIPTION else legs


def day_plan(
    spec: CampaignSpec,
    settings: AccountSettings,
    *,
    now: int,
    used: tuple[int, int],
    counts: AudienceCounts | None,
    unknown: str = "",
) -> DayPlan:
    """The plan of `spec` started `now`, checked as start checks it (account type, schedule:
    AccountTypeError or ScheduleError first). `used` is today's (calls, sends) of the shared
    budget; without `counts` the plan says `unknown` (why the sizes are not known)."""
    legs = startable_legs(spec, settings, now)
    subscription = settings.type is AccountType.SUBSCRIPTION
    calls_used, sends = used
    shares = None
    if counts is not None:
        sizes = estimate_group_sizes(spec, counts.followers, counts.tags)
        calls = estimate_leg_calls(spec, legs, sizes, settings.type)
        shares = plan_days(
            calls,
            settings.mass,
            now=now,
            used_today=calls_used,
            sends_today=sends,
            sends_per_day=SUBSCRIPTION_SENDS_PER_DAY if subscription else None,
        )
    return DayPlan(
        calls_per_day=settings.mass.calls_per_day,
        calls_per_minute=settings.mass.calls_per_minute,
        used_today=calls_used,
        sends_today=sends if subscription else None,
        source=counts.source if counts is not None else unknown,
        counted_at=counts.counted_at if counts is not None else None,
        shares=shares,
    )
