"""Rule identity and what an edit or a delete does to pending recalls, on in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from wxengage.accounts import AccountSettings, QuietHours
from wxengage.recall.changes import (
    account_plan_changed,
    cancel_rule,
    next_sweep,
    plan_changed,
    replan_rule,
)
from wxengage.recall.planning import PendingRecall, replanned
from wxengage.recall.rule_ids import legacy_rule_id, names_by_key, new_rule_id, rule_key
from wxengage.recall.rules import STORED, RecallRule, StoredRule

APP = "wx0123456789abcdef"
ACCOUNT = AccountSettings(app_id=APP)
H48 = 48 * 3600


def stored(
    lead: int = 30, rule_id: str = "r-1", updated_at: int = 0, **extra: object
) -> StoredRule:
    data = {
        "name": "r",
        "lead_minutes": lead,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "x"}]},
    } | extra
    return StoredRule(
        rule=RecallRule.model_validate(data), rule_id=rule_id, created_at=0, updated_at=updated_at
    )


def pending(openid: str, opened: int, lead: int = 30, rule_id: str = "r-1") -> PendingRecall:
    closes = opened + H48
    return PendingRecall(
        app_id=APP,
        openid=openid,
        rule="r",
        rule_id=rule_id,
        window_opened_at=opened,
        window_closes_at=closes,
        due_at=closes - lead * 60,
    )


@dataclass
class FakePlans:
    recalls: list[PendingRecall] = field(default_factory=list)
    moved_on: set[str] = field(default_factory=set)
    moves: list[tuple[PendingRecall, PendingRecall]] = field(default_factory=list)
    cancelled: list[tuple[str, str]] = field(default_factory=list)

    def pending_of_rule(self, app_id: str, rule_id: str) -> Iterable[PendingRecall]:
        return [r for r in self.recalls if r.app_id == app_id and r.rule_id == rule_id]

    def cancel(self, recall: PendingRecall, reason: str, now: int) -> bool:
        if recall.openid in self.moved_on:
            return False
        self.cancelled.append((recall.openid, reason))
        return True

    def move(self, recall: PendingRecall, fresh: PendingRecall, now: int) -> bool:
        if recall.openid in self.moved_on:
            return False
        self.moves.append((recall, fresh))
        return True


@dataclass
class FakeStats:
    added: list[tuple[str, str, str, int]] = field(default_factory=list)

    def add(self, app_id: str, rule: str, day: str, counter: str, n: int = 1, now: int = 0) -> None:
        self.added.append((rule, day, counter, n))


def test_new_ids_are_ascii_and_never_repeat() -> None:
    ids = {new_rule_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(i.isascii() and i.startswith("r-") for i in ids)
    assert rule_key("r-abc") == "r-abc"


@pytest.mark.parametrize("name", ["r1", "48小时召回", "a#b"])
def test_a_legacy_rule_id_is_ascii_and_leads_back_to_its_name(name: str) -> None:
    # A rule stored before ids: its recalls and stats were filed under its name
    rule_id = legacy_rule_id(name)
    assert rule_id.isascii() and rule_key(rule_id) == name


def test_a_rule_read_back_without_an_id_gets_its_legacy_id() -> None:
    rule = stored().rule
    legacy = StoredRule.model_validate(
        {"rule": rule.model_dump(), "created_at": 1, "updated_at": 2}, context=STORED
    )
    assert legacy.rule_id == legacy_rule_id("r") and legacy.stats_key == "r"
    old_recall = PendingRecall.model_validate(
        pending("o", 0).model_dump(exclude={"rule_id"}) | {"rule": "r"}
    )
    assert old_recall.rule_id == legacy.rule_id and old_recall.recall_id == "o#r"


def test_only_lead_and_quiet_hours_edits_re_plan() -> None:
    before = stored(lead=30)
    assert plan_changed(before, stored(lead=60))
    assert plan_changed(before, stored(quiet_hours={"start": "22:00", "end": "08:00"}))
    assert not plan_changed(before, stored(include_tags=[100]))
    assert not plan_changed(None, before)
    quiet = QuietHours(start="22:00", end="08:00")
    assert account_plan_changed(ACCOUNT, AccountSettings(app_id=APP, quiet_hours=quiet))
    assert account_plan_changed(ACCOUNT, AccountSettings(app_id=APP, timezone="UTC"))
    assert not account_plan_changed(ACCOUNT, AccountSettings(app_id=APP, freshness_seconds=60))


def test_a_re_plan_moves_each_pending_recall_to_the_new_lead() -> None:
    # Given three pending recalls under lead 30, one of which moved on meanwhile
    plans = FakePlans(
        recalls=[pending("o-a", 0), pending("o-b", 3600), pending("o-c", 7200)],
        moved_on={"o-c"},
    )
    # When the lead becomes 2850 minutes (30 minutes after each message), at 1 hour in
    report = replan_rule(stored(lead=2850), ACCOUNT, plans, APP, now=3600)
    # Then each recall is due 30 minutes after its window opened; the first is due already
    assert [fresh.due_at for _, fresh in plans.moves] == [1800, 5400]
    assert (report.pending, report.moved, report.earlier, report.now_due) == (3, 2, 2, 1)
    assert report.moved_on == 1


def test_an_unchanged_due_time_is_not_rewritten() -> None:
    plans = FakePlans(recalls=[pending("o-a", 0)])
    report = replan_rule(stored(lead=30), ACCOUNT, plans, APP, now=0)
    assert plans.moves == [] and (report.pending, report.moved) == (1, 0)


def test_another_rules_recalls_are_left_alone() -> None:
    plans = FakePlans(recalls=[pending("o-a", 0, rule_id="r-other")])
    assert replan_rule(stored(lead=60), ACCOUNT, plans, APP, now=0).pending == 0


def test_replanned_keeps_the_window_and_identity() -> None:
    recall = pending("o-a", 0)
    fresh = replanned(recall, stored(lead=60), ACCOUNT)
    assert fresh.due_at == H48 - 3600 and fresh.recall_id == recall.recall_id
    assert fresh.window_opened_at == 0 and fresh.rule_id == "r-1"


def test_a_delete_cancels_each_pending_recall_and_counts_them_once() -> None:
    plans = FakePlans(
        recalls=[pending("o-a", 0), pending("o-b", 0), pending("o-c", 0)], moved_on={"o-c"}
    )
    stats = FakeStats()
    cancelled = cancel_rule(stored(), plans, stats, APP, "2026-11-22", now=10)
    assert cancelled == 2 and plans.cancelled == [("o-a", "rule_deleted"), ("o-b", "rule_deleted")]
    assert stats.added == [("r-1", "2026-11-22", "skipped_rule_deleted", 2)]


def test_nothing_to_cancel_counts_nothing() -> None:
    stats = FakeStats()
    assert cancel_rule(stored(), FakePlans(), stats, APP, "2026-11-22", now=10) == 0
    assert stats.added == []


def test_the_next_sweep_starts_at_the_next_minute() -> None:
    assert next_sweep(120) == 180 and next_sweep(179) == 180


def test_rule_keys_read_back_as_the_names_operators_know() -> None:
    # Given a live rule and a deleted one, and a legacy rule (its key is its name)
    live = stored(rule_id="r-live", name="48小时召回")
    gone = stored(rule_id="r-gone", name="旧规则")
    legacy = stored(rule_id=legacy_rule_id("old"), name="old")
    # When the keys are named / Then live rules by name, deleted ones marked, legacy by name
    assert names_by_key([live, legacy], [gone]) == {
        "r-live": "48小时召回",
        "r-gone": "旧规则 [deleted]",
        "old": "old",
    }
