"""Fires the template's Schedule events locally (moto never fires schedules)."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxengage import clock
from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import FunctionSpec

log = logging.getLogger("wxengage.local.ticker")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON_EVERY = re.compile(r"^cron\((?:0/(\d+)|\*)\s+\*\s+\*\s+\*\s+\?\s+\*\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def interval_seconds(expression: str) -> int:
    """Seconds between firings of `rate(...)` or an every-N-minutes `cron(...)` expression."""
    expr = expression.strip()
    if m := _RATE.match(expr):
        return int(m.group(1)) * _UNIT[m.group(2)]
    if m := _CRON_EVERY.match(expr):
        return int(m.group(1) or 1) * 60
    raise ValueError(
        f"the local ticker supports rate(...) and every-N-minutes cron(...), not {expression!r}"
    )


def scheduled_event(rule: str) -> dict[str, Any]:
    """The EventBridge 'Scheduled Event' a Lambda target receives."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": clock.iso_z(clock.now_ts()),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }


@dataclass
class _Job:
    function: FunctionSpec
    rule: str
    every: float
    due: float


class Ticker:
    """One background thread; `speed` 60 turns a minute into a second."""

    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        speed: float = 1.0,
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any] | None = None,
    ) -> None:
        start = time.monotonic()
        self.jobs = [
            _Job(
                f,
                f"{f.logical_id}-{name}",
                interval_seconds(expr) / speed,
                start + interval_seconds(expr) / speed,
            )
            for f in functions.values()
            for name, expr in f.schedules
        ]
        self._invoke = invoke or invoke_in_process
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def start(self) -> None:
        """Start firing in a daemon thread (nothing to do without schedules)."""
        if self.jobs:
            self._thread = threading.Thread(target=self._run, name="schedule-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop firing; waits for a running invocation to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def tick_now(self) -> int:
        """Fire every schedule once, now; returns how many fired."""
        for job in self.jobs:
            self._fire(job)
        return len(self.jobs)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if now >= job.due:
                    job.due = now + job.every
                    self._fire(job)
            next_due = min(job.due for job in self.jobs)
            self._stop.wait(max(0.01, next_due - time.monotonic()))

    def _fire(self, job: _Job) -> None:
        try:
            self._invoke(job.function, scheduled_event(job.rule))
            self.fired += 1
        except Exception:
            # A failing schedule must not stop the others (Lambda would just log it too).
            log.exception("scheduled invocation of %s failed", job.function.logical_id)
