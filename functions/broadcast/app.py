"""Broadcast Lambda: the tasks of the broadcast state machine (one action per invocation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage.broadcast.task_errors import task_error
from wxengage.broadcast.tasks import parse_task, run_task
from wxengage.observability import logger, metrics, tracer
from wxengage.wiring.broadcast import get_broadcast

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate the task input, run it; errors surface as the Lambda error Step Functions matches.

    A WeChat error leaves as WeChatBusyError (retried), WeChatRefusedError (not retried) or
    WeChatUnreachableError, its message a readable Reason; the traceback stays in this log.
    """
    task = parse_task(event)
    logger.append_keys(app_id=task.app_id, campaign_id=task.campaign_id, action=task.action)
    try:
        result = run_task(get_broadcast(), task)
    except Exception as err:
        logger.exception("broadcast task failed")
        translated = task_error(err)
        if translated is None:
            raise
        raise translated from err
    logger.info("broadcast task done", extra={"result": result})
    return result
