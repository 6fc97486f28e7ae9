"""The console's rule stats carry the holdout's lift per day and over the range (JSON and CSV)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.console.conftest import Call, claims
from tests.support.callbacks import APP_ID
from wxengage.recall.lift import lift
from wxengage.settings import Settings
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore

BASE = f"/console/api/accounts/{APP_ID}"
RULE = {
    "name": "48小时召回",
    "lead_minutes": 30,
    "holdout_percent": 10,
    "content": {"kind": "custom", "replies": [{"type": "text", "text": "好久不见"}]},
}
PATH = f"{BASE}/rules/48小时召回/stats"
QUERY = {"from": "2026-11-20", "to": "2026-11-22"}


def rule_key(stack: Settings) -> str:
    """Stats go by the rule's id, not its name."""
    return RuleStore(stack).get(APP_ID, "48小时召回").stats_key


def test_the_lift_per_day_and_over_the_range(console: Call, stack: Settings) -> None:
    # Given two days with sends and holdouts, and a day with neither
    console("PUT", f"{BASE}/rules", claims("operator"), RULE)
    stats = StatsStore(stack)
    days = {
        "2026-11-20": {"sent": 30, "recalled": 12, "skipped_holdout": 10, "recalled_holdout": 2},
        "2026-11-22": {"sent": 10, "recalled": 5, "skipped_holdout": 5, "recalled_holdout": 1},
    }
    for day, counters in days.items():
        for counter, n in counters.items():
            stats.add(APP_ID, rule_key(stack), day, counter, n)
    # When a viewer reads the range
    body = console("GET", PATH, claims("viewer"), query=QUERY).json()
    # Then each day has its rates, lift and interval, the quiet day none, the range its own
    first, quiet, last = body["lift"]
    assert [first["day"], quiet["day"], last["day"]] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    expected = lift(sent=30, recalled=12, held_out=10, recalled_holdout=2)
    assert (first["rate_sent"], first["rate_held_out"]) == (0.4, 0.2)
    assert (first["lift"], first["low"], first["high"]) == pytest.approx(
        (expected.lift, expected.low, expected.high)
    )
    assert (quiet["lift"], quiet["low"], quiet["rate_sent"]) == (None, None, None)
    total = body["lift_total"]
    assert (total["day"], total["sent"], total["held_out"], total["recalled_holdout"]) == (
        "total",
        40,
        15,
        3,
    )
    assert total["lift"] == pytest.approx(17 / 40 - 3 / 15)
    assert "Newcombe" in total["method"]


def test_the_csv_has_the_lift_columns(console: Call, stack: Settings) -> None:
    console("PUT", f"{BASE}/rules", claims("operator"), RULE)
    for counter, n in (("sent", 4), ("recalled", 2), ("skipped_holdout", 2)):
        StatsStore(stack).add(APP_ID, rule_key(stack), "2026-11-22", counter, n)
    reply = console("GET", PATH, claims("viewer"), query=QUERY | {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert (rows[2]["held_out"], rows[2]["rate_sent"], rows[2]["rate_held_out"]) == (
        "2",
        "0.5",
        "0.0",
    )
    assert float(rows[2]["lift_low"]) < 0.5 < float(rows[2]["lift_high"])
    assert rows[1]["lift"] == ""  # nothing to compare on a quiet day
