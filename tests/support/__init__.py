"""Helpers shared by the test suites."""

from __future__ import annotations

import sys

_WIRING = {
    "wxengage.wiring.webhook": "get_webhook",
    "wxengage.wiring.recall": "get_sender",
    "wxengage.wiring.broadcast": "get_broadcast",
    "wxengage.wiring.console": "get_console",
}


def reset_services() -> None:
    """Forget every feature's wired services (tests switch settings between cases).

    Only wiring already imported is reset: importing a feature here would load modules (and
    their logger pins) that the function under test never imports in its own Lambda.
    """
    for module, name in _WIRING.items():
        if module in sys.modules:
            getattr(sys.modules[module], name).cache_clear()
