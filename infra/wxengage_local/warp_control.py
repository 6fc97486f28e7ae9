"""`wxengage local pause|resume|clock`: the warp clock steered through the sandbox's control API."""

from __future__ import annotations

from collections.abc import Callable

from wxengage import clock
from wxengage_local.sandbox.core import WeChatSandbox
from wxengage_local.sandbox.protocol import Answer, Request, refuse
from wxengage_local.sandbox.routes import ROUTES, Route
from wxengage_local.warp import VirtualClock

PATH = "/_sandbox/warp"


def status(warp: VirtualClock | None) -> dict[str, object]:
    """What `wxengage local clock` prints."""
    now = clock.now_ts()
    if warp is None:
        return {"warp": False, "paused": False, "now": now, "iso": clock.iso_z(now)}
    due = warp.next_due()
    return {
        "warp": True,
        "paused": warp.paused,
        "now": now,
        "iso": clock.iso_z(now),
        "leaps": warp.leaps,
        "next_due": clock.iso_z(due) if due is not None else None,
    }


def install(warp: VirtualClock | None) -> Callable[[], None]:
    """Serve GET/POST /_sandbox/warp on the sandbox; returns `uninstall`."""

    def show(sandbox: WeChatSandbox, req: Request) -> Answer:
        return 200, status(warp)

    def steer(sandbox: WeChatSandbox, req: Request) -> Answer:
        paused = req.body.get("paused")
        if not isinstance(paused, bool):
            return refuse(400, 'send {"paused": true} or {"paused": false}')
        if warp is None:
            return refuse(
                409,
                "this local stack runs without --warp: its clock is the wall clock and never leaps",
            )
        if paused:
            warp.pause()
        else:
            warp.resume()
        return 200, status(warp)

    routes = {("GET", PATH): Route(show, token=False), ("POST", PATH): Route(steer, token=False)}
    ROUTES.update(routes)

    def uninstall() -> None:
        for key in routes:
            ROUTES.pop(key, None)

    return uninstall
