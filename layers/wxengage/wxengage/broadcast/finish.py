"""The end of a run: the campaign's final status from its legs, or failed with the caught error."""

from __future__ import annotations

from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import Progress
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import Campaign, CampaignReason, LegState, LegStatus


def final_status(c: Campaign, legs: list[LegState]) -> tuple[CampaignStatus, str]:
    """Cancelled, failed (every counted leg failed), partially failed, or succeeded.

    Skipped and cancelled legs do not count: a stopped winner send is not a failure.
    """
    counted = [s for s in legs if s.status not in (LegStatus.SKIPPED, LegStatus.CANCELLED)]
    failed = [s for s in counted if s.status is LegStatus.FAILED]
    partial = [s for s in counted if s.status is LegStatus.PARTIALLY_FAILED]
    if c.cancel_requested:
        return CampaignStatus.CANCELLED, c.reason or CampaignReason.CANCELLED
    if counted and len(failed) == len(counted):
        return CampaignStatus.FAILED, CampaignReason.ALL_FAILED
    if failed or partial:
        return CampaignStatus.PARTIALLY_FAILED, CampaignReason.SOME_FAILED
    return CampaignStatus.SUCCEEDED, ""


class Finishing:
    """The finish and fail tasks (the state machine's last states)."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def finish(self, app_id: str, campaign_id: str) -> dict[str, str]:
        """Every leg is done: the campaign's final status from its legs."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        if c.status.terminal:
            return {"status": c.status.value}
        status, reason = final_status(c, self._ports.campaigns.legs(app_id, campaign_id))
        c = self._progress.set_status(c, status, reason=reason)
        return {"status": c.status.value}

    def fail(
        self, app_id: str, campaign_id: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        """The state machine caught an error: the campaign is failed, with the reason."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        if c.execution != execution or c.status.terminal:
            # A second execution of a running campaign must not fail the first one's campaign.
            return {"status": c.status.value}
        reason = f"{error}: {_short(cause)}"
        c = self._progress.set_status(c, CampaignStatus.FAILED, reason=reason)
        return {"status": c.status.value}


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
