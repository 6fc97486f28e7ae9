"""How a run moves on: the step a leg task answers, and the leg and campaign status changes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from wxengage import clock
from wxengage.broadcast.ports import CampaignRecords
from wxengage.broadcast.reasons import Reason
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import Campaign, GroupReport, LegState, LegStatus
from wxengage.errors import ConflictError
from wxengage.observability import count


class CampaignConflictError(RuntimeError):
    """Another execution runs this campaign, or it is not in a state this task can act on."""


class Next(StrEnum):
    """The state the state machine goes to after a leg task (its Choice states match these)."""

    WAIT = "wait"
    SEND = "send"
    DECIDE = "decide"
    RESULTS = "results"
    DONE = "done"


class Step(BaseModel):
    """A leg task's answer to the state machine: what to do next, and when."""

    app_id: str
    campaign_id: str
    leg: str
    next: Next
    wake_at: str = ""

    def then(self, next_: Next) -> Step:
        return Step(app_id=self.app_id, campaign_id=self.campaign_id, leg=self.leg, next=next_)

    def wait_until(self, until: int) -> Step:
        """Sleep until `until` (epoch seconds), then run the leg's task again."""
        return Step(
            app_id=self.app_id,
            campaign_id=self.campaign_id,
            leg=self.leg,
            next=Next.WAIT,
            wake_at=clock.iso_z(until),
        )


class Progress:
    """Leg status changes, and the campaign status that follows from its legs."""

    def __init__(self, campaigns: CampaignRecords) -> None:
        self._campaigns = campaigns

    def leg(self, app_id: str, campaign_id: str, key: str) -> LegState:
        state = self._campaigns.leg(app_id, campaign_id, key)
        if state is None:
            raise CampaignConflictError(f"campaign {campaign_id} has no leg {key} (not prepared?)")
        return state

    def save(self, state: LegState) -> LegState:
        return self._campaigns.save(state)

    def start_leg(self, state: LegState, now: int) -> None:
        self._campaigns.save(state.started(now=now))
        self.refresh(state.app_id, state.campaign_id)

    def finish_leg(self, state: LegState, status: LegStatus, reason: str | Reason) -> None:
        self._campaigns.save(state.finished(status, reason, now=int(clock.now_ts())))
        count("CampaignLeg", 1, status=status.value)
        self.refresh(state.app_id, state.campaign_id)

    def refresh(self, app_id: str, campaign_id: str) -> None:
        """The campaign is sending while any leg sends, queued while legs wait."""
        legs = self._campaigns.legs(app_id, campaign_id)
        if any(s.status is LegStatus.SENDING for s in legs):
            target = CampaignStatus.SENDING
        elif any(s.status is LegStatus.QUEUED for s in legs):
            target = CampaignStatus.QUEUED
        else:
            return  # finish() decides the end
        c = self._campaigns.get(app_id, campaign_id)
        if c.status in (CampaignStatus.QUEUED, CampaignStatus.SENDING) and c.status is not target:
            self.set_status(c, target)

    def set_status(
        self,
        c: Campaign,
        status: CampaignStatus,
        *,
        reason: str | Reason | None = None,
        groups: dict[str, GroupReport] | None = None,
    ) -> Campaign:
        """Save a status change, re-reading on a concurrent edit (a CLI reschedule, another leg)."""
        for _ in range(10):
            try:
                new = self._campaigns.save(
                    c.in_status(status, now=int(clock.now_ts()), reason=reason, groups=groups)
                )
            except ConflictError:
                c = self._campaigns.get(c.app_id, c.campaign_id)
                if c.status.terminal:
                    return c
                continue
            count("CampaignStatus", 1, status=status.value)
            return new
        raise ConflictError(f"campaign {c.campaign_id}: too many concurrent updates")
