"""Campaign actions: start, send now, cancel, reschedule, resume, through the CLI's `Campaigns`.

Every action needs the operator role on a granted account; a refusal (wrong status, a time
too soon, an unknown leg) comes back with the domain's message and nothing written.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from wxengage.broadcast.budget import AccountTypeError
from wxengage.broadcast.legnames import UnknownLegError, resolve_leg
from wxengage.broadcast.operations import Campaigns, CampaignStateError
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.state import Campaign
from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.ports import ConsoleStores


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RescheduleRequest(_In):
    """Move the waiting sends so the first (or only `leg`) goes at `at`; spacing is kept."""

    at: AwareDatetime = Field(description="ISO-8601 with a zone: 2026-11-24T20:00:00+08:00")
    leg: str | None = Field(
        default=None,
        max_length=80,
        description="Only this leg, by name (会员/A, 会员/winner) or id (g0v1); default: every leg",
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class LegTime(_Out):
    """One planned send (epoch seconds; the page shows it in the account's zone)."""

    key: str  # internal, ASCII (g0v1)
    label: str  # as the operator named it (会员/A)
    send_at: int


class CampaignAction(_Out):
    """The campaign after the action."""

    app_id: str
    campaign_id: str
    name: str
    status: str
    execution: str | None
    timezone: str
    legs: list[LegTime]


class ResumeAction(CampaignAction):
    """What a resume sends again: its legs, and batches under their original clientmsgid."""

    resumed_from: str  # the status the run restarts at (queued: legs already prepared)
    resumed_legs: list[str]
    batches_again: int
    left_alone: list[str]  # "g0v1 batch 2": answer lost over 24 h ago, see WeChat's history


def _answer(c: Campaign, timezone: str) -> dict[str, object]:
    return {
        "app_id": c.app_id,
        "campaign_id": c.campaign_id,
        "name": c.spec.name,
        "status": c.status.value,
        "execution": c.execution,
        "timezone": timezone,
        "legs": [LegTime(key=leg.key, label=leg.label, send_at=leg.send_at) for leg in c.legs],
    }


def _errors(app: APIGatewayHttpResolver) -> None:
    def refused(status: int, err: Exception) -> Response[str]:
        body = {"message": str(err)}
        return Response(status, "application/json", json.dumps(body, ensure_ascii=False))

    @app.exception_handler(CampaignStateError)  # type: ignore[untyped-decorator]
    def wrong_status(err: CampaignStateError) -> Response[str]:
        return refused(409, err)

    @app.exception_handler([ScheduleError, UnknownLegError, AccountTypeError])  # type: ignore[untyped-decorator]
    def unacceptable(err: ValueError) -> Response[str]:
        return refused(422, err)


def register(app: APIGatewayHttpResolver, stores: ConsoleStores, actions: Campaigns) -> None:
    """Add the campaign action routes to `app`."""
    _errors(app)

    def answer(c: Campaign) -> dict[str, object]:
        return _answer(c, stores.accounts.read_settings(c.app_id).timezone)

    def granted(app_id: str, campaign_id: str) -> tuple[str, str]:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(Role.OPERATOR)
        caller.require_account(app_id)
        return app_id, path_param(campaign_id)

    base = f"{API}/accounts/<app_id>/campaigns/<campaign_id>"

    @app.post(f"{base}/start", summary="Start a draft: check its schedule, run the state machine")
    def start(app_id: str, campaign_id: str) -> CampaignAction:
        app_id, campaign_id = granted(app_id, campaign_id)
        c = actions.start(app_id, campaign_id)
        return CampaignAction.model_validate(answer(c))

    @app.post(f"{base}/send-now", summary="Send every waiting group and variant now")
    def send_now(app_id: str, campaign_id: str) -> CampaignAction:
        app_id, campaign_id = granted(app_id, campaign_id)
        c = actions.send_now(app_id, campaign_id)
        return CampaignAction.model_validate(answer(c))

    @app.post(f"{base}/cancel", summary="Cancel a draft or a started campaign not sending")
    def cancel(app_id: str, campaign_id: str) -> CampaignAction:
        app_id, campaign_id = granted(app_id, campaign_id)
        c = actions.cancel(app_id, campaign_id)
        return CampaignAction.model_validate(answer(c))

    @app.post(
        f"{base}/reschedule",
        summary="Move the waiting sends (variants ≥ 1 h ahead; winners after 10:00 next day)",
    )
    def reschedule(app_id: str, campaign_id: str, request: RescheduleRequest) -> CampaignAction:
        app_id, campaign_id = granted(app_id, campaign_id)
        key = None
        if request.leg is not None:
            key = resolve_leg(stores.campaigns.get(app_id, campaign_id).spec, request.leg)
        c = actions.reschedule(app_id, campaign_id, int(request.at.timestamp()), key)
        return CampaignAction.model_validate(answer(c))

    @app.post(
        f"{base}/resume",
        summary="Send again what a failed campaign did not send (same clientmsgids, nothing twice)",
    )
    def resume(app_id: str, campaign_id: str) -> ResumeAction:
        app_id, campaign_id = granted(app_id, campaign_id)
        c, plan = actions.resume(app_id, campaign_id)
        return ResumeAction.model_validate(
            answer(c)
            | {
                "resumed_from": plan.status.value,
                "resumed_legs": sorted(plan.legs),
                "batches_again": len(plan.batches),
                "left_alone": [f"{key} batch {n}" for key, n in plan.uncertain],
            }
        )
