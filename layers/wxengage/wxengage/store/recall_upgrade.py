"""Once per account after an upgrade: re-file rows an older version left where the sweep no longer reads.

Two older layouts: rows under a minute partition (`app#YYYY-MM-DDTHH:MM`, before the due index
went by day), and queued rows that left the due index altogether (before a queued recall was
filed at its queue deadline), which a message lost to the dead-letter queue left queued for ever.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from wxengage.errors import ConflictError
from wxengage.recall.budget import QUEUED_STALE_SECONDS
from wxengage.recall.planning import RecallStatus
from wxengage.store.aws import client
from wxengage.store.due_index import due_bucket
from wxengage.store.dynamo import conditional, expression_values, key

_DAY = len("YYYY-MM-DD")


def upgrade_due_index(table: str, app_id: str, now: int) -> int:
    """Re-file every row of `app_id` the sweep would miss; returns how many moved.

    One Query of the account's recall partition. A minute-partitioned row moves to its day
    partition; a queued row outside the index is filed at `now` + QUEUED_STALE_SECONDS, so a
    sweep then queues it again (or fails it once its window closed) if no sender claimed it.
    Each move is conditional, so a row re-planned, claimed or finished meanwhile is left as is.
    """
    moved = 0
    paginator = client("dynamodb").get_paginator("query")
    for page in paginator.paginate(
        TableName=table,
        KeyConditionExpression="app_id = :a",
        FilterExpression="attribute_exists(due_bucket) OR #s = :queued",
        ProjectionExpression="recall_id, due_bucket, #s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=expression_values(a=app_id, queued=RecallStatus.QUEUED),
    ):
        for row in page["Items"]:
            moved += _refile(table, app_id, row, now)
    return moved


def _refile(table: str, app_id: str, row: dict[str, Any], now: int) -> int:
    recall_id = row["recall_id"]["S"]
    if "due_bucket" not in row:  # queued, outside the index
        deadline = now + QUEUED_STALE_SECONDS
        update = "SET queued_at = :now, due_bucket = :b, due_key = :k"
        condition = "#s = :queued AND attribute_not_exists(due_bucket)"
        values = expression_values(
            now=now,
            b=due_bucket(app_id, deadline),
            k=f"{deadline:010d}#{recall_id}",
            queued=RecallStatus.QUEUED,
        )
        names: dict[str, str] | None = {"#s": "status"}
    else:
        old = row["due_bucket"]["S"]
        stamp = old[len(app_id) + 1 :]
        if len(stamp) == _DAY:
            return 0  # already a day partition
        update, condition, names = "SET due_bucket = :new", "due_bucket = :old", None
        values = expression_values(new=f"{app_id}#{stamp[:_DAY]}", old=old)
    with suppress(ConflictError), conditional("recall moved meanwhile"):
        client("dynamodb").update_item(
            TableName=table,
            Key=key(app_id=app_id, recall_id=recall_id),
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": names} if names else {}),
        )
        return 1
    return 0
