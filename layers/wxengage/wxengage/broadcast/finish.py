"""The end of a run: a failed leg recorded, the campaign's final status from its legs, or failed."""

from __future__ import annotations

from wxengage import clock
from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import Progress
from wxengage.broadcast.reasons import Reason, batches_failed, legs_failed, stopped
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import Campaign, CampaignReason, LegState, LegStatus
from wxengage.broadcast.task_errors import from_task_error
from wxengage.observability import logger

# What went out: a partially failed leg delivered its other batches.
_DELIVERED = {LegStatus.SUCCEEDED, LegStatus.PARTIALLY_FAILED}
_FAILED = {LegStatus.FAILED, LegStatus.PARTIALLY_FAILED}


def final_status(c: Campaign, legs: list[LegState]) -> tuple[CampaignStatus, str | Reason]:
    """Cancelled; succeeded when no leg failed; partially failed when some failed and anything
    went out; failed only when nothing did.

    Skipped legs (a stopped winner send, nobody to send to) are not failures; a leg still
    queued or sending when the run ends did not go out, so it counts as failed.
    """
    if c.cancel_requested:
        return CampaignStatus.CANCELLED, c.reason or CampaignReason.CANCELLED
    labels = {leg.key: leg.label for leg in c.legs}
    failed = [s for s in legs if s.status in _FAILED or not s.status.done]
    if not failed:
        return CampaignStatus.SUCCEEDED, ""
    delivered = any(s.status in _DELIVERED for s in legs)
    why = legs_failed([labels.get(s.key, s.key) for s in failed], len(legs), delivered)
    return (CampaignStatus.PARTIALLY_FAILED if delivered else CampaignStatus.FAILED), why


class Finishing:
    """The leg-failed, finish and fail tasks (a leg's Catch, the state machine's last states)."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def leg_failed(
        self, app_id: str, campaign_id: str, key: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        """A leg's task failed for good: the leg is failed with a readable reason; the others go on."""
        why = from_task_error(error, cause)
        # The raw error (stack trace included) goes to the logs only.
        logger.warning(
            "broadcast leg failed",
            extra={"leg": key, "error": error, "cause": cause, "reason": why.code},
        )
        c = self._ports.campaigns.get(app_id, campaign_id)
        state = self._ports.campaigns.leg(app_id, campaign_id, key)
        if state is None:
            return {"leg": key, "status": "missing"}  # not prepared: nothing to record
        if c.execution != execution or state.status.done:
            # A stopped (rescheduled) run must not fail what its successor runs.
            return {"leg": key, "status": state.status.value}
        self._progress.finish_leg(state, LegStatus.FAILED, why)
        return {"leg": key, "status": LegStatus.FAILED.value, "code": why.code}

    def finish(self, app_id: str, campaign_id: str, execution: str | None = None) -> dict[str, str]:
        """Every leg is done: the campaign's final status from its legs."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        if c.status.terminal or (execution is not None and c.execution != execution):
            return {"status": c.status.value}
        self._stop_unfinished(app_id, campaign_id)
        self._explain_failed(app_id, campaign_id)
        status, reason = final_status(c, self._ports.campaigns.legs(app_id, campaign_id))
        c = self._progress.set_status(c, status, reason=reason)
        return {"status": c.status.value}

    def fail(
        self, app_id: str, campaign_id: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        """The state machine caught an error outside the legs: failed, or partially failed when
        some legs went out; legs it left unfinished are failed (resume picks them up)."""
        why = from_task_error(error, cause)
        logger.warning(
            "broadcast run failed", extra={"error": error, "cause": cause, "reason": why.code}
        )
        c = self._ports.campaigns.get(app_id, campaign_id)
        if c.execution != execution or c.status.terminal:
            # A second execution of a running campaign must not fail the first one's campaign.
            return {"status": c.status.value}
        self._stop_unfinished(app_id, campaign_id, why)
        legs = self._ports.campaigns.legs(app_id, campaign_id)
        if c.cancel_requested:
            status, reason = final_status(c, legs)
        elif any(s.status in _DELIVERED for s in legs):
            status, reason = CampaignStatus.PARTIALLY_FAILED, why
        else:
            status, reason = CampaignStatus.FAILED, why
        c = self._progress.set_status(c, status, reason=reason)
        return {"status": c.status.value}

    def _explain_failed(self, app_id: str, campaign_id: str) -> None:
        """Legs whose batches failed get their reason as code, sentence and what to do."""
        for s in self._ports.campaigns.legs(app_id, campaign_id):
            if s.status in _FAILED and s.failure is None:
                why = batches_failed(self._ports.campaigns.batches(app_id, campaign_id, s.key))
                if why is not None:
                    self._ports.campaigns.save(s.explained(why))

    def _stop_unfinished(self, app_id: str, campaign_id: str, why: Reason | None = None) -> None:
        """Legs still queued or sending when the run ends are failed: status never says 'queued'
        for a send nothing will make."""
        for s in self._ports.campaigns.legs(app_id, campaign_id):
            if not s.status.done:
                self._ports.campaigns.save(
                    s.finished(LegStatus.FAILED, why or stopped(), now=int(clock.now_ts()))
                )
