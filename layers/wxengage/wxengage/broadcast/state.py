"""What the engine records about a campaign while it runs: the campaign, its legs and batches."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.reasons import Reason
from wxengage.broadcast.record import Record
from wxengage.broadcast.schedule import Leg, LegKind
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus, Content
from wxengage.broadcast.winner import Decision

# Batches live in batch.py; they are part of what a run records, so they are named here too.
__all__ = [
    "BatchResult",
    "BatchState",
    "BatchStatus",
    "Campaign",
    "CampaignNotFoundError",
    "CampaignReason",
    "GroupReport",
    "LegReason",
    "LegState",
    "LegStatus",
]


class CampaignReason(StrEnum):
    """Why a campaign was cancelled (failures carry a Reason: reasons.py)."""

    CANCELLED = "cancelled by the operator"


class LegReason(StrEnum):
    """Why a leg ended without sending (decisions and failures carry their own text)."""

    CANCELLED = "the campaign was cancelled"
    NO_FOLLOWER = "no follower left to send to"


class GroupReport(BaseModel):
    """A group's audience after segmenting (overlaps with earlier groups removed)."""

    resolved: int  # followers the audience matched
    overlap_removed: int  # of those, already in an earlier group
    audience: int  # what the group keeps


class Campaign(Record):
    """A campaign: its spec, its schedule once started, and where it stands."""

    app_id: str
    campaign_id: str
    spec: CampaignSpec
    status: CampaignStatus = CampaignStatus.DRAFT
    reason: str = ""  # why it is in this status (failures, cancels)
    failure: Reason | None = None  # a failure's code, sentence and what to do (reason is its text)
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

    def segmenting(self, *, execution: str, legs: list[Leg], now: int) -> Campaign:
        """Claimed by `execution`: its schedule fixed and its audiences about to be resolved."""
        return self._changed(
            status=CampaignStatus.SEGMENTING,
            execution=execution,
            started_at=now,
            legs=legs,
            updated_at=now,
        )

    def seeded(self, seed: int) -> Campaign:
        return self._changed(seed=seed)

    def in_status(
        self,
        status: CampaignStatus,
        *,
        now: int,
        reason: str | Reason | None = None,
        groups: dict[str, GroupReport] | None = None,
    ) -> Campaign:
        """The campaign moved to `status` (the reason and segment reports kept unless given)."""
        changes: dict[str, Any] = {"status": status, "updated_at": now}
        if isinstance(reason, Reason):
            changes |= {"reason": reason.text(), "failure": reason}
        elif reason is not None:
            changes |= {"reason": reason, "failure": None}
        if groups is not None:
            changes["groups"] = groups
        return self._changed(**changes)

    def edited(self, spec: CampaignSpec, *, now: int) -> Campaign:
        return self._changed(spec=spec, updated_at=now)

    def scheduled(self, legs: list[Leg], *, execution: str, now: int | None = None) -> Campaign:
        """Legs planned (or moved) and the execution that will run them (`now`: when moved)."""
        if now is None:
            return self._changed(legs=legs, execution=execution)
        return self._changed(legs=legs, execution=execution, updated_at=now)

    def resumed(self, status: CampaignStatus, *, execution: str, now: int) -> Campaign:
        """Claimed again by `execution` for what did not go out (`campaign resume`)."""
        return self._changed(
            status=status, execution=execution, reason="", failure=None, updated_at=now
        )

    def cancelled(self, *, now: int) -> Campaign:
        return self._changed(
            status=CampaignStatus.CANCELLED,
            cancel_requested=True,
            reason=CampaignReason.CANCELLED,
            updated_at=now,
        )


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


class LegState(Record):
    """One leg's progress and figures."""

    app_id: str
    campaign_id: str
    key: str
    group: str
    kind: LegKind
    variant: str | None = None
    status: LegStatus = LegStatus.QUEUED
    reason: str = ""
    failure: Reason | None = None  # a failure's code, sentence and what to do (reason is its text)
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

    def checked(self) -> LegState:
        """Results or statistics were asked for once more."""
        return self._changed(checks=self.checks + 1)

    def started(self, *, now: int) -> LegState:
        return self._changed(status=LegStatus.SENDING, started_at=now)

    def finished(self, status: LegStatus, reason: str | Reason, *, now: int) -> LegState:
        if isinstance(reason, Reason):
            return self._changed(
                status=status, reason=reason.text(), failure=reason, finished_at=now
            )
        return self._changed(status=status, reason=reason, failure=None, finished_at=now)

    def explained(self, why: Reason) -> LegState:
        """A failed leg's reason as a code, sentence and what to do (from its batches)."""
        return self._changed(reason=why.text(), failure=why)

    def resumed(self, *, now: int) -> LegState:
        """Back in the run (`campaign resume`): sending again if it had a send list, else queued."""
        sending = self.batches > 0 or (self.content is not None and self.decision is not None)
        return self._changed(
            status=LegStatus.SENDING if sending else LegStatus.QUEUED,
            started_at=now if sending else self.started_at,
            reason="",
            failure=None,
            finished_at=None,
        )

    def planned(self, *, capped: int, batches: int) -> LegState:
        """Its send list cut into `batches`, `capped` followers left out by the ledger."""
        return self._changed(capped=capped, batches=batches)

    def noted(self, reason: str) -> LegState:
        """Still under way, with why it waits (the mass-call budget: continues tomorrow)."""
        return self._changed(reason=reason)

    def read_by(self, readers: int | None) -> LegState:
        return self._changed(readers=readers)

    def decided(self, decision: Decision, content: Content | None = None) -> LegState:
        """A winner leg's decision, and the content it sends (none when it sends nothing)."""
        if content is None:
            return self._changed(decision=decision)
        return self._changed(decision=decision, content=content)

    def tallied(
        self, *, sent: int, filtered: int, errors: int, failed_batches: int, estimated: int
    ) -> LegState:
        """The figures summed over its batches' results."""
        return self._changed(
            sent=sent,
            filtered=filtered,
            errors=errors,
            failed_batches=failed_batches,
            estimated=estimated,
        )


class CampaignNotFoundError(LookupError):
    """No such campaign for the account."""
