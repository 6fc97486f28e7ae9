"""The campaign page's tools: the plan before start, preview, take offline, the article data CSV.

Each calls the domain function the CLI calls (broadcast/day_plan.py, offline.py, requests.py
through the broadcast function, report.py); reading needs a viewer, acting an operator, both
on a granted account. The plan reads the synced copy: no page waits on WeChat.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from wxengage.broadcast.article_data import article_rows, to_csv
from wxengage.broadcast.budget import AccountTypeError
from wxengage.broadcast.day_plan import day_plan
from wxengage.broadcast.legnames import UnknownLegError, leg_names, resolve_leg
from wxengage.broadcast.offline import (
    NothingOfflineError,
    OfflineArticle,
    offline_plan,
    read_other_sends,
    read_sends,
    stale_confirmation,
)
from wxengage.broadcast.operations import reschedulable
from wxengage.broadcast.report import campaign_report
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import Campaign, LegStatus
from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.campaign_tools import (
    CampaignTools,
    OfflineDone,
    OfflinePlan,
    OfflineRequest,
    PlanAnswer,
    PreviewAnswer,
    PreviewRequest,
    RequestFailedError,
    ToolsAnswer,
    WaitingLeg,
    offline_answer,
    plan_answer,
    refusal,
    synced_counts,
)
from wxengage.console.ports import ConsoleStores
from wxengage.console.views import RangeError
from wxengage.errors import ConflictError


class NotADraftError(ConflictError):
    """Only a draft has a plan before start (a started one shows its calls in status)."""


def _body(status: int, body: dict[str, object]) -> Response[str]:
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False))


def _errors(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RequestFailedError)  # type: ignore[untyped-decorator]
    def failed(err: RequestFailedError) -> Response[str]:
        return _body(*refusal(err))

    @app.exception_handler([ScheduleError, UnknownLegError, AccountTypeError])  # type: ignore[untyped-decorator]
    def unacceptable(err: ValueError) -> Response[str]:
        return _body(422, {"message": str(err)})


def register(
    app: APIGatewayHttpResolver,
    stores: ConsoleStores,
    tools: CampaignTools,
    now: Callable[[], float],
) -> None:
    """Add the campaign tools' routes to `app`."""
    _errors(app)
    base = f"{API}/accounts/<app_id>/campaigns/<campaign_id>"

    def granted(app_id: str, campaign_id: str, role: Role) -> Campaign:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(role)
        caller.require_account(app_id)
        return stores.campaigns.get(app_id, path_param(campaign_id))

    def leg_key(c: Campaign, leg: str | None) -> str | None:
        return None if leg is None else resolve_leg(c.spec, leg)

    @app.get(f"{base}/tools", summary="Which tools the campaign's status allows, and its legs")
    def campaign_tools(app_id: str, campaign_id: str) -> ToolsAnswer:
        c = granted(app_id, campaign_id, Role.VIEWER)
        started = {
            s.key
            for s in stores.campaigns.legs(c.app_id, c.campaign_id)
            if s.status is not LegStatus.QUEUED
        }
        planned = {leg.key: leg.send_at for leg in c.legs}
        return ToolsAnswer(
            timezone=stores.accounts.read_settings(c.app_id).timezone,
            status=c.status.value,
            reschedulable=reschedulable(c.status),
            legs=[
                WaitingLeg(
                    key=leg.key,
                    label=leg.label,
                    kind=leg.kind.value,
                    send_at=planned.get(leg.key),
                    waiting=leg.key in planned and leg.key not in started,
                )
                for leg in leg_names(c.spec)
            ],
        )

    @app.get(f"{base}/plan", summary="A draft's day-by-day plan of mass calls (synced counts)")
    def plan(app_id: str, campaign_id: str) -> PlanAnswer:
        c = granted(app_id, campaign_id, Role.VIEWER)
        if c.status is not CampaignStatus.DRAFT:
            raise NotADraftError(
                f"campaign {c.campaign_id} is {c.status.value}: the plan is a draft's; "
                "a started campaign shows each leg's calls in its timeline"
            )
        settings = stores.accounts.read_settings(c.app_id)
        at = int(now())
        counts, unknown = synced_counts(
            c.spec, tools.catalog.state(c.app_id), tools.catalog.tags(c.app_id)
        )
        found = day_plan(
            c.spec,
            settings,
            now=at,
            used=tools.budget.used(c.app_id, at),
            counts=counts,
            unknown=unknown,
        )
        return plan_answer(found, settings.timezone)

    @app.post(f"{base}/preview", summary="Send the content to one follower (openid or WeChat ID)")
    def preview(app_id: str, campaign_id: str, request: PreviewRequest) -> PreviewAnswer:
        c = granted(app_id, campaign_id, Role.OPERATOR)
        result = tools.requests.run(
            {
                "action": "preview",
                "app_id": c.app_id,
                "campaign_id": c.campaign_id,
                "openids": [request.openid] if request.openid else [],
                "wxnames": [request.wxname] if request.wxname else [],
                "leg": leg_key(c, request.leg),
            }
        )
        return PreviewAnswer.model_validate(result)

    def plan_offline(c: Campaign, leg: str | None, article_idx: int) -> list[OfflineArticle]:
        return offline_plan(
            read_sends(stores.campaigns, c),
            leg,
            article_idx,
            read_other_sends(stores.campaigns, c),
        )

    @app.get(
        f"{base}/offline-plan",
        summary="What taking the news offline deletes: every batch, in any campaign, that sent it",
    )
    def offline_preview(app_id: str, campaign_id: str) -> OfflinePlan:
        c = granted(app_id, campaign_id, Role.VIEWER)
        query = app.current_event.query_string_parameters or {}
        article_idx = _article_idx(query.get("article_idx"))
        try:
            articles = plan_offline(c, leg_key(c, query.get("leg")), article_idx)
        except NothingOfflineError as err:
            return OfflinePlan(article_idx=article_idx, nothing=str(err), news=[], confirm=[])
        return offline_answer(articles, c.campaign_id, article_idx)

    @app.post(
        f"{base}/offline",
        summary="Take the news offline (mass/delete) once the plan's msg ids are confirmed",
    )
    def offline(app_id: str, campaign_id: str, request: OfflineRequest) -> OfflineDone:
        c = granted(app_id, campaign_id, Role.OPERATOR)
        key = leg_key(c, request.leg)
        try:
            articles = plan_offline(c, key, request.article_idx)
        except NothingOfflineError as err:
            raise ConflictError(str(err)) from err
        stale = stale_confirmation(articles, request.confirmed)
        if stale is not None:
            raise ConflictError(stale)  # checked again where the delete runs
        result = tools.requests.run(
            {
                "action": "offline",
                "app_id": c.app_id,
                "campaign_id": c.campaign_id,
                "leg": key,
                "article_idx": request.article_idx,
                "confirmed": request.confirmed,
            }
        )
        return OfflineDone.model_validate(result)

    @app.get(
        f"{base}/articles.csv",
        summary="The broadcast article data per leg as CSV (UTF-8 with BOM, account-zone times)",
    )
    def articles_csv(app_id: str, campaign_id: str) -> Response[str]:
        c = granted(app_id, campaign_id, Role.VIEWER)
        zone = stores.accounts.read_settings(c.app_id).timezone
        legs = stores.campaigns.legs(c.app_id, c.campaign_id)
        batches = {s.key: stores.campaigns.batches(c.app_id, c.campaign_id, s.key) for s in legs}
        text = to_csv(article_rows(campaign_report(c, legs, batches), zone), zone)
        name = f"campaign-{c.campaign_id}-articles.csv"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(200, "text/csv; charset=utf-8", text, headers)


def _article_idx(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    if not raw.isdigit() or int(raw) > 8:
        raise RangeError("article_idx is 0 (the whole news item) or 1 to 8")
    return int(raw)
