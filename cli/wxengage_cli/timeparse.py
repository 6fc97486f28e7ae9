"""Parsing the CLI's time options: `--at 2026-11-20T08:00:00Z` or `--ago 47h30m`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import click

from wxengage import clock

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """'1d2h3m4s' style durations in seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise click.BadParameter(f"{text!r} is not a duration like 47h, 30m or 1d2h")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def parse_instant(text: str) -> int:
    """An ISO-8601 instant with a zone (Z or +08:00) in epoch seconds."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO-8601 time like 2026-11-20T08:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no time zone: add Z or an offset like +08:00")
    return int(value.astimezone(UTC).timestamp())


def backdated(at: str | None, ago: str | None) -> int | None:
    """The CreateTime asked for by --at/--ago, or None for now."""
    if at and ago:
        raise click.UsageError("give --at or --ago, not both")
    if at:
        return parse_instant(at)
    if ago:
        return int(clock.now_ts()) - parse_duration(ago)
    return None
