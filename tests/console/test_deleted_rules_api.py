"""Deleted rules in the console: listed on request (read-only, marked), read and counted by id."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.recall.rules import RecallRule
from wxengage.settings import Settings
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.wiring.rules import RuleChanges

BASE = f"/console/api/accounts/{APP_ID}"
RULE = {
    "name": "48小时召回",
    "lead_minutes": 30,
    "content": {"kind": "custom", "replies": [{"type": "text", "text": "好久不见"}]},
}


def deleted_then_recreated(stack: Settings, clock: FakeClock) -> tuple[str, str]:
    """The rule counted a day, deleted an hour later, then re-created under the same name;
    returns (deleted id, live id)."""
    changes = RuleChanges(stack)
    first = changes.put_rule(APP_ID, RecallRule.model_validate(RULE)).stored
    assert first is not None
    StatsStore(stack).add(APP_ID, first.stats_key, "2026-11-22", "sent", 4)
    clock.advance(3600)
    changes.delete(APP_ID, RULE["name"])
    second = changes.put_rule(APP_ID, RecallRule.model_validate(RULE)).stored
    assert second is not None
    return first.rule_id, second.rule_id


def test_the_list_shows_deleted_rules_only_on_request(
    console: Call, stack: Settings, fake_clock: FakeClock
) -> None:
    gone, live = deleted_then_recreated(stack, fake_clock)
    viewer = claims("viewer")
    # When the list is read without, then with, include_deleted
    plain = console("GET", f"{BASE}/rules", viewer).json()
    full = console("GET", f"{BASE}/rules", viewer, query={"include_deleted": "true"}).json()
    # Then the plain list holds the live rule; the full one the deleted rule too, marked so
    assert [(r["rule_id"], r["deleted_at"]) for r in plain["rules"]] == [(live, None)]
    rows = [(r["rule_id"], r["deleted_at"], r["rule"]["name"]) for r in full["rules"]]
    assert rows == [(live, None, "48小时召回"), (gone, 1_795_341_600 + 3600, "48小时召回")]
    # And the deleted rule does not count against the plan's cap
    assert full["enabled"] == plain["enabled"] == 1


def test_a_deleted_rule_and_its_stats_read_by_id(
    console: Call, stack: Settings, fake_clock: FakeClock
) -> None:
    gone, live = deleted_then_recreated(stack, fake_clock)
    viewer = claims("viewer")
    # When the deleted rule and its stats are read by id
    shown = console("GET", f"{BASE}/rules/by-id/{gone}", viewer).json()
    query = {"from": "2026-11-22", "to": "2026-11-22"}
    stats = console("GET", f"{BASE}/rules/by-id/{gone}/stats", viewer, query=query).json()
    by_name = console("GET", f"{BASE}/rules/48小时召回/stats", viewer, query=query).json()
    # Then they are the deleted rule's: its deletion time, its own count (not the new rule's)
    assert (shown["rule_id"], shown["deleted_at"]) == (gone, 1_795_341_600 + 3600)
    assert (stats["rule_id"], stats["deleted_at"], stats["total"]["sent"]) == (
        gone,
        shown["deleted_at"],
        4,
    )
    assert (by_name["rule_id"], by_name["deleted_at"], by_name["total"]["sent"]) == (live, None, 0)
    # And the CSV by id is the same rule's
    csv = console(
        "GET", f"{BASE}/rules/by-id/{gone}/stats", viewer, query=query | {"format": "csv"}
    )
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")


def test_a_deleted_rule_cannot_be_switched_and_an_unknown_id_is_404(
    console: Call, stack: Settings, fake_clock: FakeClock
) -> None:
    gone, _ = deleted_then_recreated(stack, fake_clock)
    operator = claims("operator")
    before = RuleStore(stack).by_id(APP_ID, gone)
    # When an operator tries to enable it by its id (there is no such route) or reads a bad id
    switched = console("POST", f"{BASE}/rules/by-id/{gone}/enable", operator)
    unknown = console("GET", f"{BASE}/rules/by-id/r-nope/stats", operator)
    # Then nothing changed and the unknown id is 404
    assert switched.status in (404, 405)
    assert unknown.status == 404
    assert RuleStore(stack).by_id(APP_ID, gone) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), (claims("viewer", accounts=OTHER_APP_ID), 403), (claims("viewer"), 200)],
)
@pytest.mark.parametrize("tail", ["", "/stats"])
def test_who_may_read_by_id(
    console: Call,
    stack: Settings,
    fake_clock: FakeClock,
    who: dict[str, Any] | None,
    status: int,
    tail: str,
) -> None:
    gone, _ = deleted_then_recreated(stack, fake_clock)
    assert console("GET", f"{BASE}/rules/by-id/{gone}{tail}", who).status == status
    listed = console("GET", f"{BASE}/rules", who, query={"include_deleted": "true"})
    assert listed.status == status
