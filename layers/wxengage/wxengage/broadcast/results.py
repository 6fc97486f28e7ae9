"""A leg after it sent: each batch's result collected, then the leg closed with its figures."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import Next, Progress, Step
from wxengage.broadcast.reads import leg_reads, next_stats_check
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import MpNews
from wxengage.broadcast.state import BatchResult, BatchState, BatchStatus, LegState, LegStatus
from wxengage.broadcast.timing import MASS_GET_AFTER, RESULTS_EVERY, RESULTS_GIVE_UP
from wxengage.observability import logger
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage.wechat.read_stats import TRANSIENT, ReadStats, StatsState

# A send's statistics are out from 08:00 the next day (account time): two days covers a send
# late in the evening plus an outage, after which the winner's readers stay unknown.
WINNER_READS_GIVE_UP = 2 * 24 * 3600


class LegOutcome(BaseModel):
    """How a leg ended, from its batches: its status, why, and its summed figures."""

    model_config = ConfigDict(frozen=True)

    status: LegStatus
    reason: str
    sent: int
    filtered: int
    errors: int
    failed_batches: int
    estimated: int


def leg_outcome(batches: list[BatchState]) -> LegOutcome:
    """Succeeded, partially failed or failed: a batch fails when refused or its job failed."""
    failed = [
        b
        for b in batches
        if b.status is BatchStatus.FAILED
        or (b.result is not None and not BatchResult.succeeded(b.result))
    ]
    if batches and len(failed) == len(batches):
        status, reason = LegStatus.FAILED, _failure(failed)
    elif failed:
        status = LegStatus.PARTIALLY_FAILED
        reason = f"{len(failed)} of {len(batches)} batches failed: {_failure(failed)}"
    else:
        status, reason = LegStatus.SUCCEEDED, ""
    return LegOutcome(
        status=status,
        reason=reason,
        sent=sum(b.sent for b in batches),
        filtered=sum(b.filtered for b in batches),
        # A refused batch reached nobody: all its openids count as errors.
        errors=sum(b.errors for b in batches)
        + sum(b.size for b in batches if b.status is BatchStatus.FAILED),
        failed_batches=len(failed),
        estimated=sum(b.estimated for b in batches),
    )


class Results:
    """The results task of one leg."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def results(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Collect each batch's outcome: MASSSENDJOBFINISH as stored by the webhook, else mass/get;
        then, for an A/B winner leg, its readers once WeChat's statistics have them."""
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next=Next.DONE)
        state = self._progress.leg(app_id, campaign_id, key)
        now = int(clock.now_ts())
        account = self._ports.accounts.get(app_id)
        if state.status.done:
            return self._winner_reads(account, state, now, step)
        give_up = now - (state.started_at or now) > RESULTS_GIVE_UP
        pending = 0
        for batch in self._ports.campaigns.batches(app_id, campaign_id, key):
            if batch.status is BatchStatus.SUBMITTED and batch.result is None:
                batch = self._collect(account, batch, now, give_up=give_up)
                pending += batch.result is None
        if pending:
            self._progress.save(state.checked())
            return step.wait_until(now + RESULTS_EVERY)
        self._close(state, self._ports.campaigns.batches(app_id, campaign_id, key))
        return self._winner_reads(account, self._progress.leg(app_id, campaign_id, key), now, step)

    def _winner_reads(self, account: Account, state: LegState, now: int, step: Step) -> Step:
        """A winner leg that sent news waits for its readers (the variants' come with the
        decision), up to WINNER_READS_GIVE_UP after it closed; a short outage only delays it."""
        if (
            state.kind is not LegKind.WINNER
            or state.readers is not None
            or not isinstance(state.content, MpNews)
            or state.status not in (LegStatus.SUCCEEDED, LegStatus.PARTIALLY_FAILED)
        ):
            return step
        deadline = (state.finished_at or now) + WINNER_READS_GIVE_UP
        batches = self._ports.campaigns.batches(state.app_id, state.campaign_id, state.key)
        reads = leg_reads(
            ReadStats(self._ports.wechat(account)),
            ZoneInfo(account.settings.timezone),
            state.variant or state.key,
            batches,
        )
        if reads.state is StatsState.READY or now >= deadline:
            # At the deadline without figures the readers stay unknown (status shows none).
            if reads.readers is not None:
                self._progress.save(state.read_by(reads.readers))
            return step
        self._progress.save(state.checked())
        return step.wait_until(next_stats_check(now, deadline, reads.state, state.checks))

    def _collect(
        self, account: Account, batch: BatchState, now: int, *, give_up: bool
    ) -> BatchState:
        assert batch.msg_id is not None
        stored = self._ports.mass_jobs.get(batch.app_id, batch.msg_id)
        if stored is not None:
            return self._ports.campaigns.save(batch.reported(stored))
        if now - (batch.submitted_at or now) >= MASS_GET_AFTER or give_up:
            try:
                status = self._ports.wechat(account).mass_status(batch.msg_id)
            except (WeChatApiError, WeChatTransportError) as err:
                # -1, 45011 or the network (WECHAT.md section 11): ask again next round, up to
                # the give-up time; then, as for any other refusal, the outcome is unknown.
                if _transient(err) and not give_up:
                    logger.warning(
                        "mass/get failed; asking again later",
                        extra={"msg_id": batch.msg_id, "reason": str(err)},
                    )
                    return batch
                status = ""
            if status == "SENDING" and not give_up:
                return batch
            return self._ports.campaigns.save(batch.estimated_from(status, now=now))
        return batch

    def _close(self, state: LegState, batches: list[BatchState]) -> None:
        outcome = leg_outcome(batches)
        state = self._progress.save(
            state.tallied(
                sent=outcome.sent,
                filtered=outcome.filtered,
                errors=outcome.errors,
                failed_batches=outcome.failed_batches,
                estimated=outcome.estimated,
            )
        )
        self._progress.finish_leg(state, outcome.status, outcome.reason)


def _transient(err: WeChatApiError | WeChatTransportError) -> bool:
    return isinstance(err, WeChatTransportError) or err.category in TRANSIENT


def _failure(failed: list[BatchState]) -> str:
    first = failed[0]
    return first.error or f"WeChat reported {first.result}"
