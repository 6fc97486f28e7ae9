"""Recall store: pending recalls, indexed by the UTC day and time they come due, and their claims."""

from __future__ import annotations

from typing import Any

from wxengage import clock
from wxengage.errors import ConflictError
from wxengage.recall.budget import CLAIM_STALE_SECONDS, QUEUED_STALE_SECONDS
from wxengage.recall.outcomes import FailureReason
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.recall.ports import DueRead
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.due_index import DUE_INDEX, due_bucket
from wxengage.store.dynamo import (
    conditional,
    expression_values,
    from_item,
    key,
    to_item,
)
from wxengage.store.recall_sweep_state import SweepState

# Sparse: only pending recalls carry `pending_rule`, so an edit or a delete reads exactly the
# rule's pending recalls (template.yaml: RecallsTable's pending_rule index).
RULE_INDEX = "pending_rule"


def pending_rule(app_id: str, rule_id: str) -> str:
    """The rule index partition for one rule's pending recalls."""
    return f"{app_id}#{rule_id}"


def _due_key(recall: PendingRecall) -> str:
    # Zero-padded due time first, so a range condition reads only rows already due.
    return f"{recall.due_at:010d}#{recall.recall_id}"


class RecallStore(SweepState):
    """Pending recalls, one item per (account, follower, rule), and (SweepState) each account's
    sweep checkpoint and hold on recall sends."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.recalls_table)
        self._retention = settings.retention_days * 86400

    def put_pending(self, recall: PendingRecall) -> str:
        """Plan a recall, replacing the follower's older one for this rule.

        Returns "new" (the follower was not pending before), "replanned" (a newer window
        replaced a plan still pending) or "stale" (a newer window's plan is already there).
        """
        item = to_item(
            recall,
            recall_id=recall.recall_id,
            status=RecallStatus.PENDING,
            # Filed under today if already due: the sweep has passed older days (a late
            # callback, or a lead close to the whole window) and would never read them.
            due_bucket=due_bucket(recall.app_id, max(recall.due_at, int(clock.now_ts()))),
            due_key=_due_key(recall),
            pending_rule=pending_rule(recall.app_id, recall.rule_id),
            expires_at=recall.window_closes_at + self._retention,
        )
        # Never let a late, older window replace a newer one's plan.
        try:
            with conditional(f"recall {recall.recall_id} has a newer plan"):
                resp = client("dynamodb").put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(recall_id) OR window_opened_at < :w",
                    ExpressionAttributeValues=expression_values(w=recall.window_opened_at),
                    ReturnValues="ALL_OLD",
                )
        except ConflictError:
            return "stale"
        old = resp.get("Attributes", {}).get("status", {}).get("S")
        return (
            "replanned" if old in (RecallStatus.PENDING.value, RecallStatus.QUEUED.value) else "new"
        )

    def due_since(self, app_id: str, since: int, now: int) -> DueRead:
        """Every row of the due index filed from `since`'s day to `now` that is due by `now`.

        One Query per UTC day spanned, each reading only rows whose due_key is <= now: rows
        are re-filed under a deadline once queued or claimed and leave it once finished, so
        what is read is what is due (or a queued recall or claim past its deadline), however
        long ago `since` is.
        """
        paginator = client("dynamodb").get_paginator("query")
        rows: list[PendingRecall] = []
        days = range(since - since % 86400, now - now % 86400 + 1, 86400)
        for day in days:
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=DUE_INDEX,
                KeyConditionExpression="due_bucket = :b AND due_key <= :k",
                ExpressionAttributeValues=expression_values(
                    b=due_bucket(app_id, day), k=f"{now:010d}~"
                ),
            ):
                rows.extend(from_item(PendingRecall, item) for item in page["Items"])
        return DueRead(rows=rows, queries=len(days))

    def get(self, app_id: str, recall_id: str) -> tuple[PendingRecall, dict[str, Any]] | None:
        """One recall with its raw item (status, claim, reason), or None."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, recall_id=recall_id),
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return (from_item(PendingRecall, item), item) if item else None

    def mark_queued(self, recall: PendingRecall, now: int) -> bool:
        """pending -> queued, filed in the due index under its queue deadline (queued_at +
        QUEUED_STALE_SECONDS): a sender's claim re-files it, so a row still queued at that
        deadline lost its queue message and the first sweep after it deals with it."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, queued_at = :now, due_bucket = :b, due_key = :k REMOVE pending_rule",
            "#s = :pending",
            to=RecallStatus.QUEUED,
            now=now,
            **_queue_deadline(recall, now),
            pending=RecallStatus.PENDING,
        )

    def requeued(self, recall: PendingRecall, now: int) -> bool:
        """A lost queued recall was queued again: a new queue deadline; False if it moved on."""
        return transition(
            self._table,
            recall,
            "SET queued_at = :now, due_bucket = :b, due_key = :k",
            "#s = :queued AND queued_at <= :cutoff",
            now=now,
            **_queue_deadline(recall, now),
            queued=RecallStatus.QUEUED,
            cutoff=now - QUEUED_STALE_SECONDS,
        )

    def undelivered(self, recall: PendingRecall, now: int) -> bool:
        """A lost queued recall whose window closed -> failed/not_delivered (nothing was sent)."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, outcome = :r, finished_at = :now REMOVE due_bucket, due_key",
            "#s = :queued AND queued_at <= :cutoff",
            to=RecallStatus.FAILED,
            r=FailureReason.NOT_DELIVERED,
            now=now,
            queued=RecallStatus.QUEUED,
            cutoff=now - QUEUED_STALE_SECONDS,
        )

    def claim(self, recall: PendingRecall, token: str, now: int) -> bool:
        """Take ownership before calling WeChat; False if already claimed or superseded.

        The claim is filed in the due index under its deadline: should its sender be
        stopped before it records an outcome, the first sweep after that deadline settles it.
        """
        deadline = now + CLAIM_STALE_SECONDS
        return transition(
            self._table,
            recall,
            "SET #s = :to, claim_token = :t, claimed_at = :now, due_bucket = :b, due_key = :k"
            " REMOVE pending_rule",
            "#s IN (:pending, :queued)",
            to=RecallStatus.CLAIMED,
            t=token,
            now=now,
            b=due_bucket(recall.app_id, deadline),
            k=f"{deadline:010d}#{recall.recall_id}",
            pending=RecallStatus.PENDING,
            queued=RecallStatus.QUEUED,
        )

    def release(self, recall: PendingRecall, token: str) -> bool:
        """Undo a claim when WeChat surely did not send: back to pending, filed under the current
        day, so the next sweep queues it again even if the queue gives up on its message (DLQ)
        or a racing redelivery already deleted it. A second queue message is harmless: claims."""
        now = int(clock.now_ts())
        return transition(
            self._table,
            recall,
            "SET #s = :to, due_bucket = :b, due_key = :k, pending_rule = :r"
            " REMOVE claim_token, claimed_at",
            "#s = :claimed AND claim_token = :t",
            to=RecallStatus.PENDING,
            b=due_bucket(recall.app_id, max(recall.due_at, now)),
            k=_due_key(recall),
            r=pending_rule(recall.app_id, recall.rule_id),
            claimed=RecallStatus.CLAIMED,
            t=token,
        )

    def finish(
        self, recall: PendingRecall, token: str, status: RecallStatus, reason: str, now: int
    ) -> bool:
        """Record the outcome of a claimed recall."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, outcome = :r, finished_at = :now REMOVE due_bucket, due_key",
            "#s = :claimed AND claim_token = :t",
            to=status,
            r=reason,
            now=now,
            claimed=RecallStatus.CLAIMED,
            t=token,
        )

    def abandon(self, recall: PendingRecall, now: int) -> bool:
        """A claim older than CLAIM_STALE_SECONDS -> failed/unknown_outcome (never resent)."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, outcome = :r, finished_at = :now REMOVE due_bucket, due_key, claim_token",
            "#s = :claimed AND claimed_at <= :cutoff",
            to=RecallStatus.FAILED,
            r=FailureReason.UNKNOWN_OUTCOME,
            now=now,
            cutoff=now - CLAIM_STALE_SECONDS,
            claimed=RecallStatus.CLAIMED,
        )

    def reschedule(self, recall: PendingRecall, fresh: PendingRecall) -> bool:
        """A queued recall back to pending at a later due time (its rule's lead changed)."""
        return transition(
            self._table,
            recall,
            "SET #s = :to, due_at = :d, in_quiet_hours = :q, due_bucket = :b, due_key = :k,"
            " pending_rule = :r",
            "#s IN (:pending, :queued)",
            to=RecallStatus.PENDING,
            d=fresh.due_at,
            q=fresh.in_quiet_hours,
            b=due_bucket(recall.app_id, max(fresh.due_at, int(clock.now_ts()))),
            k=_due_key(fresh),
            r=pending_rule(recall.app_id, recall.rule_id),
            pending=RecallStatus.PENDING,
            queued=RecallStatus.QUEUED,
        )


def _queue_deadline(recall: PendingRecall, now: int) -> dict[str, str]:
    deadline = now + QUEUED_STALE_SECONDS
    return {"b": due_bucket(recall.app_id, deadline), "k": f"{deadline:010d}#{recall.recall_id}"}


def transition(
    table: str, recall: PendingRecall, update: str, condition: str, **values: str | int | bool
) -> bool:
    """One conditional move of a recall item; False when the condition no longer holds."""
    try:
        with conditional(f"recall {recall.recall_id} moved on"):
            client("dynamodb").update_item(
                TableName=table,
                Key=key(app_id=recall.app_id, recall_id=recall.recall_id),
                UpdateExpression=update,
                # Same window only: a newer message re-planned this follower meanwhile.
                ConditionExpression=f"({condition}) AND window_opened_at = :w",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=expression_values(**values, w=recall.window_opened_at),
            )
    except ConflictError:
        return False
    return True
