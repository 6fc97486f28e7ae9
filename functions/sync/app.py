"""Catalog sync Lambda: every 15 minutes (EventBridge) or on demand, tags, articles and followers' tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage import clock
from wxengage.observability import count, logger, metrics, tracer
from wxengage.settings import get_settings
from wxengage.sync.requests import SyncRequest
from wxengage.wiring.refresh import run_requested

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Stop starting new pages this long before the function's timeout (a fifth of the time at most,
# for a short timeout): a page (a batchget, up to 100 writes) takes well under it, and the cursor
# is saved after each one.
RESERVE_MS = 30_000


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A Scheduled Event syncs every account; `{"app_id", "articles"}` syncs one now, and with
    `requested_at` answers the console's refresh request of that time."""
    request = SyncRequest.from_event(event)
    reserve = min(RESERVE_MS, context.get_remaining_time_in_millis() // 5)
    reports = run_requested(
        get_settings(),
        request,
        int(clock.now_ts()),
        out_of_time=lambda: context.get_remaining_time_in_millis() < reserve,
    )
    for report in reports:
        count("SyncFollowersWritten", report.followers_written)
        count("SyncErrors", len(report.errors))
        logger.info("catalog synced", extra=report.model_dump())
    count("SyncRuns")
    return {"accounts": [r.model_dump() for r in reports]}
