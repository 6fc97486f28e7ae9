"""Recall sender Lambda: consumes the recall queue with Powertools batch processing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from wxengage.observability import logger, metrics, tracer
from wxengage.recall.sender import Held
from wxengage.store.recall_queue import parse_message
from wxengage.wiring.recall import get_sender

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    """One due recall: an exception here reports the record as failed, so SQS retries it."""
    try:
        outcome = get_sender().deliver(parse_message(record.body))
    except Held as held:
        # Pending again: the sweep hands it out when the hold lifts; this message is done.
        logger.warning("recall held", extra={"errcode": held.hold.errcode})
        return "held"
    logger.info("recall processed", extra={"status": outcome.status, "reason": outcome.reason})
    return outcome.status


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    """Process the batch; failed records go back to the queue (then the DLQ after retries)."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
