"""Delivers the template's SQS event sources to their functions locally (moto runs no pollers)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import FunctionSpec

log = logging.getLogger("wxengage.local.queue_pump")


@dataclass(frozen=True)
class Source:
    """One queue feeding one function."""

    function: FunctionSpec
    queue_url: str
    queue_arn: str
    batch_size: int = 10  # the mapping's BatchSize: at most this many records an invocation


def sqs_event(records: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller hands a function."""
    return {
        "Records": [
            {
                "messageId": r["MessageId"],
                "receiptHandle": r["ReceiptHandle"],
                "body": r["Body"],
                "attributes": r.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": r.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for r in records
        ]
    }


class QueuePump:
    """Polls each queue and invokes its function; reported batch failures stay on the queue."""

    def __init__(
        self,
        sources: list[Source],
        batch_size: int = 10,
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any] | None = None,
        retry_after_seconds: int = 5,
    ) -> None:
        self.sources = sources
        self._batch = batch_size
        self._invoke = invoke or invoke_in_process
        # Locally a failed message comes back after a few seconds rather than the queue's
        # full visibility timeout, so retries happen while you watch.
        self.retry_after_seconds = retry_after_seconds
        self._sqs: Any = None
        self._busy_sqs: Any = None
        self._busy_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0

    @classmethod
    def for_stack(
        cls, session: boto3.Session, functions: dict[str, FunctionSpec], physical: dict[str, str]
    ) -> QueuePump:
        """Sources from the template's SQS events and the deployed queues."""
        sqs = session.client("sqs")
        sources = []
        for function in functions.values():
            for logical_id in function.queues:
                url = physical[logical_id]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"
                ]["QueueArn"]
                batch = function.batch_sizes.get(logical_id, 10)
                sources.append(Source(function, url, arn, batch))
        return cls(sources)

    def start(self) -> None:
        """Poll in a daemon thread."""
        if self.sources:
            self._thread = threading.Thread(target=self._run, name="queue-pump", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling after the batch in hand."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def busy(self) -> bool:
        """True while any queue holds a message, visible, in flight or delayed.

        The warp clock never leaps while this is so: a recall the sweep just queued goes out at
        the time it was due, and a retried one a few seconds later, not a leap later.
        """
        with self._busy_lock:
            if self._busy_sqs is None:
                # Its own client with short timeouts (the warp clock's threads call this).
                config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
                self._busy_sqs = boto3.session.Session().client("sqs", config=config)
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        for source in self.sources:
            attributes = self._busy_sqs.get_queue_attributes(
                QueueUrl=source.queue_url, AttributeNames=names
            )["Attributes"]
            if any(int(attributes.get(name, "0")) for name in names):
                return True
        return False

    def drain(self) -> int:
        """Deliver until every queue answers empty; returns how many messages were handed over."""
        total = 0
        while (n := self.poll_once(wait_seconds=0)) > 0:
            total += n
        return total

    def poll_once(self, wait_seconds: int = 1) -> int:
        """One receive per queue; returns how many messages were handed over."""
        handed = 0
        for source in self.sources:
            if self._sqs is None:
                self._sqs = boto3.session.Session().client("sqs")
            sqs = self._sqs
            resp = sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(self._batch, source.batch_size, 10),
                WaitTimeSeconds=wait_seconds,
                AttributeNames=["All"],
            )
            records = resp.get("Messages", [])
            if not records:
                continue
            handed += len(records)
            self._deliver(source, records, sqs)
        self.delivered += handed
        return handed

    def _deliver(self, source: Source, records: list[dict[str, Any]], sqs: Any) -> None:
        try:
            result = self._invoke(source.function, sqs_event(records, source.queue_arn)) or {}
        except Exception:
            # Like Lambda: an invocation error leaves the whole batch to be retried.
            log.exception("queue delivery to %s failed", source.function.logical_id)
            for r in records:
                sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=r["ReceiptHandle"],
                    VisibilityTimeout=self.retry_after_seconds,
                )
            return
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [r for r in records if r["MessageId"] not in failed]
        for r in records:
            if r["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=r["ReceiptHandle"],
                    VisibilityTimeout=self.retry_after_seconds,
                )
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=source.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["ReceiptHandle"]}
                    for i, r in enumerate(done[start : start + 10])
                ],
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poll_once(wait_seconds=1) == 0:
                    self._stop.wait(0.2)
            except Exception:
                log.exception("queue pump poll failed")
                self._stop.wait(1)
