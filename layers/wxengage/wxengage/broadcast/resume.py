"""What `campaign resume` re-runs: the legs and batches that did not go out, nothing WeChat has."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.audience import MIN_BATCH
from wxengage.broadcast.schedule import Leg, LegKind, earliest_decision
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import BatchState, BatchStatus, Campaign, LegState, LegStatus

# WeChat de-duplicates a clientmsgid for 24 h (WECHAT.md section 8): within it, a batch whose
# answer was lost is safe to submit again (45065 says "already sent"); after it, it is not.
DEDUP_WINDOW = 24 * 3600
RESUMABLE = {CampaignStatus.FAILED, CampaignStatus.PARTIALLY_FAILED}


class ResumePlan(BaseModel):
    """The campaign's status to restart from, the legs and batches to run again, new leg times."""

    model_config = ConfigDict(frozen=True)

    status: CampaignStatus  # segmenting / preparing when it never got that far, else queued
    legs: list[str]  # leg keys back in the run
    batches: list[tuple[str, int]]  # (leg, batch number) to submit again, same clientmsgid
    uncertain: list[tuple[str, int]]  # maybe delivered, past WeChat's de-duplication: left alone
    schedule: list[Leg]  # the campaign's legs, a resumed winner moved after its variants' resend


def resume_plan(
    c: Campaign,
    states: list[LegState],
    batches: dict[str, list[BatchState]],
    *,
    now: int,
    timezone: str,
) -> ResumePlan:
    """What to run again. A batch WeChat accepted is never re-sent (its outcome is WeChat's);
    one it refused, or whose answers were all lost within 24 h, is, under its clientmsgid."""
    if not states or len(states) < len(c.legs):
        # It stopped before every leg was prepared (so before any leg ran): segment or prepare
        # again from the kept audiences and seed; the legs it made start over, queued.
        status = CampaignStatus.PREPARING if c.groups else CampaignStatus.SEGMENTING
        return ResumePlan(
            status=status, legs=[s.key for s in states], batches=[], uncertain=[], schedule=c.legs
        )
    legs: list[str] = []
    again: list[tuple[str, int]] = []
    uncertain: list[tuple[str, int]] = []
    for s in states:
        if s.status.done and s.status not in (LegStatus.FAILED, LegStatus.PARTIALLY_FAILED):
            continue
        mine = batches.get(s.key, [])
        failed = [b for b in mine if b.status is BatchStatus.FAILED and b.size >= MIN_BATCH]
        late = [b for b in failed if b.maybe_sent_at is not None and now - b.maybe_sent_at >= DEDUP_WINDOW]  # fmt: skip
        uncertain += [(s.key, b.number) for b in late]
        retry = [(s.key, b.number) for b in failed if b not in late]
        open_batches = any(b.status in (BatchStatus.PLANNED, BatchStatus.RETRY) for b in mine)
        # Unfinished, something to submit again, or it never made a send list at all (its
        # check, decision or planning failed): back in the run.
        if not s.status.done or retry or open_batches or not mine:
            legs.append(s.key)
            again += retry
    return ResumePlan(
        status=CampaignStatus.QUEUED,
        legs=legs,
        batches=again,
        uncertain=uncertain,
        schedule=_winners_after_resends(c.legs, states, set(legs), now, ZoneInfo(timezone)),
    )


def _winners_after_resends(
    legs: list[Leg], states: list[LegState], resumed: set[str], now: int, zone: ZoneInfo
) -> list[Leg]:
    """A resumed winner still to decide goes no earlier than 10:00 the day after its variants'
    resend (WeChat's statistics arrive the next day); every other time stays."""
    undecided = {s.key for s in states if s.kind is LegKind.WINNER and s.decision is None}
    regroup = {leg.group for leg in legs if leg.key in resumed and leg.kind is LegKind.VARIANT}
    out = []
    for leg in legs:
        if leg.key in resumed & undecided and leg.group in regroup:
            leg = leg.at(max(leg.send_at, earliest_decision(now, zone)))
        out.append(leg)
    return out
