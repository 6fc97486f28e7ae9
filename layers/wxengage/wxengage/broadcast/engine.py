"""The broadcast engine: each task the state machine runs for a campaign, idempotent under retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxengage.accounts import Account
from wxengage.broadcast.budget import CallBudget
from wxengage.broadcast.finish import Finishing
from wxengage.broadcast.leg import LegSteps
from wxengage.broadcast.ports import (
    AccountSource,
    AudienceLists,
    BroadcastPorts,
    CampaignRecords,
    FollowerSource,
    Ledger,
    MassJobs,
    WeChatPort,
)
from wxengage.broadcast.prepare import Preparing
from wxengage.broadcast.progress import CampaignConflictError, Progress, Step
from wxengage.broadcast.readings import Readings
from wxengage.broadcast.requests import Requests
from wxengage.broadcast.results import Results
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.send import Sending
from wxengage.wechat.targets import PreviewTarget


class Broadcast:
    """Runs campaigns: segment, prepare, then per leg check → send → results (or decide)."""

    def __init__(
        self,
        *,
        accounts: AccountSource,
        campaigns: CampaignRecords,
        audiences: AudienceLists,
        ledger: Ledger,
        mass_jobs: MassJobs,
        followers: FollowerSource,
        wechat: Callable[[Account], WeChatPort],
        budget: CallBudget | None = None,
    ) -> None:
        ports = BroadcastPorts(
            accounts=accounts,
            campaigns=campaigns,
            audiences=audiences,
            ledger=ledger,
            mass_jobs=mass_jobs,
            followers=followers,
            wechat=wechat,
            budget=budget,
        )
        progress = Progress(campaigns)
        self._preparing = Preparing(ports, progress)
        self._legs = LegSteps(ports, progress)
        self._sending = Sending(ports, progress)
        self._results = Results(ports, progress)
        self._finishing = Finishing(ports, progress)
        self._requests = Requests(ports)
        self._readings = Readings(ports)

    def segment(self, app_id: str, campaign_id: str, execution: str) -> dict[str, str]:
        return self._preparing.segment(app_id, campaign_id, execution)

    def prepare(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        return self._preparing.prepare(app_id, campaign_id)

    def check(self, app_id: str, campaign_id: str, key: str) -> Step:
        return self._legs.check(app_id, campaign_id, key)

    def decide(self, app_id: str, campaign_id: str, key: str) -> Step:
        return self._legs.decide(app_id, campaign_id, key)

    def send(self, app_id: str, campaign_id: str, key: str) -> Step:
        return self._sending.send(app_id, campaign_id, key)

    def results(self, app_id: str, campaign_id: str, key: str) -> Step:
        return self._results.results(app_id, campaign_id, key)

    def leg_failed(
        self, app_id: str, campaign_id: str, key: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        return self._finishing.leg_failed(app_id, campaign_id, key, execution, error, cause)

    def finish(self, app_id: str, campaign_id: str, execution: str | None = None) -> dict[str, str]:
        return self._finishing.finish(app_id, campaign_id, execution)

    def fail(
        self, app_id: str, campaign_id: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        return self._finishing.fail(app_id, campaign_id, execution, error, cause)

    def preview(
        self, app_id: str, campaign_id: str, to: list[PreviewTarget], leg: str | None
    ) -> dict[str, Any]:
        return self._requests.preview(app_id, campaign_id, to, leg)

    def offline(
        self,
        app_id: str,
        campaign_id: str,
        leg: str | None,
        article_idx: int,
        confirmed: list[int] | None = None,
    ) -> dict[str, Any]:
        return self._requests.offline(app_id, campaign_id, leg, article_idx, confirmed)

    def read_rates(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        return self._readings.refresh(app_id, campaign_id)


__all__ = ["Broadcast", "CampaignConflictError", "ScheduleError", "Step"]
