"""One clock for the local stack: the engine, the sandbox and the state machine's Wait states.

moto's Wait states compare timestamps with the machine's local time and really sleep. Here
they wait on wxengage's clock instead, so `--warp` (a virtual clock that leaps to the next
wait whenever nothing is running) turns a two-day A/B campaign into seconds, and waits are
right whatever the machine's time zone (the patch itself: moto_patches.install_clock_waits).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from wxengage import clock
from wxengage_local.handlers import ACTIVITY, Activity

# A waiter gets the target time and a "has the execution stopped?" check: moto only pulses its
# program_state_event (set, then clear at once), so the execution's state is what to look at.
Waiter = Callable[[float, Callable[[], bool] | None], None]


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
        self.leaps = 0

    def __call__(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (tests, `sandbox` controls)."""
        with self._lock:
            self._offset += max(0.0, seconds)
            self._lock.notify_all()

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
        """Return once the clock reaches `target`, leaping there if nothing else is going on."""
        with self._lock:
            self._waiting.append(target)
        try:
            while True:
                now = self()
                if now >= target or (stopped is not None and stopped()):
                    return
                with self._lock:
                    # Only the earliest waiter leaps, and only when no handler has run for a
                    # moment: work in flight finishes at the time it started.
                    if (
                        not self._holds
                        and target <= min(self._waiting)
                        and self._activity.idle_for() >= self._settle
                    ):
                        self._offset += target - now
                        self.leaps += 1
                        self._lock.notify_all()
                        continue
                    self._lock.wait(timeout=min(0.05, target - now))
        finally:
            with self._lock:
                self._waiting.remove(target)
                self._lock.notify_all()


def wait_on_clock(target: float, stopped: Callable[[], bool] | None = None) -> None:
    """Wait for the one clock to reach `target` (the system clock unless a test or --warp set it)."""
    while True:
        left = target - clock.now_ts()
        if left <= 0 or (stopped is not None and stopped()):
            return
        time.sleep(min(left, 0.25))
