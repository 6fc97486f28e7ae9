"""The broadcast engine wired to this deployment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from wxengage.accounts import Account
from wxengage.broadcast.engine import Broadcast
from wxengage.settings import Settings, get_settings
from wxengage.store.accounts import AccountStore
from wxengage.store.audiences import AudienceStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.followers import FollowerStore
from wxengage.store.ledger import BroadcastLedger
from wxengage.store.mass_budget import MassBudgetStore
from wxengage.store.mass_jobs import MassJobStore

if TYPE_CHECKING:
    from wxengage.wechat.client import WeChatClient


@cache
def get_broadcast() -> Broadcast:
    """The broadcast engine wired to this deployment."""
    return build_broadcast(get_settings())


def build_broadcast(settings: Settings) -> Broadcast:
    """A broadcast engine for explicit settings (the CLI and tests use this too)."""
    return Broadcast(
        accounts=AccountStore(settings),
        campaigns=CampaignStore(settings),
        audiences=AudienceStore(settings),
        ledger=BroadcastLedger(settings),
        mass_jobs=MassJobStore(settings),
        followers=FollowerStore(settings),
        wechat=lambda account: _client(account, settings),
        budget=MassBudgetStore(settings),
    )


def _client(account: Account, settings: Settings) -> WeChatClient:
    # Imported on first use: the client pins urllib3's logger (it would log access tokens), and
    # the secrets-in-logs suite checks each function with every library still at DEBUG first.
    from wxengage.wiring.wechat import client_for

    return client_for(account, settings)
