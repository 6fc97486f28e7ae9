"""What `campaign status` shows: per group, leg and batch the figures, times and every decision."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.readings import undecided
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.significance import wilson
from wxengage.broadcast.state import Campaign, LegState
from wxengage.clock import iso_z


class BatchView(StrEnum):
    """A batch's status as operators read it (the seed's words for sent ones)."""

    PENDING = "pending"  # planned, or waiting to be submitted again under its clientmsgid
    SENDING = "sending"  # WeChat has the job; its result is not in yet
    SUCCEEDED = "succeeded"  # 发送成功
    PARTIALLY_FAILED = "partially_failed"  # 部分发送失败: WeChat sent it, some openids failed
    FAILED = "failed"  # 发送失败: refused, or the job failed
    OFFLINE = "offline"  # sent, then its news page was taken down


# The seed's and the console's words (functions/console/static/i18n.js) for each batch status.
BATCH_ZH = {
    BatchView.PENDING: "待发送",
    BatchView.SENDING: "发送中",
    BatchView.SUCCEEDED: "发送成功",
    BatchView.PARTIALLY_FAILED: "部分发送失败",
    BatchView.FAILED: "发送失败",
    BatchView.OFFLINE: "已删除",
}


class Figures(StrEnum):
    """Where a batch's sent / filtered / errors come from."""

    REPORTED = "reported"  # WeChat's counts (MASSSENDJOBFINISH)
    ESTIMATED = "estimated"  # no counts from WeChat: every openid counted by the status alone
    REFUSED = "refused"  # WeChat refused the call: nobody received it


def batch_status(b: BatchState, *, offline: bool = True) -> BatchView:
    """The batch's status: offline once taken down, else (or with `offline` False: how it was
    sent) what its submission and result say."""
    if offline and b.offline_at is not None:
        return BatchView.OFFLINE
    if b.status is BatchStatus.FAILED:
        return BatchView.FAILED
    if b.status in (BatchStatus.PLANNED, BatchStatus.RETRY):
        return BatchView.PENDING
    if b.result is None:
        return BatchView.SENDING
    if not BatchResult.succeeded(b.result):
        return BatchView.FAILED
    return BatchView.PARTIALLY_FAILED if b.errors > 0 else BatchView.SUCCEEDED


def batch_figures(b: BatchState) -> tuple[Figures | None, str]:
    """Reported, estimated (and why) or refused; None while no result is in."""
    if b.status is BatchStatus.FAILED:
        return Figures.REFUSED, ""
    if b.result is None:
        return None, ""
    if not b.estimated:
        return Figures.REPORTED, ""
    if b.result == BatchResult.NO_MSG_ID:
        return Figures.ESTIMATED, "WeChat answered 45065 without a msg_id: counted as sent to all"
    return Figures.ESTIMATED, f"mass/get said {b.result!r} (no counts): counted for every openid"


def campaign_report(
    c: Campaign, legs: list[LegState], batches: dict[str, list[BatchState]] | None = None
) -> dict[str, Any]:
    """The campaign as plain data (the CLI prints it as text or JSON; the console reads it).

    `batches` (by leg key) adds each leg's batches; without it, legs carry their totals only.
    """
    states = {s.key: s for s in legs}
    groups = []
    for group in c.spec.groups:
        rows = [
            _leg_row(
                leg.key,
                leg.label,
                leg.kind,
                leg.send_at,
                states.get(leg.key),
                None if batches is None else batches.get(leg.key, []),
            )
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
                "reads_not_fetched": reads_not_fetched(legs, group.name),
            }
        )
    return {
        "app_id": c.app_id,
        "campaign_id": c.campaign_id,
        "name": c.spec.name,
        "status": c.status.value,
        "reason": c.reason,
        "failure": c.failure.model_dump() if c.failure else None,  # code, en/zh, what to do
        "execution": c.execution,
        "started_at": _at(c.started_at),
        "seed": c.seed,
        "groups": groups,
    }


def reads_not_fetched(legs: list[LegState], group: str) -> bool:
    """Its variants went out but no decision will fetch their reads (the winner send ended
    first: cancelled, or failed); `campaign results` fetches them."""
    variants = undecided(legs, group)
    winner = [s for s in legs if s.group == group and s.kind is LegKind.WINNER]
    return (
        variants is not None
        and all(v.readers is None for v in variants)
        and all(w.status.done for w in winner)
    )


def _at(ts: int | None) -> str | None:
    return iso_z(ts) if ts is not None else None


def _leg_row(
    key: str,
    label: str,
    kind: LegKind,
    send_at: int,
    state: LegState | None,
    batches: list[BatchState] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "leg": key,
        "label": label,
        "kind": kind.value,
        "send_at": iso_z(send_at),  # planned (moved by reschedule); sent_at is when it went
    }
    if state is None:
        return row | {"status": "queued"}
    rate = state.read_rate
    row |= {
        "status": state.status.value,
        "reason": state.reason,
        "failure": state.failure.model_dump() if state.failure else None,
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
        "started_at": _at(state.started_at),
        "finished_at": _at(state.finished_at),
    }
    if batches is None:
        return row
    submitted = [b.submitted_at for b in batches if b.submitted_at is not None]
    return row | {
        "sent_at": _at(min(submitted)) if submitted else None,
        "offline_batches": sum(b.offline_at is not None for b in batches),
        "batch_details": [batch_row(b) for b in batches],
    }


def batch_row(b: BatchState) -> dict[str, Any]:
    """One batch as status shows it."""
    figures, why = batch_figures(b)
    refused = b.status is BatchStatus.FAILED
    status = batch_status(b)
    return {
        "batch": b.number,
        "clientmsgid": b.clientmsgid,
        "msg_id": b.msg_id,
        "msg_data_id": b.msg_data_id,
        "size": b.size,
        "status": status.value,
        "status_zh": BATCH_ZH[status],
        "sent_status": batch_status(b, offline=False).value,  # before any offline
        "wechat_status": b.result,
        "attempts": b.attempts,
        "duplicate": b.duplicate,
        "submitted_at": _at(b.submitted_at),
        "finished_at": _at(b.finished_at),
        "next_try_at": _at(b.next_try_at) if b.status is BatchStatus.RETRY else None,
        "sent": b.sent,
        "filtered": b.filtered,
        # A refused batch reached nobody: its openids count as errors (as the leg's total does).
        "errors": b.errors + (b.size if refused else 0),
        "figures": figures.value if figures else None,
        "estimated": b.estimated,
        "estimate_reason": why or None,
        "errcode": b.errcode,
        "error": b.error or None,
        "offline_at": _at(b.offline_at),
        "offline_article": b.offline_article,
    }


def _ci(state: LegState) -> list[float] | None:
    ci = wilson(state.readers, state.sent) if state.readers is not None else None
    return [round(ci.low, 6), round(ci.high, 6)] if ci else None
