"""Fires the template's Schedule events locally (moto never fires schedules).

Under --warp the ticker also steers the virtual clock: between ticks it waits on that clock,
and a job with a probe (the recall sweep: when is the next recall due?) tells the clock the
first tick worth leaping to, so a recall due in two days is swept two virtual days later, in
a moment. Jobs without a probe do not hold leaps back; after a leap they fire once, as
EventBridge does after missed firings.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import FunctionSpec
from wxengage_local.warp import Horizon, VirtualClock

log = logging.getLogger("wxengage.local.ticker")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}
Invoke = Callable[[FunctionSpec, Any], Any]


def interval_seconds(expression: str) -> int:
    """Seconds between firings of a `rate(...)` expression."""
    if m := _RATE.match(expression.strip()):
        return int(m.group(1)) * _UNIT[m.group(2).rstrip("s")]
    # The template schedules with rate(...) only; EventBridge's cron(...) is not emulated.
    raise ValueError(f"the local ticker supports rate(...) only, not {expression!r}")


def next_firing(expression: str) -> Callable[[float], float]:
    """`after -> next firing time` for a rate(...) expression."""
    every = interval_seconds(expression)
    return lambda after: after + every


def scheduled_event(
    rule: str, when: float | None = None, region: str = "us-east-1"
) -> dict[str, Any]:
    """The EventBridge 'Scheduled Event' a Lambda target receives."""
    stamp = datetime.fromtimestamp(time.time() if when is None else when, UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{rule}"],
        "detail": {},
    }


@dataclass
class Job:
    """One schedule of one function; `due` is in the ticker's (sped-up) time, None = never."""

    function: FunctionSpec
    rule: str
    expression: str
    input: str | None
    next_after: Callable[[float], float] | None
    due: float | None = None
    # When does firing this job next do something? (None: no probe, or nothing pending.)
    probe: Horizon | None = None

    def first_tick_from(self, at: float) -> float | None:
        """The first tick of this job's grid at or after `at`."""
        if self.due is None or self.next_after is None:
            return None
        every = self.next_after(0.0)
        if at <= self.due:
            return self.due
        return self.due + math.ceil((at - self.due) / every) * every

    def event(self, when: float) -> Any:
        # EventBridge sends a target's constant Input instead of the Scheduled Event.
        return (
            json.loads(self.input) if self.input is not None else scheduled_event(self.rule, when)
        )


class Ticker:
    """One background thread firing every schedule; `speed` 60 turns a minute into a second."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        speed: float = 1.0,
        invoke: Invoke | None = None,
        clock: Callable[[], float] = time.time,
        warp: VirtualClock | None = None,
        probes: Mapping[str, Horizon] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.jobs: list[Job] = []
        for f in functions.values():
            for name, expr in f.schedules:
                try:
                    after: Callable[[float], float] | None = next_firing(expr)
                except ValueError as err:
                    # One odd schedule must not keep the stack down; tick_now() still fires it.
                    log.warning("%s.%s will not fire by itself: %s", f.logical_id, name, err)
                    after = None
                self.jobs.append(
                    Job(
                        f,
                        f"{f.logical_id}{name}",
                        expr,
                        f.schedule_inputs.get(name),
                        after,
                        probe=(probes or {}).get(f.logical_id),
                    )
                )
        self._invoke = invoke or invoke_in_process
        self._clock = clock
        self._warp = warp if speed == 1 else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._origin = (clock(), time.monotonic())
        self.fired = 0
        self.failed = 0

    def now(self) -> float:
        """The ticker's time: the clock itself, or with --speed, the clock at start run faster."""
        if self.speed == 1:
            return self._clock()  # follows a --warp clock's leaps
        wall, mono = self._origin
        return wall + (time.monotonic() - mono) * self.speed

    def start(self) -> None:
        """Start firing in a daemon thread (nothing to do without schedules)."""
        self._origin = (self._clock(), time.monotonic())
        now = self.now()
        for job in self.jobs:
            job.due = job.next_after(now) if job.next_after else None
        if any(job.due is not None for job in self.jobs):
            if self._warp is not None:
                self._warp.add_horizon(self.horizon)
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="schedule-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop firing; waits for an invocation in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def horizon(self, now: float) -> float | None:
        """The first tick at which a probed job has something due (for the warp clock)."""
        ticks = []
        for job in self.jobs:
            if job.probe is None:
                continue
            found = job.probe(now)
            if found is not None and (tick := job.first_tick_from(found)) is not None:
                ticks.append(tick)
        return min(ticks) if ticks else None

    def tick_now(self) -> int:
        """Fire every schedule once, now, in the calling thread; returns how many fired."""
        for job in self.jobs:
            self._fire(job, self.now())
        return len(self.jobs)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = self.now()
            for job in self.jobs:
                if job.due is not None and job.next_after is not None and now >= job.due:
                    # Like EventBridge, a late tick (an outage, a leap) does not replay the
                    # firings it missed: it fires once, as the latest of them, and the schedule
                    # stays on its grid.
                    when = job.due
                    while job.next_after(when) <= now:
                        when = job.next_after(when)
                    job.due = job.next_after(when)
                    self._fire(job, when)
            pending = [job.due for job in self.jobs if job.due is not None]
            if self._warp is not None and pending:
                grid = min(pending)
                # Wait on the virtual clock for nothing in particular: the clock may leap to a
                # horizon (ours included) or another waiter, and we wake at the next tick.
                self._warp.wait_until(math.inf, self._tick_or_stop(grid))
                continue
            wait = (min(pending) - self.now()) / self.speed if pending else 1.0
            self._stop.wait(min(max(wait, 0.005), 1.0))

    def _tick_or_stop(self, grid: float) -> Callable[[], bool]:
        return lambda: self._stop.is_set() or self.now() >= grid

    def _fire(self, job: Job, when: float) -> None:
        try:
            self._invoke(job.function, job.event(when))
            self.fired += 1
        except Exception:
            # A failing schedule must not stop the others (Lambda would just log it too).
            self.failed += 1
            log.exception("scheduled invocation of %s failed", job.function.logical_id)
