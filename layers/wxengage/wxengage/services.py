"""The process-wide service objects, built once per Lambda container from the one settings model.

Each builder imports what it needs itself, so one function's cold start never pays for another's.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from wxengage.settings import Settings, get_settings

if TYPE_CHECKING:
    from wxengage.domain.broadcast import Broadcast
    from wxengage.domain.callbacks import Webhook
    from wxengage.domain.recall_sender import Sender
    from wxengage.domain.recall_sweep import SweepReport


@cache
def get_webhook() -> Webhook:
    """The Webhook wired to this deployment's tables and secrets."""
    from wxengage.domain.callbacks import Webhook

    return Webhook(get_settings())


@cache
def get_sender() -> Sender:
    """The recall sender wired to this deployment."""
    return build_sender(get_settings())


def build_sender(settings: Settings) -> Sender:
    """A sender for explicit settings (the CLI and tests use this too)."""
    from wxengage.domain.recall_sender import Sender
    from wxengage.store.accounts import AccountStore
    from wxengage.store.followers import FollowerStore
    from wxengage.store.recalls import RecallStore
    from wxengage.store.rules import RuleStore
    from wxengage.store.stats import StatsStore
    from wxengage.wechat.client import client_for

    return Sender(
        accounts=AccountStore(settings),
        rules=RuleStore(settings),
        followers=FollowerStore(settings),
        recalls=RecallStore(settings),
        stats=StatsStore(settings),
        wechat=lambda account: client_for(account, settings),
    )


@cache
def get_broadcast() -> Broadcast:
    """The broadcast engine wired to this deployment."""
    return build_broadcast(get_settings())


def build_broadcast(settings: Settings) -> Broadcast:
    """A broadcast engine for explicit settings (the CLI and tests use this too)."""
    from wxengage.domain.broadcast import Broadcast
    from wxengage.store.accounts import AccountStore
    from wxengage.store.audiences import AudienceStore
    from wxengage.store.campaigns import CampaignStore
    from wxengage.store.followers import FollowerStore
    from wxengage.store.ledger import BroadcastLedger
    from wxengage.store.mass_jobs import MassJobStore
    from wxengage.wechat.client import client_for

    return Broadcast(
        accounts=AccountStore(settings),
        campaigns=CampaignStore(settings),
        audiences=AudienceStore(settings),
        ledger=BroadcastLedger(settings),
        mass_jobs=MassJobStore(settings),
        followers=FollowerStore(settings),
        wechat=lambda account: client_for(account, settings),
    )


def run_sweep(settings: Settings, now: int, app_id: str | None = None) -> SweepReport:
    """Sweep every account (the schedule) or one (`wxengage recall sweep --app-id`)."""
    from wxengage.domain.recall_sweep import sweep
    from wxengage.store.accounts import AccountStore
    from wxengage.store.recall_queue import RecallQueue
    from wxengage.store.recalls import RecallStore

    app_ids = [app_id] if app_id else [a.app_id for a in AccountStore(settings).list_settings()]
    return sweep(app_ids, RecallStore(settings), RecallQueue(settings), now)


def reset_services() -> None:
    """Forget built services (tests switch settings between cases)."""
    get_webhook.cache_clear()
    get_sender.cache_clear()
    get_broadcast.cache_clear()
