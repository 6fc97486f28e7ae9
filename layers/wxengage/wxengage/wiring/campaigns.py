"""The campaign use cases (create, start, cancel, reschedule, send now, resume) on the real stores."""

from __future__ import annotations

from wxengage.accounts import AccountType
from wxengage.broadcast.operations import Campaigns
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.executions import BroadcastExecutions


class AccountZones:
    """An account's time zone and type, read from its settings (the account must exist)."""

    def __init__(self, settings: Settings) -> None:
        self._accounts = AccountStore(settings)

    def timezone(self, app_id: str) -> str:
        return self._accounts.read_settings(app_id).timezone

    def account_type(self, app_id: str) -> AccountType:
        return self._accounts.read_settings(app_id).type


class LazyExecutions:
    """The state machine's ARN is only needed by actions that start or stop an execution."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def start(self, name: str, app_id: str, campaign_id: str) -> str:
        return BroadcastExecutions(self._settings).start(name, app_id, campaign_id)

    def stop(self, name: str, cause: str) -> None:
        BroadcastExecutions(self._settings).stop(name, cause)


def build_campaigns(settings: Settings) -> Campaigns:
    """The `Campaigns` the CLI and the console (actions, designer) both drive."""
    return Campaigns(CampaignStore(settings), LazyExecutions(settings), AccountZones(settings))
