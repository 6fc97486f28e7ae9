"""What the CLI says after a rule or setting change: from when it applies, and what it moved."""

from __future__ import annotations

from typing import Any

from wxengage.accounts import AccountSettings
from wxengage.clock import iso_z
from wxengage.store.accounts import AccountStore
from wxengage.wiring.rules import Change
from wxengage_cli.context import CliContext
from wxengage_cli.localtime import Times


def applies(ctx: CliContext, app_id: str, change: Change, utc: bool) -> str:
    """From when a change applies, in the account's zone, and what it did to pending recalls."""
    times = Times(AccountStore(ctx.settings).read_settings(app_id).timezone, utc)
    lines = [
        f"applies from {times.text(change.applies_at)}: the webhook and the sender read it on "
        "their next invocation"
    ]
    for name, replan in change.replans.items():
        lines.append(
            f"re-planned {name}: {replan.moved} of {replan.pending} pending recall(s) moved "
            f"({replan.earlier} earlier, {replan.later} later"
            + (f", {replan.moved_on} moved on meanwhile" if replan.moved_on else "")
            + ")"
            + (
                f"; {replan.now_due} due already go out with the next sweep "
                f"(from {times.text(change.sweep_at)})"
                if replan.now_due
                else ""
            )
        )
    return "\n".join(lines)


def applies_json(change: Change, account: AccountSettings) -> dict[str, Any]:
    """The same for JSON output: UTC, `_local` beside it, and each re-planned rule's counts."""
    return {
        "applies_at": iso_z(change.applies_at),
        "applies_at_local": Times(account.timezone).local(change.applies_at),
        "next_sweep_at_local": Times(account.timezone).local(change.sweep_at),
        "replanned": {name: r.model_dump() for name, r in change.replans.items()},
    }
