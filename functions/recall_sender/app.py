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
from wxengage.settings import get_settings
from wxengage.store.aws import client
from wxengage.store.recall_queue import parse_message
from wxengage.wiring.recall import get_sender

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)
# A failed record is retried after this, not after the queue's visibility timeout (six times
# the function's timeout, over an hour): a recall's lead can be as short as ten minutes.
RETRY_AFTER_SECONDS = 60


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    """One due recall: an exception here reports the record as failed, so SQS retries it."""
    try:
        outcome = get_sender().deliver(parse_message(record.body))
    except Held as held:
        # Pending again: the sweep hands it out when the hold lifts; this message is done.
        logger.warning("recall held", extra={"errcode": held.hold.errcode})
        return "held"
    except Exception:
        _retry_soon(record)
        raise
    logger.info("recall processed", extra={"status": outcome.status, "reason": outcome.reason})
    return outcome.status


def _retry_soon(record: SQSRecord) -> None:
    try:
        client("sqs").change_message_visibility(
            QueueUrl=get_settings().recall_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=RETRY_AFTER_SECONDS,
        )
    except Exception:  # the retry then waits for the visibility timeout: late, not lost
        logger.warning("could not shorten the retry of a failed recall", exc_info=True)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    """Process the batch; failed records go back to the queue (then the DLQ after retries)."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
