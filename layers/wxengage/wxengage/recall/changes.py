"""Rule and account changes reach pending recalls: a delete cancels them, an edit re-plans them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel

from wxengage.accounts import AccountSettings
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import PendingRecall, SkipReason, replanned
from wxengage.recall.ports import Stats
from wxengage.recall.rules import StoredRule

# The sweep runs every minute: a recall re-planned into the past goes out with the next one.
SWEEP_SECONDS = 60


class RulePlans(Protocol):
    """One rule's pending recalls (the store reads them through an index keyed by rule id)."""

    def pending_of_rule(self, app_id: str, rule_id: str) -> Iterable[PendingRecall]:
        """The rule's recalls still pending (not queued, not being sent)."""
        ...

    def cancel(self, recall: PendingRecall, reason: str, now: int) -> bool:
        """pending -> skipped with `reason`; False if it moved on meanwhile."""
        ...

    def move(self, recall: PendingRecall, fresh: PendingRecall, now: int) -> bool:
        """pending at a new due time; False if it moved on meanwhile."""
        ...


class Replan(BaseModel):
    """What re-planning one rule's pending recalls did."""

    pending: int = 0  # read from the rule index
    moved: int = 0
    earlier: int = 0
    later: int = 0
    now_due: int = 0  # of the moved, due already: the next sweep hands them out
    moved_on: int = 0  # queued, sent or re-planned by a new message meanwhile: left alone


def plan_changed(before: StoredRule | None, after: StoredRule) -> bool:
    """Whether an edit changes when the rule's pending recalls are due (lead or quiet hours).

    An audience or content edit does not: tags and content are read again at send time.
    """
    if before is None:
        return False
    old, new = before.rule, after.rule
    return old.lead_minutes != new.lead_minutes or old.quiet_hours != new.quiet_hours


def account_plan_changed(before: AccountSettings, after: AccountSettings) -> bool:
    """Whether new account settings move due times (quiet hours, or the zone they are read in)."""
    return before.quiet_hours != after.quiet_hours or before.timezone != after.timezone


def replan_rule(
    stored: StoredRule, account: AccountSettings, plans: RulePlans, app_id: str, now: int
) -> Replan:
    """Every pending recall of the rule to the due time the rule as it is now gives it."""
    report = Replan()
    for recall in plans.pending_of_rule(app_id, stored.rule_id):
        report.pending += 1
        fresh = replanned(recall, stored, account)
        if fresh.due_at == recall.due_at and fresh.in_quiet_hours == recall.in_quiet_hours:
            continue
        if not plans.move(recall, fresh, now):
            report.moved_on += 1
            continue
        report.moved += 1
        report.earlier += fresh.due_at < recall.due_at
        report.later += fresh.due_at > recall.due_at
        report.now_due += fresh.due_at <= now
    return report


def cancel_rule(
    gone: StoredRule, plans: RulePlans, stats: Stats, app_id: str, day: str, now: int
) -> int:
    """Every pending recall of a deleted rule skipped as rule_deleted (counted under the
    deleted rule's stats, on `day`); returns how many."""
    cancelled = 0
    for recall in plans.pending_of_rule(app_id, gone.rule_id):
        if plans.cancel(recall, SkipReason.RULE_DELETED, now):
            cancelled += 1
    if cancelled:
        stats.add(
            app_id, gone.stats_key, day, StatKey.skipped(SkipReason.RULE_DELETED), cancelled, now
        )
    return cancelled


def next_sweep(now: int) -> int:
    """The start of the minute the next sweep runs in (it runs every minute)."""
    return now - now % SWEEP_SECONDS + SWEEP_SECONDS
