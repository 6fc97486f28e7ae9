"""`wxengage local pause|resume|clock` reach the warp clock through the sandbox's control API."""

from __future__ import annotations

from typing import Any

from wxengage_local.handlers import Activity
from wxengage_local.sandbox.protocol import Request
from wxengage_local.sandbox.routes import ROUTES
from wxengage_local.warp import VirtualClock
from wxengage_local.warp_control import PATH, install

START = 1_795_341_600.0


def call(method: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    route = ROUTES[(method, PATH)]
    return route.handler(None, Request(query={}, body=body or {}))  # type: ignore[arg-type]


def test_pause_and_resume_steer_the_clock_and_clock_reports_it() -> None:
    # Given a warped stack's clock with its control routes
    vclock = VirtualClock(start=START, activity=Activity())
    uninstall = install(vclock)
    try:
        # When the operator pauses, Then the clock is paused and says so
        status, answer = call("POST", {"paused": True})
        assert status == 200 and answer["paused"] and vclock.paused
        assert call("GET")[1]["warp"] is True
        # When resumed, Then it may leap again
        status, answer = call("POST", {"paused": False})
        assert status == 200 and not answer["paused"] and not vclock.paused
        # And a body that is not a yes/no is refused, changing nothing
        status, answer = call("POST", {"paused": "yes"})
        assert status == 400 and "paused" in answer["error"] and not vclock.paused
    finally:
        uninstall()
    assert (("GET", PATH) in ROUTES, ("POST", PATH) in ROUTES) == (False, False)


def test_without_warp_pausing_is_refused_with_the_reason() -> None:
    # Given a stack on the wall clock
    uninstall = install(None)
    try:
        # When the operator pauses, Then it is refused, saying why
        status, answer = call("POST", {"paused": True})
        assert status == 409 and "--warp" in answer["error"]
        assert call("GET")[1]["warp"] is False
    finally:
        uninstall()
