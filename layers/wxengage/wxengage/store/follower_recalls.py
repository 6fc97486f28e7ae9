"""One follower's recalls still to come (pending, queued or claimed), read from the recall table."""

from __future__ import annotations

from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import expression_values, from_item

# Not yet settled: the sweep has still to hand it out, or a sender is on it.
OPEN = (RecallStatus.PENDING, RecallStatus.QUEUED, RecallStatus.CLAIMED)


class FollowerRecalls:
    """Reads a follower's recalls by key prefix (recall_id starts with `<openid>#`): no Scan."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.recalls_table

    def open_of(self, app_id: str, openid: str) -> list[PendingRecall]:
        """The follower's recalls not yet sent, skipped or failed, soonest due first."""
        found: list[PendingRecall] = []
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="app_id = :a AND begins_with(recall_id, :p)",
            ExpressionAttributeValues=expression_values(a=app_id, p=f"{openid}#"),
            ConsistentRead=True,
        ):
            found += [from_item(PendingRecall, item) for item in page["Items"]]
        return sorted((r for r in found if r.status in OPEN), key=lambda r: (r.due_at, r.rule))
