"""The console wired to this deployment's stores (the console feature never imports the store)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from wxengage.console.api import build_api
from wxengage.console.ports import ConsoleStores
from wxengage.settings import Settings, get_settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.cognito import CognitoSignIn
from wxengage.store.follower_recalls import FollowerRecalls
from wxengage.store.follower_tags import FollowerTagStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.stats import StatsStore
from wxengage.wiring.campaigns import build_campaigns
from wxengage.wiring.rules import RuleChanges


def console_stores(settings: Settings) -> ConsoleStores:
    """The real stores behind the console's ports."""
    return ConsoleStores(
        accounts=AccountStore(settings),
        # Edits through the console re-plan pending recalls as the CLI's do (wiring/rules.py).
        rules=RuleChanges(settings),
        stats=StatsStore(settings),
        checkpoints=RecallStore(settings),
        campaigns=CampaignStore(settings),
        followers=FollowerStore(settings),
        follower_recalls=FollowerRecalls(settings),
    )


def build_console(settings: Settings, static_dir: Path | None = None) -> APIGatewayHttpResolver:
    """The console API for explicit settings (tests and the bench use this too)."""
    client_id = os.environ.get("WXENGAGE_CONSOLE_CLIENT_ID", "")
    signin = CognitoSignIn(client_id) if client_id else None
    return build_api(
        console_stores(settings),
        static_dir=static_dir,
        signin=signin,
        catalog=CatalogStore(settings),
        campaign_actions=build_campaigns(settings),
        follower_tags=FollowerTagStore(settings),
    )


@cache
def get_console(static_dir: Path | None = None) -> APIGatewayHttpResolver:
    """The console of this deployment, built once per process."""
    return build_console(get_settings(), static_dir)
