"""Read routes: me, accounts, an account's overview, campaigns and followers."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from wxengage.broadcast.report import campaign_report
from wxengage.console.api import API, NotFoundError, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.health import account_health, in_flight
from wxengage.console.models import (
    AccountSummary,
    CampaignList,
    CampaignView,
    FollowerView,
    Me,
    Overview,
)
from wxengage.console.ports import ConsoleStores
from wxengage.console.views import account_summary, campaign_row, campaign_view, follower_view
from wxengage.recall.rule_ids import names_by_key


def register(app: APIGatewayHttpResolver, stores: ConsoleStores, now: Callable[[], float]) -> None:
    """Add the read routes to `app`."""

    def granted(app_id: str) -> str:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(Role.VIEWER)
        caller.require_account(app_id)
        return app_id

    @app.get(f"{API}/me", summary="The signed-in user: role and granted accounts")
    def me() -> Me:
        caller = current_caller(app)
        return Me(
            username=caller.username,
            email=caller.email,
            role=caller.role.name.lower() if caller.role else None,
            accounts=sorted(caller.accounts),
            can_write=caller.role is not None and caller.role >= Role.OPERATOR,
        )

    @app.get(f"{API}/accounts", summary="The accounts granted to the caller")
    def accounts() -> list[AccountSummary]:
        caller = current_caller(app)
        caller.require(Role.VIEWER)
        return [
            account_summary(s) for s in stores.accounts.list_settings() if caller.may_see(s.app_id)
        ]

    @app.get(
        f"{API}/accounts/<app_id>/overview", summary="Health, today's funnel, campaigns in flight"
    )
    def overview(app_id: str) -> Overview:
        app_id = granted(app_id)
        settings = stores.accounts.read_settings(app_id)
        ts = int(now())
        health = account_health(
            stores.checkpoints,
            stores.rules,
            stores.stats,
            stores.campaigns,
            app_id=app_id,
            timezone=settings.timezone,
            now=ts,
        )
        problems = (
            [f"the sweep checkpoint is {health.sweep_age_seconds} s old"]
            if health.sweep_stale
            else []
        )
        return Overview(
            account=account_summary(settings),
            now=ts,
            timezone=settings.timezone,
            health=health,
            problems=problems,
            in_flight=[
                campaign_row(c) for c in stores.campaigns.all(app_id) if in_flight(c.status)
            ],
        )

    @app.get(f"{API}/accounts/<app_id>/campaigns", summary="The account's campaigns, oldest first")
    def campaigns(app_id: str) -> CampaignList:
        app_id = granted(app_id)
        settings = stores.accounts.read_settings(app_id)
        return CampaignList(
            timezone=settings.timezone,
            campaigns=[campaign_row(c) for c in stores.campaigns.all(app_id)],
        )

    @app.get(
        f"{API}/accounts/<app_id>/campaigns/<campaign_id>",
        summary="Where a campaign stands (the report `wxengage campaign status` prints)",
    )
    def campaign(app_id: str, campaign_id: str) -> CampaignView:
        app_id = granted(app_id)
        campaign_id = path_param(campaign_id)
        settings = stores.accounts.read_settings(app_id)
        c = stores.campaigns.get(app_id, campaign_id)
        legs = stores.campaigns.legs(app_id, campaign_id)
        # With each leg's batches, as `wxengage campaign status` reads it.
        batches = {s.key: stores.campaigns.batches(app_id, campaign_id, s.key) for s in legs}
        report = campaign_report(c, legs, batches)
        return campaign_view(report, settings.timezone)

    @app.get(
        f"{API}/accounts/<app_id>/followers/<openid>",
        summary="A follower's window, recalls received and recalls still to come",
    )
    def follower(app_id: str, openid: str) -> FollowerView:
        app_id = granted(app_id)
        openid = path_param(openid)
        settings = stores.accounts.read_settings(app_id)
        state = stores.followers.get(app_id, openid)
        if state is None:
            raise NotFoundError(f"no follower {openid!r} known for this account")
        names = names_by_key(stores.rules.all(app_id))
        pending = stores.follower_recalls.open_of(app_id, openid)
        return follower_view(state, settings.timezone, now(), names, pending)
