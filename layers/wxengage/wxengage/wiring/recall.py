"""The recall sender and sweep wired to this deployment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from wxengage.accounts import Account
from wxengage.recall.sender import Sender
from wxengage.recall.sweep import SweepReport, sweep
from wxengage.settings import Settings, get_settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recall_queue import RecallQueue
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore

if TYPE_CHECKING:
    from wxengage.wechat.client import WeChatClient


@cache
def get_sender() -> Sender:
    """The recall sender wired to this deployment."""
    return build_sender(get_settings())


def build_sender(settings: Settings) -> Sender:
    """A sender for explicit settings (the CLI and tests use this too)."""
    return Sender(
        accounts=AccountStore(settings),
        rules=RuleStore(settings),
        followers=FollowerStore(settings),
        recalls=RecallStore(settings),
        stats=StatsStore(settings),
        wechat=lambda account: _client(account, settings),
    )


def run_sweep(settings: Settings, now: int, app_id: str | None = None) -> SweepReport:
    """Sweep every account (the schedule) or one (`wxengage recall sweep --app-id`)."""
    app_ids = [app_id] if app_id else [a.app_id for a in AccountStore(settings).list_settings()]
    return sweep(app_ids, RecallStore(settings), RecallQueue(settings), now)


def _client(account: Account, settings: Settings) -> WeChatClient:
    # Imported on first use: the client pins urllib3's logger (it would log access tokens), and
    # the secrets-in-logs suite checks each function with every library still at DEBUG first.
    from wxengage.wiring.wechat import client_for

    return client_for(account, settings)
