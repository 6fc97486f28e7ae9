"""The one clock: every 'now' in wxengage comes from here so tests and the local stack can move time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], float] = time.time


def now_ts() -> float:
    """Seconds since the epoch, from the current time source."""
    return _source()


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.fromtimestamp(_source(), tz=UTC)


def set_source(source: Callable[[], float] | None) -> None:
    """Replace the time source (None restores the system clock)."""
    global _source
    _source = source if source is not None else time.time


def iso_z(ts: float | int) -> str:
    """Render epoch seconds as UTC `YYYY-MM-DDTHH:MM:SSZ` (the form Step Functions and the CLI use)."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
