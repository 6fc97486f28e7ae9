"""moto's Step Functions on the one clock: Wait states and Retry intervals wait on it, and
every other state counts as activity (so a --warp clock never leaps mid-task).

Private parts of the pinned moto 5.2.5 (moto_patches.check_version guards the version);
canary tests: tests/local/test_retry_on_clock.py and the broadcast suite's Wait states.
"""

from __future__ import annotations

import calendar
import threading
from collections.abc import Callable
from typing import Any

from wxengage import clock
from wxengage_local.handlers import ACTIVITY
from wxengage_local.warp import Waiter, wait_on_clock

_installed: list[Waiter] = []
# How many counted states this thread is inside (a Retry steps out of its own state's count).
_counted = threading.local()
# States that only wait (for time, or for their branches) are not work in progress.
_WAITING_STATES = {"StateWait", "StateMap", "StateParallel"}


def _count_states_as_activity() -> None:
    """Every other state counts as activity while it runs: the warp clock never leaps between a
    task deciding to send and the send (once; private moto API, pinned, covered by the tests)."""
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

    if getattr(CommonStateField, "_wxengage_counted", False):
        return
    original = CommonStateField._eval_body

    def _eval_body(self: Any, env: Any) -> None:
        if type(self).__name__ in _WAITING_STATES:
            return original(self, env)
        _counted.depth = getattr(_counted, "depth", 0) + 1
        try:
            with ACTIVITY:
                return original(self, env)
        finally:
            _counted.depth -= 1

    CommonStateField._eval_body = _eval_body  # type: ignore[method-assign]
    CommonStateField._wxengage_counted = True  # type: ignore[attr-defined]


def _retry_on_clock() -> Callable[[], None]:
    """A Retry's interval (IntervalSeconds, BackoffRate, MaxDelaySeconds, jitter) waits on the
    installed waiter instead of time.sleep; returns `undo`.

    A copy of `RetrierDecl._eval_body` (private, pinned moto 5.2.5) with only the sleep replaced.
    The retrying Task counts as activity; while it waits it does not, so a warp clock can leap
    over an outage's backoff as it leaps over a Wait state.
    """
    from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import (
        MaxAttemptsOutcome,
    )
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_decl import RetrierDecl
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import (
        RetrierOutcome,
    )

    original = RetrierDecl._eval_body

    def _eval_body(self: Any, env: Any) -> None:
        self.error_equals.eval(env)
        if not env.stack.pop():
            env.stack.append(RetrierOutcome.Skipped)
            return
        self.max_attempts.eval(env=env)
        if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
            env.stack.append(RetrierOutcome.Failed)
            return
        self.interval_seconds.eval(env=env)
        self.backoff_rate.eval(env=env)
        self.max_delay_seconds.eval(env=env)
        self.jitter_strategy.eval(env=env)
        interval: float = env.stack.pop()
        counted = getattr(_counted, "depth", 0) > 0  # a Task's retry, not a Map's
        if counted:
            ACTIVITY.__exit__()
        try:
            _installed[-1](clock.now_ts() + interval, lambda: not env.is_running())
        finally:
            if counted:
                ACTIVITY.__enter__()
        env.stack.append(RetrierOutcome.Executed)

    RetrierDecl._eval_body = _eval_body  # type: ignore[method-assign]

    def undo() -> None:
        RetrierDecl._eval_body = original  # type: ignore[method-assign]

    return undo


_undo_retry: list[Callable[[], None]] = []


def install_clock_waits(waiter: Waiter = wait_on_clock) -> Callable[[], None]:
    """Make moto's Wait states and Retry intervals wait on `waiter`; returns `uninstall`.

    Patches `WaitFunction._eval_body` and `RetrierDecl._eval_body` (private, pinned moto;
    canary tests cover them).
    """
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import (
        Timestamp,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    if not _installed:
        _count_states_as_activity()
        original = WaitFunction._eval_body

        def _eval_body(self: Any, env: Any) -> None:
            if isinstance(self, Timestamp):
                self.string.eval(env=env)
                text = env.stack.pop()
                parsed = Timestamp._from_timestamp_string(text)
                if parsed is None:
                    return original(self, env)  # moto reports the bad timestamp
                target = float(calendar.timegm(parsed.timetuple()))
            else:
                target = clock.now_ts() + self._get_wait_seconds(env=env)
            _installed[-1](target, lambda: not env.is_running())
            return None

        WaitFunction._eval_body = _eval_body  # type: ignore[method-assign]
        WaitFunction._wxengage_original = original  # type: ignore[attr-defined]
        _undo_retry.append(_retry_on_clock())
    _installed.append(waiter)

    def uninstall() -> None:
        if waiter in _installed:
            _installed.remove(waiter)
        if not _installed and hasattr(WaitFunction, "_wxengage_original"):
            WaitFunction._eval_body = WaitFunction._wxengage_original  # type: ignore[method-assign]
            del WaitFunction._wxengage_original
            while _undo_retry:
                _undo_retry.pop()()

    return uninstall
