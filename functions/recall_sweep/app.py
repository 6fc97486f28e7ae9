"""Recall sweep Lambda: every minute, queue the recalls that are due (EventBridge schedule)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage import clock
from wxengage.observability import count, logger, metrics, tracer
from wxengage.recall.sweep import describe
from wxengage.settings import get_settings
from wxengage.wiring.recall import run_sweep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run one sweep over every account and report what it read and queued."""
    now = int(clock.now_ts())
    report = run_sweep(get_settings(), now)
    count("SweepRowsRead", report.rows_read)
    count("SweepDue", report.due)
    count("SweepQueued", report.queued)
    count("SweepStranded", report.stranded)
    count("SweepRequeued", report.requeued)
    count("SweepUndelivered", report.undelivered)
    count("SweepRuns")
    logger.info(describe(report, now), extra=report.model_dump())
    return report.model_dump()
