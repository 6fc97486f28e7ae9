"""What the engine records about a campaign while it runs: the campaign, its legs and batches."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from wxengage.broadcast.schedule import Leg, LegKind
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus, Content
from wxengage.broadcast.winner import Decision


class GroupReport(BaseModel):
    """A group's audience after segmenting (overlaps with earlier groups removed)."""

    resolved: int  # followers the audience matched
    overlap_removed: int  # of those, already in an earlier group
    audience: int  # what the group keeps


class Campaign(BaseModel):
    """A campaign: its spec, its schedule once started, and where it stands."""

    app_id: str
    campaign_id: str
    spec: CampaignSpec
    status: CampaignStatus = CampaignStatus.DRAFT
    reason: str = ""  # why it is in this status (failures, cancels)
    created_at: int
    updated_at: int
    version: int = 0
    legs: list[Leg] = Field(default_factory=list)  # planned at start; reschedule moves them
    execution: str | None = None  # the Step Functions execution running it
    started_at: int | None = None
    cancel_requested: bool = False
    # Sampling is seeded and the seed kept, so anyone can re-draw the same samples.
    seed: int | None = None
    groups: dict[str, GroupReport] = Field(default_factory=dict)

    def leg(self, key: str) -> Leg:
        for leg in self.legs:
            if leg.key == key:
                return leg
        raise KeyError(f"campaign {self.campaign_id} has no leg {key!r}")


class LegStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # a winner send the no-winner policy stopped, or an empty audience

    @property
    def done(self) -> bool:
        return self not in (LegStatus.QUEUED, LegStatus.SENDING)


class LegState(BaseModel):
    """One leg's progress and figures."""

    app_id: str
    campaign_id: str
    key: str
    group: str
    kind: LegKind
    variant: str | None = None
    status: LegStatus = LegStatus.QUEUED
    reason: str = ""
    version: int = 0
    content: Content | None = None  # for a winner leg: set when the winner is decided
    audience: int = 0  # openids the leg was meant for
    capped: int = 0  # left out by our ledger: already at the broadcast cap this period
    batches: int = 0
    started_at: int | None = None
    finished_at: int | None = None
    # From WeChat's results (MASSSENDJOBFINISH, else mass/get)
    sent: int = 0
    filtered: int = 0
    errors: int = 0
    failed_batches: int = 0
    estimated: int = 0  # batches whose counts are estimates (mass/get has no counts)
    readers: int | None = None
    decision: Decision | None = None  # winner legs
    checks: int = 0  # how many times results or stats were asked for

    @property
    def read_rate(self) -> float | None:
        return None if self.readers is None or self.sent <= 0 else self.readers / self.sent


class BatchStatus(StrEnum):
    PLANNED = "planned"
    RETRY = "retry"  # waiting to be submitted again with the same clientmsgid
    SUBMITTED = "submitted"  # WeChat accepted the job (msg_id known)
    FAILED = "failed"  # WeChat refused it for good


class BatchState(BaseModel):
    """One mass/send call: up to 10,000 openids under one clientmsgid."""

    app_id: str
    campaign_id: str
    leg: str
    number: int
    start: int  # slice of the leg's send list
    size: int
    clientmsgid: str
    status: BatchStatus = BatchStatus.PLANNED
    version: int = 0
    attempts: int = 0
    next_try_at: int = 0
    submitted_at: int | None = None
    msg_id: int | None = None
    msg_data_id: int | None = None
    duplicate: bool = False  # WeChat said 45065: this id was already submitted
    errcode: int | None = None
    error: str = ""
    # results
    result: str | None = None  # WeChat's status: "send success", "send fail", SEND_SUCCESS...
    sent: int = 0
    filtered: int = 0
    errors: int = 0
    estimated: bool = False
    ledgered: bool = False  # recipients counted in the broadcast ledger


class CampaignNotFoundError(LookupError):
    """No such campaign for the account."""
