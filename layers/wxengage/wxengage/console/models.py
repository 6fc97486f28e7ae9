"""The console API's answers as pydantic models (the OpenAPI document is generated from them).

Every time is epoch seconds; every account-scoped answer carries the account's IANA time zone,
so the page formats times there (or in UTC on request).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.reasons import Reason
from wxengage.console.health import AccountHealth, RecallFunnel
from wxengage.recall.lift import Lift
from wxengage.recall.rules import RecallRule


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Me(_Out):
    """The signed-in user."""

    username: str
    email: str | None
    role: str | None  # viewer | operator | admin
    accounts: list[str]  # granted app ids; ["*"] for every account
    can_write: bool


class AccountSummary(_Out):
    """An account as the console lists it."""

    app_id: str
    type: str
    plan: str
    timezone: str
    rule_cap: int


class CampaignRow(_Out):
    """One campaign in a list."""

    campaign_id: str
    name: str
    status: str
    groups: int
    created_at: int
    started_at: int | None


class Overview(_Out):
    """An account's health, today's recall funnel and its campaigns in flight."""

    account: AccountSummary
    now: int
    timezone: str
    health: AccountHealth
    problems: list[str]
    in_flight: list[CampaignRow]


class RuleView(_Out):
    """A rule with its id and times; `deleted_at` set: a deleted rule's record (read-only)."""

    rule: RecallRule
    created_at: int
    updated_at: int
    rule_id: str = ""
    deleted_at: int | None = None


class RuleList(_Out):
    """The account's rules and how many more its plan lets it enable."""

    timezone: str
    plan: str
    cap: int
    enabled: int
    rules: list[RuleView]


class RuleSaved(_Out):
    """A rule after a write."""

    rule: RuleView
    created: bool


class RuleCheck(_Out):
    """A rule that would be accepted as it is."""

    valid: bool
    name: str


class PreviewMessage(_Out):
    """One message a follower may receive (the body of message/custom/send) and its weight."""

    weight: int
    message: dict[str, Any]


class RulePreview(_Out):
    """Every message the rule may send (one is picked at random, by weight, per send)."""

    messages: list[PreviewMessage]


class DayLift(Lift):
    """Recall rate of sent vs held out on one day (or over the range), rates as fractions."""

    day: str


class RuleStats(_Out):
    """One rule per day over a range (account time zone), and the range's totals."""

    app_id: str
    rule: str
    timezone: str
    from_day: str
    to_day: str
    days: list[RecallFunnel]
    total: RecallFunnel
    # The holdout's lift per day (same order as `days`) and over the range (day "total").
    lift: list[DayLift] = []
    lift_total: DayLift | None = None
    # The rule's id; `deleted_at` set: the stats of a deleted rule, read by id.
    rule_id: str = ""
    deleted_at: int | None = None


class CampaignList(_Out):
    """The account's campaigns, oldest first."""

    timezone: str
    campaigns: list[CampaignRow]


class BatchRow(_Out):
    """One batch of a leg, as `wxengage campaign status` shows it (broadcast/report.py)."""

    batch: int
    clientmsgid: str
    msg_id: int | None = None
    size: int
    status: str  # pending | sending | succeeded | partially_failed | failed | offline
    status_zh: str  # the seed's words: 发送成功 / 部分发送失败 / 发送失败 ...
    wechat_status: str | None = None
    attempts: int = 0
    submitted_at: int | None = None
    finished_at: int | None = None
    next_try_at: int | None = None
    sent: int = 0
    filtered: int = 0
    errors: int = 0
    figures: str | None = None  # reported | estimated | refused; None while no result is in
    estimate_reason: str | None = None
    errcode: int | None = None
    error: str | None = None
    offline_at: int | None = None


class LegRow(_Out):
    """One leg of a campaign (a group's send, a variant, or the winner send)."""

    leg: str
    label: str
    kind: str
    send_at: int  # planned (moved by a reschedule)
    sent_at: int | None = None  # actual: its first batch's submission
    started_at: int | None = None
    finished_at: int | None = None
    status: str
    reason: str | None = None
    failure: Reason | None = None  # code, the sentence in en and zh, what to do
    sent: int = 0
    filtered: int = 0
    capped: int = 0
    errors: int = 0
    estimated_batches: int = 0
    readers: int | None = None
    read_rate: float | None = None
    read_rate_ci95: list[float] | None = None  # [low, high], 95 % Wilson
    batches: int = 0
    failed_batches: int = 0
    batch_details: list[BatchRow] = []


class VariantResult(_Out):
    """A variant's read rate with its 95 % Wilson interval (the A/B chart's bar and whisker)."""

    leg: str
    label: str
    sent: int
    readers: int
    read_rate: float
    low: float
    high: float


class GroupView(_Out):
    """A campaign group: audience, legs, the A/B decision in words and the variants' results."""

    name: str
    audience: str
    segment: dict[str, Any] | None
    legs: list[LegRow]
    decision: dict[str, Any] | None
    variants: list[VariantResult]


class CampaignView(_Out):
    """What `wxengage campaign status` reports, with epoch-second times."""

    app_id: str
    campaign_id: str
    name: str
    status: str
    reason: str | None
    failure: Reason | None = None
    started_at: int | None
    seed: int | None
    timezone: str
    groups: list[GroupView]


class PendingRecallRow(_Out):
    """A recall still to come for a follower (pending, queued or claimed)."""

    rule: str
    rule_id: str
    status: str
    due_at: int
    window_closes_at: int
    in_quiet_hours: bool  # no slot outside quiet hours: the sender will skip it


class FollowerView(_Out):
    """A follower's window: opened by, closes at, messages left, recalls received."""

    openid: str
    timezone: str
    subscribed: bool
    last_message_at: int | None
    window_opened_by: str | None
    window_opened_at: int | None
    window_closes_at: int | None
    window_open: bool
    messages_left: int
    left_at: int | None
    last_recall_at: int | None
    last_recall_rule: str | None  # its name (the id when no rule of that id is known)
    last_recall_rule_id: str | None = None
    recall_answered: bool = False  # the follower wrote back before the recall's window closed
    recalls_in_window: int
    # The latest holdout: a recall decided and deliberately not sent (the lift's control group).
    held_out_at: int | None = None
    held_out_rule: str | None = None
    held_out_rule_id: str | None = None
    holdout_answered: bool = False
    pending_recalls: list[PendingRecallRow] = []
