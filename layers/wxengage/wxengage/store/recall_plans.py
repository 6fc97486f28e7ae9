"""One rule's pending recalls, read through the sparse rule index: cancelled or re-planned."""

from __future__ import annotations

from collections.abc import Iterator

from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.due_index import due_bucket
from wxengage.store.dynamo import expression_values, from_item
from wxengage.store.recalls import (
    RULE_INDEX,
    RecallStore,
    _due_key,
    pending_rule,
    transition,
)

CHECKPOINT_REUSE_SECONDS = 10


class RulePlans:
    """A rule's pending recalls: read by rule, cancelled on delete, moved on an edit."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.recalls_table
        self._recalls = RecallStore(settings)
        # The sweep's checkpoint per account and when it was read: one read per re-plan, not
        # one per recall moved (it only ever moves forward, so a few seconds old is a floor).
        self._checkpoints: dict[str, tuple[int, int]] = {}

    def _floor(self, app_id: str, now: int) -> int:
        seen = self._checkpoints.get(app_id)
        if seen is None or now - seen[1] > CHECKPOINT_REUSE_SECONDS:
            seen = (self._recalls.checkpoint(app_id) or 0, now)
            self._checkpoints[app_id] = seen
        return max(now, seen[0])

    def pending_of_rule(self, app_id: str, rule_id: str) -> Iterator[PendingRecall]:
        """The rule's pending recalls (not those queued or being sent), from the rule index."""
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=RULE_INDEX,
            KeyConditionExpression="pending_rule = :r",
            ExpressionAttributeValues=expression_values(r=pending_rule(app_id, rule_id)),
        ):
            for item in page["Items"]:
                yield from_item(PendingRecall, item)

    def cancel(self, recall: PendingRecall, reason: str, now: int) -> bool:
        """pending -> skipped with `reason` (its rule was deleted); False if it moved on."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, outcome = :r, finished_at = :now"
            " REMOVE due_bucket, due_key, pending_rule",
            "#s = :pending",
            to=RecallStatus.SKIPPED,
            r=reason,
            now=now,
            pending=RecallStatus.PENDING,
        )

    def move(self, recall: PendingRecall, fresh: PendingRecall, now: int) -> bool:
        """A pending recall to its re-planned due time; False if it moved on meanwhile.

        Filed under the current day when already due (or under the sweep's checkpoint, should
        this clock be behind the sweep's): the next sweep then hands it out.
        """
        floor = self._floor(recall.app_id, now)
        return transition(
            self._table,
            recall,
            "SET due_at = :d, in_quiet_hours = :q, due_bucket = :b, due_key = :k",
            "#s = :pending AND due_at = :old",
            d=fresh.due_at,
            q=fresh.in_quiet_hours,
            b=due_bucket(recall.app_id, max(fresh.due_at, floor)),
            k=_due_key(fresh),
            old=recall.due_at,
            pending=RecallStatus.PENDING,
        )
