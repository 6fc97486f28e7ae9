"""One clock for the local stack: the engine, the sandbox, the schedules and the state machine.

moto's Wait states and Retry intervals compare timestamps with the machine's local time and
really sleep. Here they wait on wxengage's clock instead, so `--warp` (a virtual clock that
leaps to the next thing due whenever nothing is running) turns a two-day A/B campaign or a
recall due in two days into seconds, and waits are right whatever the machine's time zone (the
patches: moto_patches.install_clock_waits). What is due comes from the waiters (Wait states,
retries) and from horizons (the ticker: the next sweep with a recall due); blockers (a queue
with messages) hold the clock still; an operator can pause leaps (`wxengage local pause`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from wxengage import clock
from wxengage_local.handlers import ACTIVITY, Activity

# A waiter gets the target time and a "has the execution stopped?" check: moto only pulses its
# program_state_event (set, then clear at once), so the execution's state is what to look at.
Waiter = Callable[[float, Callable[[], bool] | None], None]
# Given now, the earliest time something will be due (None: nothing known); may do I/O.
Horizon = Callable[[float], float | None]
# True while something is in flight that must finish at the time it started (a queue's messages).
Blocker = Callable[[], bool]


class VirtualClock:
    """Time that flows like the wall clock, and leaps to the earliest wait when all is quiet."""

    def __init__(
        self, start: float | None = None, *, settle: float = 0.1, activity: Activity = ACTIVITY
    ) -> None:
        self._offset = (time.time() if start is None else start) - time.monotonic()
        self._settle = settle
        self._activity = activity
        self._lock = threading.Condition()
        self._waiting: list[float] = []
        self._holds = 0
        self._paused = False
        self._horizons: list[Horizon] = []
        self._blockers: list[Blocker] = []
        self._last_leap = 0.0
        # (activity stamp, clock offset, when read, times): horizons read the embedded AWS, so
        # they are read again only once something ran, the clock moved or a moment passed.
        self._horizon_cache: tuple[float, float, float, list[float]] | None = None
        self.leaps = 0

    def __call__(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (tests, `sandbox` controls)."""
        with self._lock:
            self._offset += max(0.0, seconds)
            self._lock.notify_all()

    def add_horizon(self, horizon: Horizon) -> None:
        """Also leap to (never past) what `horizon` says is due next."""
        self._horizons.append(horizon)

    def add_blocker(self, blocker: Blocker) -> None:
        """Never leap while `blocker` says something is in flight."""
        self._blockers.append(blocker)

    def pause(self) -> None:
        """An operator's hold: no leaps, time flows at wall-clock speed until resume()."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        """Leap again whenever all is quiet."""
        with self._lock:
            self._paused = False
            self._lock.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    def next_due(self) -> float | None:
        """The earliest wait or horizon after now (None: nothing waits)."""
        now = self()
        with self._lock:
            candidates = [t for t in self._waiting if t > now and math.isfinite(t)]
        candidates += [h for h in self._horizon_times(now) if h > now]
        return min(candidates) if candidates else None

    def _horizon_times(self, now: float) -> list[float]:
        stamp, offset = self._activity.last_change, self._offset
        cached = self._horizon_cache
        if (
            cached is not None
            and cached[:2] == (stamp, offset)
            and time.monotonic() - cached[2] < 1
        ):
            return cached[3]
        times = []
        for horizon in list(self._horizons):
            try:
                found = horizon(now)
            except Exception:
                # An unreadable horizon must not leap past what it guards: stay put.
                found = now
            if found is not None:
                times.append(found)
        self._horizon_cache = (stamp, offset, time.monotonic(), times)
        return times

    @contextmanager
    def held(self) -> Iterator[None]:
        """No leaps while held: time flows at wall-clock speed (an operator acting mid-wait)."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                self._lock.notify_all()

    def wait_until(self, target: float, stopped: Callable[[], bool] | None = None) -> None:
        """Return once the clock reaches `target`, leaping if nothing else is going on.

        A leap goes to the earliest of every waiter's target and every horizon, so any waiter
        may make it; math.inf waits for nothing in particular (the ticker, between ticks).
        """
        with self._lock:
            self._waiting.append(target)
        try:
            while True:
                now = self()
                if now >= target or (stopped is not None and stopped()):
                    return
                # Read outside the lock: horizons and blockers may ask the embedded AWS.
                if self._may_leap() and not self._blocked():
                    to = min([min(list(self._waiting)), *self._horizon_times(now)])
                    with self._lock:
                        if self._may_leap() and math.isfinite(to) and to > self():
                            self._offset += to - self()
                            self.leaps += 1
                            self._last_leap = time.monotonic()
                            self._lock.notify_all()
                            continue
                with self._lock:
                    self._lock.wait(timeout=min(0.05, target - now))
        finally:
            with self._lock:
                self._waiting.remove(target)
                self._lock.notify_all()

    def _blocked(self) -> bool:
        for blocker in list(self._blockers):
            try:
                if blocker():
                    return True
            except Exception:
                return True  # cannot tell: do not leap
        return False

    def _may_leap(self) -> bool:
        # Only when no handler has run for a moment, nor has the clock just leapt: work in
        # flight, or woken by the last leap, finishes at the time it started.
        return (
            not self._holds
            and not self._paused
            and self._activity.idle_for() >= self._settle
            and time.monotonic() - self._last_leap >= self._settle
        )


def wait_on_clock(target: float, stopped: Callable[[], bool] | None = None) -> None:
    """Wait for the one clock to reach `target` (the system clock unless a test or --warp set it)."""
    while True:
        left = target - clock.now_ts()
        if left <= 0 or (stopped is not None and stopped()):
            return
        time.sleep(min(left, 0.25))
