"""Fires the template's Schedule events locally (moto never fires schedules)."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import FunctionSpec

log = logging.getLogger("wxengage.local.ticker")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
_DAYS = {
    d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
}  # AWS: 1 = Sunday
Invoke = Callable[[FunctionSpec, Any], Any]


class Cron:
    """An EventBridge `cron(min hour day-of-month month day-of-week year)`, in UTC.

    Fields take `*`, `?`, numbers, names, `a-b`, `a,b` and `/step`; not `L`, `W` or `#`.
    """

    def __init__(self, expression: str) -> None:
        m = _CRON.match(expression.strip())
        fields = m.group(1).split() if m else []
        if len(fields) != 6:
            raise ValueError(f"not a 6-field cron(...) expression: {expression!r}")
        minute, hour, dom, month, dow, year = fields
        self.minutes = _field(minute, 0, 59, {})
        self.hours = _field(hour, 0, 23, {})
        self.doms = _field(dom, 1, 31, {})
        self.months = _field(month, 1, 12, _MONTHS)
        self.dows = _field(dow, 1, 7, _DAYS)
        self.years = _field(year, 1970, 2199, {})

    def next_after(self, ts: float) -> float:
        """The first firing strictly after `ts` (epoch seconds)."""
        t = datetime.fromtimestamp(ts, UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = t.replace(hour=0, minute=0)
        for _ in range(366 * 5):  # a few years ahead is enough for any sane schedule
            aws_dow = (day.weekday() + 1) % 7 + 1  # Python: Monday = 0; AWS: Sunday = 1
            if (
                day.year in self.years
                and day.month in self.months
                and day.day in self.doms
                and aws_dow in self.dows
            ):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        fire = day.replace(hour=hour, minute=minute)
                        if fire >= t:
                            return fire.timestamp()
            day += timedelta(days=1)
        raise ValueError("this cron expression does not fire in the next five years")


def _field(text: str, low: int, high: int, names: Mapping[str, int]) -> set[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(base, names)
            end = high if step_text else start  # `0/5` means from 0 every 5
        if not low <= start <= end <= high or step < 1:
            raise ValueError(f"cron field {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: Mapping[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"the local ticker does not support cron value {text!r} (L, W, # ...)")
    return int(text)


def interval_seconds(expression: str) -> int:
    """Seconds between firings of `rate(...)`, or of a cron that fires every N minutes."""
    if m := _RATE.match(expression.strip()):
        return int(m.group(1)) * _UNIT[m.group(2).rstrip("s")]
    cron = Cron(expression)
    minutes = sorted(cron.minutes)
    steps = {b - a for a, b in zip(minutes, [*minutes[1:], minutes[0] + 60], strict=True)}
    if len(steps) == 1 and len(cron.hours) == 24 and len(cron.doms) == 31 and len(cron.dows) == 7:
        return steps.pop() * 60
    raise ValueError(f"{expression!r} does not fire at a fixed interval")


def next_firing(expression: str) -> Callable[[float], float]:
    """`after -> next firing time` for a rate(...) or cron(...) expression."""
    if _RATE.match(expression.strip()):
        every = interval_seconds(expression)
        return lambda after: after + every
    if _CRON.match(expression.strip()):
        return Cron(expression).next_after
    raise ValueError(f"the local ticker supports rate(...) and cron(...), not {expression!r}")


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
                    Job(f, f"{f.logical_id}{name}", expr, f.schedule_inputs.get(name), after)
                )
        self._invoke = invoke or invoke_in_process
        self._clock = clock
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
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="schedule-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop firing; waits for an invocation in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

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
                    when = job.due
                    # Like EventBridge, a late tick does not replay the firings it missed.
                    job.due = job.next_after(max(now, job.due))
                    self._fire(job, when)
            pending = [job.due for job in self.jobs if job.due is not None]
            wait = (min(pending) - self.now()) / self.speed if pending else 1.0
            self._stop.wait(min(max(wait, 0.005), 1.0))

    def _fire(self, job: Job, when: float) -> None:
        try:
            self._invoke(job.function, job.event(when))
            self.fired += 1
        except Exception:
            # A failing schedule must not stop the others (Lambda would just log it too).
            self.failed += 1
            log.exception("scheduled invocation of %s failed", job.function.logical_id)
