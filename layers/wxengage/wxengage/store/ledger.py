"""The broadcast ledger: how many broadcasts each follower received this period, per account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, deserialize, expression_values, key

# The caps and the period a send counts in are broadcast policy: wxengage/broadcast/caps.py.
KEEP_SECONDS = 40 * 86400  # a month's period is read until it ends; TTL tidies later
_WORKERS = 16


class BroadcastLedger:
    """Counts per follower and period; a batch is counted once however often it is retried."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.ledger_table

    def capped(self, period_key: str) -> set[str]:
        """Followers who already reached the cap in this period (reads only them: sparse index)."""
        paginator = client("dynamodb").get_paginator("query")
        out: set[str] = set()
        for page in paginator.paginate(
            TableName=self._table,
            IndexName="capped",
            KeyConditionExpression="capped = :p",
            ExpressionAttributeValues=expression_values(p=period_key),
        ):
            out.update(deserialize(item["openid"]) for item in page.get("Items", []))
        return out

    def record(self, period_key: str, openids: list[str], batch_id: str, cap: int, at: int) -> None:
        """Count one broadcast (the batch `batch_id`) for each openid; idempotent per batch."""
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            for _ in pool.map(lambda o: self._count(period_key, o, batch_id, cap, at), openids):
                pass

    def count(self, period_key: str, openid: str) -> int:
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(period=period_key, openid=openid),
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return int(deserialize(item["n"])) if item else 0

    def _count(self, period_key: str, openid: str, batch_id: str, cap: int, at: int) -> None:
        follower = key(period=period_key, openid=openid)
        try:
            with conditional(f"batch {batch_id} already counted for {openid}"):
                resp = client("dynamodb").update_item(
                    TableName=self._table,
                    Key=follower,
                    UpdateExpression="ADD n :one, batches :b SET expires_at = :exp",
                    # The batch id makes a retried batch count once.
                    ConditionExpression=(
                        "attribute_not_exists(batches) OR NOT contains(batches, :id)"
                    ),
                    ExpressionAttributeValues=expression_values(
                        one=1, b={batch_id}, id=batch_id, exp=at + KEEP_SECONDS
                    ),
                    ReturnValues="UPDATED_NEW",
                )
        except ConflictError:
            return
        if int(deserialize(resp["Attributes"]["n"])) >= cap:
            client("dynamodb").update_item(
                TableName=self._table,
                Key=follower,
                UpdateExpression="SET capped = :p",
                ExpressionAttributeValues=expression_values(p=period_key),
            )
