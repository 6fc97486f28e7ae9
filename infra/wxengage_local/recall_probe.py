"""When is the next recall due? The warp clock asks, so it never leaps past a recall's sweep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from wxengage.recall.holds import RecallHold
from wxengage.store.due_index import due_time_of

_HOLD = "#recall-hold"


def next_recall_due(
    table: str, client: Callable[[], Any] | None = None
) -> Callable[[float], float | None]:
    """`now -> the earliest due time in the recall due index` (None: nothing pending).

    Pending recalls and claims (at their deadline) both sit in the index. An account whose
    sends are held counts from the end of its hold, or a held account's due rows would keep
    the clock ticking minute by minute. A Scan: the local tables are small, and it runs only
    when the clock is about to leap.
    """
    # One client, made once; short timeouts: a probe that hangs would hold the clock still.
    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
    made: list[Any] = []
    lock = threading.Lock()

    def ddb_client() -> Any:
        with lock:
            if not made:
                made.append(
                    client()
                    if client
                    else boto3.session.Session().client("dynamodb", config=config)
                )
            return made[0]

    def probe(now: float) -> float | None:
        ddb = ddb_client()
        due: dict[str, float] = {}
        holds: dict[str, int] = {}
        pages = ddb.get_paginator("scan").paginate(
            TableName=table,
            FilterExpression="attribute_exists(due_key) OR recall_id = :hold",
            ExpressionAttributeValues={":hold": {"S": _HOLD}},
            ProjectionExpression="app_id, recall_id, due_key, #h",
            ExpressionAttributeNames={"#h": "hold"},
        )
        for page in pages:
            for item in page["Items"]:
                app_id = item["app_id"]["S"]
                if item["recall_id"]["S"] == _HOLD:
                    holds[app_id] = RecallHold.model_validate_json(item["hold"]["S"]).until
                else:
                    at = float(due_time_of(item["due_key"]["S"]))
                    due[app_id] = min(at, due.get(app_id, at))
        times = [max(at, float(holds.get(app_id, 0))) for app_id, at in due.items()]
        return min(times) if times else None

    return probe
