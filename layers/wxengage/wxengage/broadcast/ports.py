"""What the broadcast feature needs from the outside world; wiring/broadcast.py plugs in the stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from wxengage.accounts import Account, AccountType
from wxengage.broadcast.budget import CallBudget
from wxengage.broadcast.state import BatchState, Campaign, LegState
from wxengage.mass_jobs import MassJobResult
from wxengage.wechat.targets import PreviewTarget

Doc = TypeVar("Doc", Campaign, LegState, BatchState)


class WeChatPort(Protocol):
    """What the engine asks of WeChat (the WeChatClient in production)."""

    def followers_page(self, next_openid: str = "") -> tuple[list[str], str]: ...
    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]: ...
    def mass_send(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]: ...
    def mass_sendall(
        self, flt: dict[str, Any], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]: ...
    def mass_status(self, msg_id: int) -> str: ...
    def mass_preview(self, to: PreviewTarget, message: dict[str, Any]) -> None: ...
    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None: ...
    def article_totals(self, day: str) -> list[dict[str, Any]]: ...
    def article_reads(self, day: str) -> list[dict[str, Any]]: ...
    def article_total_details(self, day: str) -> dict[str, Any]: ...


class AccountSource(Protocol):
    """Accounts by app id (AccountNotFoundError when there is none)."""

    def get(self, app_id: str) -> Account: ...


class FollowerSource(Protocol):
    """The followers this engine has seen subscribe (audience_source: store)."""

    def subscribed(self, app_id: str) -> Iterator[str]: ...


class CampaignRecords(Protocol):
    """Campaigns, legs and batches; `save` is conditional on the version read (ConflictError)."""

    def get(self, app_id: str, campaign_id: str) -> Campaign: ...
    def all(self, app_id: str) -> list[Campaign]: ...
    def create(self, doc: Doc) -> bool: ...
    def save(self, doc: Doc) -> Doc: ...
    def leg(self, app_id: str, campaign_id: str, key: str) -> LegState | None: ...
    def legs(self, app_id: str, campaign_id: str) -> list[LegState]: ...
    def batches(self, app_id: str, campaign_id: str, leg: str) -> list[BatchState]: ...


class AudienceLists(Protocol):
    """Named openid lists of a campaign (segments/g<index>, legs/<key>, sends/<key>)."""

    def put(self, app_id: str, campaign_id: str, name: str, openids: list[str]) -> None: ...
    def get(self, app_id: str, campaign_id: str, name: str) -> list[str]: ...
    def exists(self, app_id: str, campaign_id: str, name: str) -> bool: ...


class Ledger(Protocol):
    """Broadcasts received per follower and period; a batch counts once however often retried."""

    def capped(self, period_key: str) -> set[str]: ...
    def record(
        self, period_key: str, openids: list[str], batch_id: str, cap: int, at: int
    ) -> None: ...


class MassJobs(Protocol):
    """MASSSENDJOBFINISH results as the webhook stored them."""

    def get(self, app_id: str, msg_id: int) -> MassJobResult | None: ...


class Executions(Protocol):
    """Starts and stops the broadcast state machine's executions."""

    def start(self, name: str, app_id: str, campaign_id: str) -> str: ...
    def stop(self, name: str, cause: str) -> None: ...


class TimezoneSource(Protocol):
    """An account's timezone and type (the account must exist)."""

    def timezone(self, app_id: str) -> str: ...
    def account_type(self, app_id: str) -> AccountType: ...


@dataclass(frozen=True)
class BroadcastPorts:
    """Everything the engine's tasks read and write, passed once to each of them."""

    accounts: AccountSource
    campaigns: CampaignRecords
    audiences: AudienceLists
    ledger: Ledger
    mass_jobs: MassJobs
    followers: FollowerSource
    wechat: Callable[[Account], WeChatPort]
    # The account's mass-call budget shared by every campaign (None: not counted, tests only).
    budget: CallBudget | None = None
