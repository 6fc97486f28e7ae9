"""The broadcast article data as a table: per leg (group or A/B variant) what `campaign status`
reports, for a CSV an operator opens in Excel (the console's download)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Excel reads a CSV as the system's code page unless it starts with a UTF-8 byte order mark.
BOM = "\ufeff"
COLUMNS = (
    "group",
    "leg",
    "label",
    "kind",
    "status",
    "msg_data_id",
    "sent_at",
    "sent",
    "filtered",
    "errors",
    "readers",
    "read_rate",
    "ci95_low",
    "ci95_high",
    "figures",
    "reads",
    "offline_batches",
)


def local_time(iso: str | None, timezone: str) -> str:
    """An ISO UTC time from the report in the account's zone, as a spreadsheet reads it."""
    if not iso:
        return ""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def reads_state(leg: dict[str, Any], decided: bool, not_fetched: bool) -> str:
    """Where the leg's readers come from, or why there are none yet."""
    if leg.get("readers") is not None:
        return "decision" if decided and leg["kind"] == "variant" else "fetched"
    if leg["kind"] != "variant":
        return "not measured"  # only A/B variants' reads are fetched (the decision needs them)
    if not_fetched:
        return "not fetched"  # `campaign results` (the console's results) fetches them
    return "waiting" if leg.get("sent") else ""


def _figures(leg: dict[str, Any]) -> str:
    found = [b["figures"] for b in leg.get("batch_details", []) if b.get("figures")]
    return "+".join(dict.fromkeys(found))


def _number(value: object) -> str:
    return "" if value is None else str(value)


def article_rows(report: dict[str, Any], timezone: str) -> list[dict[str, str]]:
    """One row per leg of `campaign_report(c, legs, batches)` (batches included)."""
    rows = []
    for group in report["groups"]:
        decided = group.get("decision") is not None
        for leg in group["legs"]:
            ci = leg.get("read_rate_ci95") or [None, None]
            ids = [
                str(b["msg_data_id"]) for b in leg.get("batch_details", []) if b.get("msg_data_id")
            ]
            rows.append(
                {
                    "group": group["name"],
                    "leg": leg["leg"],
                    "label": leg["label"],
                    "kind": leg["kind"],
                    "status": leg["status"],
                    "msg_data_id": " ".join(dict.fromkeys(ids)),
                    "sent_at": local_time(leg.get("sent_at"), timezone),
                    "sent": _number(leg.get("sent")),
                    "filtered": _number(leg.get("filtered")),
                    "errors": _number(leg.get("errors")),
                    "readers": _number(leg.get("readers")),
                    "read_rate": _number(leg.get("read_rate")),
                    "ci95_low": _number(ci[0]),
                    "ci95_high": _number(ci[1]),
                    "figures": _figures(leg),
                    "reads": reads_state(leg, decided, bool(group.get("reads_not_fetched"))),
                    "offline_batches": _number(leg.get("offline_batches")),
                }
            )
    return rows


def to_csv(rows: list[dict[str, str]], timezone: str) -> str:
    """The rows as CSV text with a BOM; the time column names the zone its times are in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"sent_at ({timezone})" if c == "sent_at" else c for c in COLUMNS])
    for row in rows:
        writer.writerow([_safe(row[c]) for c in COLUMNS])
    return BOM + out.getvalue()


def _safe(value: str) -> str:
    """A cell Excel will not run as a formula (names are the operator's own text)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
