"""The campaign page's tools (plan, preview, offline, article data): models, ports, pure rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wxengage.broadcast.budget import DayShare
from wxengage.broadcast.day_plan import AudienceCounts, DayPlan, needs_tag_counts
from wxengage.broadcast.offline import OfflineArticle, plan_msg_ids
from wxengage.broadcast.reasons import Reason
from wxengage.broadcast.spec import CampaignSpec
from wxengage.console.routes_catalog import CatalogReader
from wxengage.sync.models import SyncState, Tag
from wxengage.wechat.callback import OPENID_PATTERN
from wxengage.wechat.targets import WXNAME_PATTERN


class BudgetReader(Protocol):
    """Today's use of the account's shared mass-call budget: (calls, sends)."""

    def used(self, app_id: str, at: int) -> tuple[int, int]: ...


class RequestFailedError(RuntimeError):
    """The broadcast function failed a request: Lambda's error type and its message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class RequestRunner(Protocol):
    """Runs a preview or offline request in the broadcast function (WeChat's whitelisted IP);
    raises RequestFailedError."""

    def run(self, payload: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class CampaignTools:
    """What the tools need beyond the console's stores."""

    budget: BudgetReader
    requests: RequestRunner
    catalog: CatalogReader


# --- plan ------------------------------------------------------------------------------------

STORE_UNKNOWN = (
    "the engine's own follower list is counted when the campaign segments; the console "
    "does not read it while a page waits"
)
NOT_COUNTED = "the sync has not counted the account's followers yet (it runs every 15 minutes)"
NO_TAGS = "the sync has not read the account's tags yet (it runs every 15 minutes)"


def synced_counts(
    spec: CampaignSpec, state: SyncState | None, tags: Sequence[Tag]
) -> tuple[AudienceCounts | None, str]:
    """Audience counts from the synced copy (never WeChat while a page waits), or why none."""
    if spec.audience_source == "store":
        return None, STORE_UNKNOWN
    if state is None or state.followers_total is None:
        return None, NOT_COUNTED
    if needs_tag_counts(spec) and state.tags_synced_at is None:
        return None, NO_TAGS
    return (
        AudienceCounts(
            followers=state.followers_total,
            tags={t.id: t.count for t in tags},
            source="the synced copy of WeChat's follower and tag counts",
            counted_at=state.followers_counted_at,
        ),
        "",
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlanDay(_Out):
    """One WeChat day (Beijing time) and the legs' calls on it."""

    day: str
    calls: int
    legs: list[DayShare]


class PlanAnswer(_Out):
    """A draft's plan of mass calls, as `campaign start` prints it before it sends."""

    timezone: str
    known: bool  # audience sizes known: `days` is the plan
    header: str  # the CLI's first line, in English
    source: str
    counted_at: int | None
    calls_per_day: int
    calls_per_minute: int
    used_today: int
    sends_today: int | None
    total_calls: int
    days: list[PlanDay]


def plan_answer(plan: DayPlan, timezone: str) -> PlanAnswer:
    shares = plan.shares or []
    days = [
        PlanDay(
            day=day,
            calls=sum(s.calls for s in shares if s.day == day),
            legs=[s for s in shares if s.day == day],
        )
        for day in plan.days
    ]
    return PlanAnswer(
        timezone=timezone,
        known=plan.shares is not None,
        header=plan.header(),
        source=plan.source,
        counted_at=plan.counted_at,
        calls_per_day=plan.calls_per_day,
        calls_per_minute=plan.calls_per_minute,
        used_today=plan.used_today,
        sends_today=plan.sends_today,
        total_calls=sum(s.calls for s in shares),
        days=days,
    )


# --- reschedule ------------------------------------------------------------------------------


class WaitingLeg(_Out):
    key: str
    label: str
    kind: str  # group, variant or winner (a winner sends a variant's content: no own preview)
    send_at: int | None  # planned time (None on a draft: planned at start)
    waiting: bool  # planned and not started: a reschedule can move it


class ToolsAnswer(_Out):
    """Which tools the campaign's status allows (the API checks again on every action)."""

    timezone: str
    status: str
    reschedulable: bool
    legs: list[WaitingLeg]


# --- preview ---------------------------------------------------------------------------------


class PreviewRequest(BaseModel):
    """One follower, by openid or WeChat ID (微信号, WeChat's `towxname`; 100 a day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    openid: str | None = Field(default=None, pattern=OPENID_PATTERN)
    wxname: str | None = Field(default=None, pattern=WXNAME_PATTERN)
    leg: str | None = Field(default=None, max_length=80, description="会员/A or g0v1; default all")

    @model_validator(mode="after")
    def _one(self) -> PreviewRequest:
        if (self.openid is None) == (self.wxname is None):
            raise ValueError("give one follower: an openid or a WeChat ID")
        return self


class PreviewSent(_Out):
    leg: str
    to: str


class PreviewAnswer(_Out):
    previews: list[PreviewSent]


# --- offline ---------------------------------------------------------------------------------


class OfflineBatchRow(_Out):
    campaign_id: str
    leg: str
    label: str
    number: int
    clientmsgid: str
    msg_id: int | None
    already_offline: bool


class OfflineNews(_Out):
    media_id: str
    delete_with: int
    legs: list[str]  # this campaign's legs that sent it
    other_campaigns: list[str]
    batches: list[OfflineBatchRow]


class OfflinePlan(_Out):
    """What a take-down deletes: WeChat deletes the news page for every send of it."""

    article_idx: int
    nothing: str | None  # why there is nothing to take down
    news: list[OfflineNews]
    confirm: list[int]  # the msg ids to send back with the confirmation


def offline_answer(
    articles: list[OfflineArticle], campaign_id: str, article_idx: int
) -> OfflinePlan:
    return OfflinePlan(
        article_idx=article_idx,
        nothing=None,
        news=[
            OfflineNews(
                media_id=a.media_id,
                delete_with=a.delete_with,
                legs=a.legs(campaign_id),
                other_campaigns=sorted({b.campaign_id for b in a.elsewhere(campaign_id)}),
                batches=[OfflineBatchRow(**vars(b)) for b in a.batches],
            )
            for a in articles
        ],
        confirm=plan_msg_ids(articles),
    )


class OfflineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    confirmed: list[int] = Field(min_length=1, max_length=10_000)
    leg: str | None = Field(default=None, max_length=80)
    article_idx: int = Field(default=0, ge=0, le=8)


class OfflineDone(_Out):
    deleted: list[int]
    offline: list[dict[str, Any]]


# --- a failed request, in words --------------------------------------------------------------

# WeChat refused the recipient: 40003 invalid openid, 43004 not a follower (mass/preview,
# WECHAT.md section 11); 40132 an invalid WeChat ID (global code list; unverified for preview).
_BAD_RECIPIENT = {"wechat.40003", "wechat.43004", "wechat.40132"}
# Limits that lift with time: 45009 (the sandbox's 100 previews by WeChat ID a day, code
# unverified), 45011 per minute, 45028 the period's quota.
_LIMITS = {"wechat.45009", "wechat.45011", "wechat.45028"}


def refusal(err: RequestFailedError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body for a failed request: the stored Reason's words, never a trace."""
    try:
        why = Reason.model_validate_json(err.message)
    except ValidationError:
        why = None
    if why is not None:
        status = 422 if why.code in _BAD_RECIPIENT else 409 if why.code in _LIMITS else 502
        return status, {"message": why.message, "reason": why.model_dump()}
    if err.error_type == "CampaignConflictError":
        return 409, {"message": err.message}
    return 502, {
        "message": f"the broadcast function failed ({err.error_type}); details are in its logs"
    }
