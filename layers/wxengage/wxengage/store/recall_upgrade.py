"""Once after the upgrade to the day-partitioned due index: re-file an account's minute-indexed rows."""

from __future__ import annotations

from contextlib import suppress

from wxengage.errors import ConflictError
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, key

_DAY = len("YYYY-MM-DD")


def refile_minute_buckets(table: str, app_id: str) -> int:
    """Move every row of `app_id` still under a minute partition (`app#YYYY-MM-DDTHH:MM`) to its
    day partition (`app#YYYY-MM-DD`); returns how many moved.

    One Query of the account's recall partition. Each move is conditional on the old partition,
    so a row re-planned, queued or finished meanwhile is left as it is.
    """
    moved = 0
    paginator = client("dynamodb").get_paginator("query")
    for page in paginator.paginate(
        TableName=table,
        KeyConditionExpression="app_id = :a",
        FilterExpression="attribute_exists(due_bucket)",
        ProjectionExpression="recall_id, due_bucket",
        ExpressionAttributeValues=expression_values(a=app_id),
    ):
        for row in page["Items"]:
            old = row["due_bucket"]["S"]
            stamp = old[len(app_id) + 1 :]
            if len(stamp) == _DAY:
                continue  # already a day partition
            with suppress(ConflictError), conditional("recall moved meanwhile"):
                client("dynamodb").update_item(
                    TableName=table,
                    Key=key(app_id=app_id, recall_id=row["recall_id"]["S"]),
                    UpdateExpression="SET due_bucket = :new",
                    ConditionExpression="due_bucket = :old",
                    ExpressionAttributeValues=expression_values(
                        new=f"{app_id}#{stamp[:_DAY]}", old=old
                    ),
                )
                moved += 1
    return moved
