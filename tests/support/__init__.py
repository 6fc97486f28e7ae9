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


def cli_output(output: str) -> str:
    """A CLI command's captured output without the Lambdas' log and metric lines.

    The state machine's and the queue pump's Lambdas run in this process, in threads, and print
    one-line JSON records to the same sys.stdout that CliRunner captures; they are not the
    command's, and can land in the middle of its JSON.
    """
    lines = output.splitlines(keepends=True)
    return "".join(x for x in lines if not x.startswith(('{"_aws"', '{"level"')))
