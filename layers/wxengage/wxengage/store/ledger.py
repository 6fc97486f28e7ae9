"""The broadcast ledger: how many broadcasts each follower received this period, per account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from wxengage.settings import Settings
from wxengage.store.aws import client

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
            ExpressionAttributeValues={":p": {"S": period_key}},
        ):
            out.update(item["openid"]["S"] for item in page.get("Items", []))
        return out

    def record(self, period_key: str, openids: list[str], batch_id: str, cap: int, at: int) -> None:
        """Count one broadcast (the batch `batch_id`) for each openid; idempotent per batch."""
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            for _ in pool.map(lambda o: self._count(period_key, o, batch_id, cap, at), openids):
                pass

    def count(self, period_key: str, openid: str) -> int:
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key={"period": {"S": period_key}, "openid": {"S": openid}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return int(item["n"]["N"]) if item else 0

    def _count(self, period_key: str, openid: str, batch_id: str, cap: int, at: int) -> None:
        key = {"period": {"S": period_key}, "openid": {"S": openid}}
        try:
            resp = client("dynamodb").update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="ADD n :one, batches :b SET expires_at = :exp",
                # The batch id makes a retried batch count once.
                ConditionExpression="attribute_not_exists(batches) OR NOT contains(batches, :id)",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":b": {"SS": [batch_id]},
                    ":id": {"S": batch_id},
                    ":exp": {"N": str(at + KEEP_SECONDS)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return
            raise
        if int(resp["Attributes"]["n"]["N"]) >= cap:
            client("dynamodb").update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET capped = :p",
                ExpressionAttributeValues={":p": {"S": period_key}},
            )
