"""Rule and account-setting changes wired to the stores: each one reaches the pending recalls."""

from __future__ import annotations

from dataclasses import dataclass, field

from wxengage import clock
from wxengage.accounts import AccountSettings, Plan
from wxengage.recall.changes import (
    Replan,
    account_plan_changed,
    cancel_rule,
    next_sweep,
    plan_changed,
    replan_rule,
)
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.recall_plans import RulePlans
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore


@dataclass(frozen=True)
class Change:
    """What one change did and from when it applies.

    `applies_at`: the webhook and the sender read rules and settings afresh on their next
    invocation after it (store/rules.py, store/accounts.py). `sweep_at`: recalls it made due
    already go out with the sweep starting in that minute.
    """

    stored: StoredRule | None
    applies_at: int
    sweep_at: int
    created: bool = False
    replans: dict[str, Replan] = field(default_factory=dict)  # by rule name
    cancelled: int = 0


class RuleChanges:
    """The rules port for the CLI and the console: every write reaches pending recalls."""

    def __init__(self, settings: Settings) -> None:
        self.store = RuleStore(settings)
        self._accounts = AccountStore(settings)
        self._plans = RulePlans(settings)
        self._stats = StatsStore(settings)

    def all(self, app_id: str) -> list[StoredRule]:
        """Every live rule of the account."""
        return self.store.all(app_id)

    def get(self, app_id: str, name: str) -> StoredRule:
        """One live rule by name."""
        return self.store.get(app_id, name)

    def deleted(self, app_id: str) -> list[StoredRule]:
        """What each deleted rule was (its history stays readable by id)."""
        return self.store.deleted(app_id)

    def by_id(self, app_id: str, rule_id: str) -> StoredRule:
        """A live or deleted rule by its id."""
        return self.store.by_id(app_id, rule_id)

    def put(self, app_id: str, rule: RecallRule, plan: Plan) -> tuple[StoredRule, bool]:
        """The console's port: create or replace, re-planning on an edit of the due time."""
        change = self.put_rule(app_id, rule)
        assert change.stored is not None
        return change.stored, change.created

    def set_enabled(self, app_id: str, name: str, enabled: bool, plan: Plan) -> StoredRule:
        """Enable or disable (a disabled rule's pending recalls are skipped when due)."""
        change = self.switch(app_id, name, enabled)
        assert change.stored is not None
        return change.stored

    def put_rule(self, app_id: str, rule: RecallRule) -> Change:
        """Create or replace by name; an edited lead or quiet hours re-plans pending recalls."""
        account = self._accounts.read_settings(app_id)
        before = next((r for r in self.store.all(app_id) if r.rule.name == rule.name), None)
        stored, created = self.store.put(app_id, rule, account.plan)
        now = int(clock.now_ts())
        replans = {}
        if plan_changed(before, stored):
            replans[rule.name] = replan_rule(stored, account, self._plans, app_id, now)
        return Change(stored, stored.updated_at, next_sweep(now), created, replans)

    def switch(self, app_id: str, name: str, enabled: bool) -> Change:
        """Enable or disable one rule (the plan cap applies on enable)."""
        plan = self._accounts.read_settings(app_id).plan
        stored = self.store.set_enabled(app_id, name, enabled, plan)
        return Change(stored, stored.updated_at, next_sweep(int(clock.now_ts())))

    def delete(self, app_id: str, name: str) -> Change:
        """Delete: pending recalls cancelled (skipped rule_deleted), history kept by id."""
        account = self._accounts.read_settings(app_id)
        gone = self.store.delete(app_id, name)
        now = int(clock.now_ts())
        day = local_day(now, account.timezone)
        cancelled = cancel_rule(gone, self._plans, self._stats, app_id, day, now)
        return Change(gone, gone.deleted_at or now, next_sweep(now), cancelled=cancelled)

    def settings_changed(self, before: AccountSettings, after: AccountSettings) -> Change:
        """After `accounts set`: new quiet hours or zone re-plan the rules that use them."""
        now = int(clock.now_ts())
        replans = {}
        if account_plan_changed(before, after):
            for stored in self.store.all(after.app_id):
                # A rule with its own quiet hours still reads them in the account's zone.
                if stored.rule.quiet_hours is None or before.timezone != after.timezone:
                    replans[stored.rule.name] = replan_rule(
                        stored, after, self._plans, after.app_id, now
                    )
        return Change(None, now, next_sweep(now), replans=replans)
