"""What `campaign status` shows: per group and leg, the figures and every decision with its reason."""

from __future__ import annotations

from typing import Any

from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.significance import wilson
from wxengage.broadcast.state import Campaign, LegState
from wxengage.clock import iso_z


def campaign_report(c: Campaign, legs: list[LegState]) -> dict[str, Any]:
    """The campaign as plain data (the CLI prints it as text or JSON)."""
    states = {s.key: s for s in legs}
    groups = []
    for group in c.spec.groups:
        rows = [
            _leg_row(leg.key, leg.label, leg.kind, leg.send_at, states.get(leg.key))
            for leg in c.legs
            if leg.group == group.name
        ]
        winner = next(
            (
                states[leg.key].decision
                for leg in c.legs
                if leg.group == group.name and leg.kind is LegKind.WINNER and leg.key in states
            ),
            None,
        )
        report = c.groups.get(group.name)
        groups.append(
            {
                "name": group.name,
                "audience": group.audience.describe(),
                "segment": report.model_dump() if report else None,
                "legs": rows,
                "decision": winner.model_dump() if winner else None,
            }
        )
    return {
        "app_id": c.app_id,
        "campaign_id": c.campaign_id,
        "name": c.spec.name,
        "status": c.status.value,
        "reason": c.reason,
        "execution": c.execution,
        "started_at": iso_z(c.started_at) if c.started_at else None,
        "seed": c.seed,
        "groups": groups,
    }


def _leg_row(
    key: str, label: str, kind: LegKind, send_at: int, state: LegState | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "leg": key,
        "label": label,
        "kind": kind.value,
        "send_at": iso_z(send_at),
    }
    if state is None:
        return row | {"status": "queued"}
    rate = state.read_rate
    return row | {
        "status": state.status.value,
        "reason": state.reason,
        "audience": state.audience,
        "capped": state.capped,
        "batches": state.batches,
        "failed_batches": state.failed_batches,
        "sent": state.sent,
        "filtered": state.filtered,
        "errors": state.errors,
        "estimated_batches": state.estimated,
        "readers": state.readers,
        "read_rate": round(rate, 6) if rate is not None else None,
        # h-stats: the rate's 95 % Wilson interval; the winner's lift is in the decision.
        "read_rate_ci95": _ci(state),
    }


def _ci(state: LegState) -> list[float] | None:
    ci = wilson(state.readers, state.sent) if state.readers is not None else None
    return [round(ci.low, 6), round(ci.high, 6)] if ci else None
