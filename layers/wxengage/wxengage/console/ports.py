"""What the console reads and writes, as ports; wiring/console.py hands it the real stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wxengage.account_edits import SettingsEdit
from wxengage.accounts import Account, AccountSettings, Plan
from wxengage.broadcast.batch import BatchState
from wxengage.broadcast.state import Campaign, LegState
from wxengage.console.users import ConsoleUser, NewUser, PasswordReset, RoleName, UserCreated
from wxengage.recall.holds import RecallHold
from wxengage.recall.planning import PendingRecall
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.windows import FollowerState


class AccountsPort(Protocol):
    """The accounts' settings."""

    def list_settings(self) -> list[AccountSettings]: ...
    def read_settings(self, app_id: str) -> AccountSettings: ...


class RulesPort(Protocol):
    """Recall rules; the plan cap is checked on create and enable."""

    def all(self, app_id: str) -> list[StoredRule]: ...
    def get(self, app_id: str, name: str) -> StoredRule: ...
    def deleted(self, app_id: str) -> list[StoredRule]: ...
    def by_id(self, app_id: str, rule_id: str) -> StoredRule: ...
    def put(self, app_id: str, rule: RecallRule, plan: Plan) -> tuple[StoredRule, bool]: ...
    def set_enabled(self, app_id: str, name: str, enabled: bool, plan: Plan) -> StoredRule: ...


class StatsPort(Protocol):
    """Recall counters per account, rule and day (account time zone)."""

    def day(self, app_id: str, rule: str, day: str) -> dict[str, int]: ...


class CheckpointPort(Protocol):
    """How far the recall sweep got for an account."""

    def checkpoint(self, app_id: str) -> int | None: ...

    def hold(self, app_id: str) -> RecallHold | None: ...


class CampaignsPort(Protocol):
    """Campaigns and their legs."""

    def all(self, app_id: str) -> list[Campaign]: ...
    def get(self, app_id: str, campaign_id: str) -> Campaign: ...
    def legs(self, app_id: str, campaign_id: str) -> list[LegState]: ...
    def batches(self, app_id: str, campaign_id: str, leg: str) -> list[BatchState]: ...


class FollowersPort(Protocol):
    """Followers' windows."""

    def get(self, app_id: str, openid: str) -> FollowerState | None: ...


class FollowerRecallsPort(Protocol):
    """A follower's recalls still to come, soonest due first."""

    def open_of(self, app_id: str, openid: str) -> list[PendingRecall]: ...


class ConsoleUsersPort(Protocol):
    """The user pool's users (Cognito; the local stack's pool in moto)."""

    def all(self) -> list[ConsoleUser]: ...
    def get(self, username: str) -> ConsoleUser: ...
    def create(self, user: NewUser) -> UserCreated: ...
    def set_role(self, username: str, role: RoleName) -> None: ...
    def set_accounts(self, username: str, accounts: list[str]) -> None: ...
    def set_enabled(self, username: str, enabled: bool) -> None: ...
    def delete(self, username: str) -> None: ...
    def reset_password(self, username: str) -> PasswordReset: ...


class AccountAdminPort(Protocol):
    """Account writes through the same path as `wxengage accounts add` / `set`."""

    def update(self, app_id: str, edit: SettingsEdit) -> SettingsApplied: ...
    def add(self, account: Account) -> None: ...


@dataclass(frozen=True)
class SettingsApplied:
    """Settings after an edit, from when they apply, and how many pending recalls moved per rule."""

    settings: AccountSettings
    applies_at: int
    next_sweep_at: int
    replanned: dict[str, int]


@dataclass(frozen=True)
class ConsoleStores:
    """Everything the console's API needs, wired once per process."""

    accounts: AccountsPort
    rules: RulesPort
    stats: StatsPort
    checkpoints: CheckpointPort
    campaigns: CampaignsPort
    followers: FollowersPort
    follower_recalls: FollowerRecallsPort
    # Admin pages: users of the pool and account writes (absent: those routes are not served).
    users: ConsoleUsersPort | None = None
    account_admin: AccountAdminPort | None = None
