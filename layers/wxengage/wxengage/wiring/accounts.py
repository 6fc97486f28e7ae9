"""Account writes wired to the stores, for the CLI and the console alike (one path, one set of checks)."""

from __future__ import annotations

from wxengage.account_edits import SettingsEdit, apply_edit, plan_changes
from wxengage.accounts import Account, AccountSettings
from wxengage.console.ports import SettingsApplied
from wxengage.recall.rules import check_plan_fits
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.rules import RuleStore
from wxengage.wiring.rules import Change, RuleChanges


class AccountChanges:
    """`accounts add` and `accounts set`: validated before anything is written."""

    def __init__(self, settings: Settings) -> None:
        self.store = AccountStore(settings)
        self._rules = RuleStore(settings)
        self._changes = RuleChanges(settings)

    def enabled_rules(self, app_id: str) -> list[str]:
        """Names of the account's enabled rules (they outlive a removed account)."""
        return [r.rule.name for r in self._rules.all(app_id) if r.rule.enabled]

    def add(self, account: Account, *, replace: bool = False) -> None:
        """Register an account; registering it again must not bypass the plan's cap."""
        check_plan_fits(account.settings.plan, self.enabled_rules(account.settings.app_id))
        self.store.put(account, replace=replace)

    def update(self, app_id: str, edit: SettingsEdit) -> tuple[AccountSettings, Change]:
        """Apply `edit`; a new zone or quiet hours re-plan the rules' pending recalls."""
        before = self.store.read_settings(app_id)
        updated = apply_edit(before, edit)
        if plan_changes(edit):  # a downgrade must not leave more rules enabled than it allows
            check_plan_fits(updated.plan, self.enabled_rules(app_id))
        self.store.update_settings(updated)
        return updated, self._changes.settings_changed(before, updated)


class ConsoleAccountAdmin:
    """The console's AccountAdminPort: the same AccountChanges the CLI uses."""

    def __init__(self, settings: Settings) -> None:
        self._changes = AccountChanges(settings)

    def update(self, app_id: str, edit: SettingsEdit) -> SettingsApplied:
        """`accounts set`, answering from when it applies and what moved."""
        updated, change = self._changes.update(app_id, edit)
        return SettingsApplied(
            settings=updated,
            applies_at=change.applies_at,
            next_sweep_at=change.sweep_at,
            replanned={name: r.moved for name, r in change.replans.items()},
        )

    def add(self, account: Account) -> None:
        """`accounts add` (never replacing: an existing account answers 409)."""
        self._changes.add(account)
