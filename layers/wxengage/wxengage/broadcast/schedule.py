"""When each part of a campaign goes out: legs, send times in the account's zone, and their rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.spec import CampaignSpec, Group

VARIANT_LEAD_SECONDS = 3600
# WeChat's read statistics for day D are ready after 08:00 on D+1; decide no earlier than 10:00.
WINNER_HOUR = 10
# A send time this far in the past is a mistake, not "now".
PAST_TOLERANCE_SECONDS = 300


class ScheduleError(ValueError):
    """A campaign's times break a rule; the message says which and why."""


class LegKind(StrEnum):
    GROUP = "group"  # a group without a test: its content to its whole audience
    VARIANT = "variant"  # one A/B arm: its content to its sample
    WINNER = "winner"  # the rest of an A/B group: the winning content


class Leg(BaseModel):
    """One send of a campaign: a group, a variant, or a group's winner send."""

    model_config = ConfigDict(frozen=True)

    key: str
    group: str
    kind: LegKind
    variant: str | None = None
    send_at: int

    @property
    def label(self) -> str:
        if self.kind is LegKind.VARIANT:
            return f"{self.group}/{self.variant}"
        return f"{self.group}/winner" if self.kind is LegKind.WINNER else self.group

    def at(self, send_at: int) -> Leg:
        """The same leg, sent at `send_at`."""
        return Leg(
            key=self.key, group=self.group, kind=self.kind, variant=self.variant, send_at=send_at
        )


def leg_key(group_index: int, kind: LegKind, variant_index: int = 0) -> str:
    """Short, stable keys: they go into clientmsgids, which WeChat caps at 64 bytes."""
    if kind is LegKind.VARIANT:
        return f"g{group_index}v{variant_index}"
    return f"g{group_index}w" if kind is LegKind.WINNER else f"g{group_index}"


def plan_legs(spec: CampaignSpec, timezone: str, now: int) -> list[Leg]:
    """Every leg with its send time, checked against the rules as of `now`; ScheduleError if not."""
    zone = ZoneInfo(timezone)
    legs: list[Leg] = []
    for gi, group in enumerate(spec.groups):
        legs.extend(_group_legs(gi, group, zone, now))
    return legs


def _group_legs(gi: int, group: Group, zone: ZoneInfo, now: int) -> list[Leg]:
    if group.ab_test is None:
        at = now if group.send_at == "now" else _epoch(group.send_at, zone)
        if at < now - PAST_TOLERANCE_SECONDS:
            raise ScheduleError(f"group {group.name!r} send time {_local(at, zone)} is in the past")
        return [
            Leg(
                key=leg_key(gi, LegKind.GROUP),
                group=group.name,
                kind=LegKind.GROUP,
                send_at=max(at, now),
            )
        ]
    legs = []
    for vi, variant in enumerate(group.ab_test.variants):
        at = _epoch(variant.send_at, zone)
        if at < now + VARIANT_LEAD_SECONDS:
            raise ScheduleError(
                f"group {group.name!r} variant {variant.name!r} sends at {_local(at, zone)}: variants must "
                f"be at least 1 hour ahead (not before {_local(now + VARIANT_LEAD_SECONDS, zone)})"
            )
        legs.append(
            Leg(
                key=leg_key(gi, LegKind.VARIANT, vi),
                group=group.name,
                kind=LegKind.VARIANT,
                variant=variant.name,
                send_at=at,
            )
        )
    last = max(leg.send_at for leg in legs)
    earliest = earliest_decision(last, zone)
    decide = group.ab_test.winner.decide_at
    at = earliest if decide is None else _epoch(decide, zone)
    if at < earliest:
        raise ScheduleError(
            f"group {group.name!r}: the winner time {_local(at, zone)} is before 10:00 ({zone.key}) on the "
            f"day after the last variant went out (not before {_local(earliest, zone)})"
        )
    legs.append(
        Leg(key=leg_key(gi, LegKind.WINNER), group=group.name, kind=LegKind.WINNER, send_at=at)
    )
    return legs


def earliest_decision(last_variant_at: int, zone: ZoneInfo) -> int:
    """10:00 (account zone) on the day after the last variant went out."""
    local = datetime.fromtimestamp(last_variant_at, tz=zone)
    next_day = (local + timedelta(days=1)).date()
    at = datetime(next_day.year, next_day.month, next_day.day, WINNER_HOUR, tzinfo=zone)
    return int(at.timestamp())


def reschedule(
    legs: list[Leg],
    *,
    started: set[str],
    to: int,
    only: str | None,
    now: int,
    timezone: str,
    keep_lead: bool = True,
) -> list[Leg]:
    """Legs after `reschedule --at`: one leg, or every unstarted leg moved so the first is at `to`.

    Spacing between legs is kept; winner legs never come before 10:00 the day after their
    group's last variant. `keep_lead` False is `send-now`: variants may go at once.
    """
    waiting = [leg for leg in legs if leg.key not in started and (only is None or leg.key == only)]
    if not waiting:
        raise ScheduleError(
            f"leg {only!r} has already started or does not exist"
            if only
            else "every leg has started"
        )
    tests = [leg for leg in waiting if leg.kind is not LegKind.WINNER] or waiting
    delta = to - min(leg.send_at for leg in tests)
    moved = {leg.key: leg.at(leg.send_at + delta) for leg in waiting}
    zone = ZoneInfo(timezone)
    out = [moved.get(leg.key, leg) for leg in legs]
    for leg in out:
        if leg.key not in moved:
            continue
        if leg.kind is LegKind.VARIANT and keep_lead and leg.send_at < now + VARIANT_LEAD_SECONDS:
            raise ScheduleError(
                f"variant {leg.label} would send at {_local(leg.send_at, zone)}: variants must be at least "
                f"1 hour ahead (not before {_local(now + VARIANT_LEAD_SECONDS, zone)}); send-now skips this"
            )
        if leg.send_at < now - PAST_TOLERANCE_SECONDS:
            raise ScheduleError(
                f"{leg.label} would send at {_local(leg.send_at, zone)}, in the past"
            )
    return [_winner_rule(leg, out, zone, explicit=only == leg.key) for leg in out]


def _winner_rule(leg: Leg, legs: list[Leg], zone: ZoneInfo, *, explicit: bool) -> Leg:
    if leg.kind is not LegKind.WINNER:
        return leg
    last = max(v.send_at for v in legs if v.group == leg.group and v.kind is LegKind.VARIANT)
    earliest = earliest_decision(last, zone)
    if leg.send_at >= earliest:
        return leg
    if explicit:
        raise ScheduleError(
            f"{leg.label}: {_local(leg.send_at, zone)} is before 10:00 ({zone.key}) on the day after the "
            f"last variant went out (not before {_local(earliest, zone)})"
        )
    return leg.at(earliest)


def _local(ts: int, zone: ZoneInfo) -> str:
    """A time in a refusal, as the operator reads it: the account's wall clock with its offset."""
    return datetime.fromtimestamp(ts, zone).isoformat()


def _epoch(value: datetime, zone: ZoneInfo) -> int:
    # A time without an offset is the account's local time, as the operator reads the calendar.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return int(aware.timestamp())
