"""`campaign status` as text: legs with planned and actual times, batches, estimates flagged."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from wxengage_cli.localtime import Times

ESTIMATED = "~"  # before a figure WeChat did not report (see the footnote it brings)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two (names are in any language)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Rows under a header, each column as wide as its widest cell (times vary: `--utc`, seconds)."""
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    return [line(header)] + [line(r) for r in rows]


def reason_text(reason: Any) -> str:
    """A stored reason as one line, whatever its shape (a sentence, or code / message / action)."""
    if not reason:
        return ""
    if isinstance(reason, dict):
        parts = [str(reason[k]) for k in ("code", "message") if reason.get(k) not in (None, "")]
        action = reason.get("action") or reason.get("what_to_do")
        text = ": ".join(parts) or ", ".join(f"{k}={v}" for k, v in reason.items())
        return f"{text} (what to do: {action})" if action else text
    return str(reason)


def _count(value: Any, estimated: bool) -> str:
    text = "-" if value is None else str(value)
    return ESTIMATED + text if estimated and value is not None else text


def _rate(leg: dict[str, Any]) -> str:
    rate = leg.get("read_rate")
    return "-" if rate is None else f"{rate * 100:.2f}%"


def status_lines(report: dict[str, Any], times: Times) -> list[str]:
    """The whole report as text, times in the account's zone (or UTC)."""
    out = [
        f"campaign {report['campaign_id']} {report['name']!r}: {report['status']}"
        + (f" - {reason_text(report['reason'])}" if report.get("reason") else "")
    ]
    if report.get("started_at"):
        out.append(f"  started {times.text_of(report['started_at'])}")
    if report.get("seed") is not None:
        out.append(f"  sampling seed {report['seed']}")
    for group in report["groups"]:
        out += _group_lines(group, times, report["app_id"], report["campaign_id"])
    return out


def _group_lines(group: dict[str, Any], times: Times, app_id: str, campaign_id: str) -> list[str]:
    seg = group["segment"]
    size = (
        f", audience {seg['audience']} (matched {seg['resolved']}, "
        f"{seg['overlap_removed']} in earlier groups)"
        if seg
        else ""
    )
    out = [f"group {group['name']} [{group['audience']}]{size}"]
    header = ["LEG", "NAME", "PLANNED", "SENT AT", "STATUS", "SENT", "FILTERED", "CAPPED"]
    header += ["ERRORS", "READERS", "RATE"]
    rows, notes = [], []
    for leg in group["legs"]:
        est = bool(leg.get("estimated_batches"))
        rows.append(
            [
                leg["leg"],
                leg["label"],
                times.text_of(leg["send_at"]),
                times.text_of(leg.get("sent_at")),
                leg["status"],
                _count(leg.get("sent", 0), est),
                _count(leg.get("filtered", 0), est),
                str(leg.get("capped", 0)),
                _count(leg.get("errors", 0), est),
                _count(leg.get("readers"), False),
                _rate(leg),
            ]
        )
        notes.append(_leg_notes(leg, times))
    lines = table(header, rows, right=set(range(5, 11)))
    out.append("  " + lines[0])
    for line, leg_notes in zip(lines[1:], notes, strict=True):
        out.append("  " + line)
        out += [f"        {n}" for n in leg_notes]
    out += _decision_lines(group["decision"])
    if group.get("reads_not_fetched"):
        out.append(
            "  read rates: not fetched (the winner send ended before its decision); fetch and "
            f"keep them with: wxengage campaign results --app-id {app_id} --campaign {campaign_id}"
        )
    out += _batch_lines(group["legs"], times)
    return out


def _leg_notes(leg: dict[str, Any], times: Times) -> list[str]:
    notes = []
    if leg.get("reason"):
        notes.append(reason_text(leg["reason"]))
    if leg.get("estimated_batches"):
        notes.append(
            f"{ESTIMATED} estimated: {leg['estimated_batches']} of {leg.get('batches', 0)} "
            "batches without WeChat's counts (every openid counted by the job's status)"
        )
    offline = leg.get("offline_batches")
    if offline:
        at = [b["offline_at"] for b in leg.get("batch_details", []) if b.get("offline_at")]
        notes.append(
            f"offline: {offline} of {len(leg['batch_details'])} batches taken down"
            f" (news page deleted {times.text_of(min(at))})"
        )
    return notes


def _decision_lines(decision: dict[str, Any] | None) -> list[str]:
    if not decision:
        return []
    p = decision["p_value"]
    return [
        f"  winner: {decision['winner'] or 'none'}; sent to the rest: "
        f"{decision['send'] or 'nothing'}; p-value: {'-' if p is None else f'{p:.4f}'}",
        f"  why: {reason_text(decision['reason'])}",
    ]


def _batch_lines(legs: list[dict[str, Any]], times: Times) -> list[str]:
    header = ["LEG", "#", "CLIENTMSGID", "MSG_ID", "STATUS", "SUBMITTED", "FINISHED"]
    header += ["SENT", "FILTERED", "ERRORS", "FIGURES"]
    rows, notes = [], []
    for leg in legs:
        for b in leg.get("batch_details") or []:
            est = b.get("figures") == "estimated"
            rows.append(
                [
                    leg["leg"],
                    str(b["batch"]),
                    b["clientmsgid"],
                    "-" if b["msg_id"] is None else str(b["msg_id"]),
                    b["status"],
                    times.text_of(b["submitted_at"]),
                    times.text_of(b["finished_at"]),
                    _count(b["sent"], est),
                    _count(b["filtered"], est),
                    _count(b["errors"], est),
                    b.get("figures") or "-",
                ]
            )
            notes.append(_batch_notes(b, times))
    if not rows:
        return []
    lines = table(header, rows, right={1, 3, 7, 8, 9})
    out = ["  batches:", "    " + lines[0]]
    for line, batch_notes in zip(lines[1:], notes, strict=True):
        out.append("    " + line)
        out += [f"          {n}" for n in batch_notes]
    return out


def _batch_notes(b: dict[str, Any], times: Times) -> list[str]:
    notes = []
    if b.get("next_try_at"):
        notes.append(f"next try {times.text_of(b['next_try_at'])} (attempt {b['attempts'] + 1})")
    if b.get("error"):
        code = f"errcode {b['errcode']}: " if b.get("errcode") is not None else ""
        notes.append(code + reason_text(b["error"]))
    elif b.get("wechat_status") and b["status"] == "failed":
        notes.append(f"WeChat reported {b['wechat_status']!r}")
    if b.get("estimate_reason"):
        notes.append(f"{ESTIMATED} {b['estimate_reason']}")
    if b.get("offline_at"):
        what = "whole news" if not b.get("offline_article") else f"article {b['offline_article']}"
        notes.append(
            f"offline since {times.text_of(b['offline_at'])} ({what}); it had been sent: "
            f"{b['sent_status']}"
        )
    return notes
