"""Per account, in the recalls table: the sweep's checkpoint and the hold on recall sends."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from wxengage.errors import ConflictError
from wxengage.recall.holds import RecallHold
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, key, to_attributes
from wxengage.store.recall_upgrade import upgrade_due_index

_CHECKPOINT = "#sweep-checkpoint"
_HOLD = "#recall-hold"
# Rows filed by day, queued rows at their queue deadline ("day": by day only, before).
_INDEX_LAYOUT = "day+queued"


class SweepState:
    """The checkpoint and hold items of each account (recall_id `#sweep-checkpoint`, `#recall-hold`)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def hold(self, app_id: str) -> RecallHold | None:
        """The account's hold on recall sends (active or expired), or None."""
        item = (
            client("dynamodb")
            .get_item(
                TableName=self._table, Key=key(app_id=app_id, recall_id=_HOLD), ConsistentRead=True
            )
            .get("Item")
        )
        return RecallHold.model_validate_json(item["hold"]["S"]) if item else None

    def hold_sends(self, app_id: str, hold: RecallHold) -> None:
        """Hold the account's recall sends; a hold already there keeps its `since`."""
        before = self.hold(app_id)
        if before is not None:
            hold = hold.since_then(before.since)
        client("dynamodb").put_item(
            TableName=self._table,
            Item=to_attributes({"app_id": app_id, "recall_id": _HOLD, "hold": hold}),
        )

    def lift_hold(self, app_id: str, until: int) -> None:
        """Remove the hold that ran `until`; a newer hold (another refusal since) stays."""
        current = self.hold(app_id)
        if current is not None and current.until == until:
            client("dynamodb").delete_item(
                TableName=self._table, Key=key(app_id=app_id, recall_id=_HOLD)
            )

    def upgrade_due_index(self, app_id: str, now: int) -> int:
        """Once per account: re-file rows an older version left where the sweep does not read
        (minute partitions; queued rows outside the index); returns how many moved.

        Until the account's checkpoint says this layout is in use, one Query of the account's
        recall partition finds them (after an upgrade, once); each move is conditional, so a row
        re-planned, claimed or finished meanwhile is left as it is.
        """
        item = self._checkpoint_item(app_id)
        if item is not None and item.get("due_index", {}).get("S") == _INDEX_LAYOUT:
            return 0
        return upgrade_due_index(self._table, app_id, now)

    def _checkpoint_item(self, app_id: str) -> dict[str, Any] | None:
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, recall_id=_CHECKPOINT),
            ConsistentRead=True,
        )
        item: dict[str, Any] | None = resp.get("Item")
        return item

    def checkpoint(self, app_id: str) -> int | None:
        """The minute the last sweep of this account completed up to (epoch seconds)."""
        item = self._checkpoint_item(app_id)
        return int(item["swept_to"]["N"]) if item else None

    def save_checkpoint(self, app_id: str, minute_ts: int) -> None:
        """Move the checkpoint forward (never back: an older sweep finishing late changes nothing)."""
        with suppress(ConflictError), conditional(f"checkpoint of {app_id} is further on"):
            client("dynamodb").put_item(
                TableName=self._table,
                Item=to_attributes(
                    {
                        "app_id": app_id,
                        "recall_id": _CHECKPOINT,
                        "swept_to": minute_ts,
                        # The index's layout from here on (upgrade_due_index ran).
                        "due_index": _INDEX_LAYOUT,
                    }
                ),
                ConditionExpression="attribute_not_exists(swept_to) OR swept_to < :m",
                ExpressionAttributeValues=expression_values(m=minute_ts),
            )
