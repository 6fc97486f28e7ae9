"""The --warp clock: leaps to horizons (the next recall's sweep), holds for blockers and pauses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from wxengage_local.handlers import Activity
from wxengage_local.warp import VirtualClock

START = 1_795_341_600.0  # 2026-11-22T10:00:00Z
DAY = 86400.0


def eventually(check: Callable[[], bool], timeout: float = 20) -> bool:
    """Poll `check` until it holds (a bound on a test that must not hang, not a wall-time claim)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def waiter(vclock: VirtualClock, target: float) -> threading.Thread:
    thread = threading.Thread(target=vclock.wait_until, args=(target,), daemon=True)
    thread.start()
    return thread


def test_the_clock_stops_at_a_horizon_before_a_later_wait_and_moves_on_once_it_is_served() -> None:
    # Given a wait two days ahead, and a horizon (a recall's sweep) one hour ahead
    vclock = VirtualClock(start=START, settle=0.02, activity=Activity())
    pending = {"due": START + 3600}
    vclock.add_horizon(lambda now: pending["due"])
    thread = waiter(vclock, START + 2 * DAY)
    # When the clock is left alone
    # Then it leaps to the horizon, not past it, and stays while the horizon is still due
    assert eventually(lambda: vclock.leaps == 1)
    time.sleep(0.2)
    assert START + 3600 <= vclock() < START + 3600 + 60 and thread.is_alive()
    # When what was due is served (the horizon clears)
    pending["due"] = None  # type: ignore[assignment]
    # Then the clock leaps on to the wait, which returns
    thread.join(timeout=20)
    assert not thread.is_alive() and vclock() >= START + 2 * DAY and vclock.leaps == 2


def test_a_horizon_alone_needs_a_waiter_with_no_target_to_leap() -> None:
    # Given only a horizon an hour ahead and a waiter for nothing in particular (the ticker)
    vclock = VirtualClock(start=START, settle=0.02, activity=Activity())
    vclock.add_horizon(lambda now: START + 3600)
    stop = threading.Event()
    thread = threading.Thread(
        target=vclock.wait_until, args=(float("inf"), stop.is_set), daemon=True
    )
    thread.start()
    # Then the clock leaps to the horizon and no further
    assert eventually(lambda: vclock() >= START + 3600)
    time.sleep(0.2)
    assert vclock() < START + 3600 + 60 and vclock.leaps == 1
    stop.set()
    thread.join(timeout=5)


def test_no_leap_while_a_blocker_says_messages_are_in_flight() -> None:
    # Given a wait an hour ahead and a queue with a message in it
    vclock = VirtualClock(start=START, settle=0.02, activity=Activity())
    busy = threading.Event()
    busy.set()
    vclock.add_blocker(busy.is_set)
    thread = waiter(vclock, START + 3600)
    # Then the clock does not leap while the message is there
    time.sleep(0.3)
    assert vclock.leaps == 0 and vclock() < START + 60
    # When it is delivered, Then the clock leaps
    busy.clear()
    thread.join(timeout=20)
    assert vclock.leaps == 1 and vclock() >= START + 3600


def test_an_unreadable_horizon_holds_the_clock_rather_than_leap_past_it() -> None:
    vclock = VirtualClock(start=START, settle=0.02, activity=Activity())

    def broken(now: float) -> float:
        raise ConnectionError("embedded AWS not answering")

    vclock.add_horizon(broken)
    thread = waiter(vclock, START + 3600)
    time.sleep(0.3)
    assert vclock.leaps == 0 and thread.is_alive()
    vclock.advance(3600)  # let the waiter go
    thread.join(timeout=5)


def test_paused_the_clock_flows_at_wall_speed_and_resume_lets_it_leap() -> None:
    # Given an operator who paused the clock, and a wait a day ahead
    vclock = VirtualClock(start=START, settle=0.02, activity=Activity())
    vclock.pause()
    thread = waiter(vclock, START + DAY)
    # Then nothing leaps while paused
    time.sleep(0.3)
    assert (vclock.paused, vclock.leaps) == (True, 0) and vclock() < START + 60
    assert vclock.next_due() == START + DAY
    # When resumed, Then the wait is reached by a leap
    vclock.resume()
    thread.join(timeout=20)
    assert (vclock.paused, vclock.leaps) == (False, 1) and vclock() >= START + DAY
