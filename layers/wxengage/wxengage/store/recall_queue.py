"""The recall queue: the sweep hands due recalls to SQS; the sender consumes them."""

from __future__ import annotations

import json

from wxengage.recall.planning import PendingRecall
from wxengage.settings import Settings
from wxengage.store.aws import client


class RecallQueue:
    """Sends recalls in batches of ten (SQS's limit)."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.recall_queue_url

    def send(self, recalls: list[PendingRecall]) -> list[PendingRecall]:
        """Enqueue; returns the recalls SQS accepted (in order)."""
        accepted: list[PendingRecall] = []
        for start in range(0, len(recalls), 10):
            chunk = recalls[start : start + 10]
            resp = client("sqs").send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "MessageBody": r.model_dump_json()} for i, r in enumerate(chunk)
                ],
            )
            ok = {int(e["Id"]) for e in resp.get("Successful", [])}
            accepted.extend(r for i, r in enumerate(chunk) if i in ok)
        return accepted


def parse_message(body: str) -> PendingRecall:
    """The recall a queue message carries (validated: it crossed a boundary)."""
    return PendingRecall.model_validate(json.loads(body))
