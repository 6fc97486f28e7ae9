"""Recall statistics: per account, rule and day (account time zone), counted with atomic adds."""

from __future__ import annotations

from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import deserialize, expression_values, key

# Stats are for "today and yesterday at a glance" and trends; a quarter is plenty.
RETENTION_SECONDS = 92 * 86400
COUNTERS = ("pending", "sent", "failed", "recalled")


def _pk(app_id: str, rule: str) -> str:
    return f"{app_id}#{rule}"


class StatsStore:
    """Counters such as pending, sent, failed, recalled and skipped_<reason>."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.stats_table

    def add(self, app_id: str, rule: str, day: str, counter: str, n: int = 1, now: int = 0) -> None:
        """Atomically add `n` to one counter."""
        client("dynamodb").update_item(
            TableName=self._table,
            Key=key(pk=_pk(app_id, rule), day=day),
            UpdateExpression="ADD #c :n SET expires_at = if_not_exists(expires_at, :e)",
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues=expression_values(n=n, e=now + RETENTION_SECONDS),
        )

    def day(self, app_id: str, rule: str, day: str) -> dict[str, int]:
        """All counters of one rule on one day (missing counters are zero)."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(pk=_pk(app_id, rule), day=day),
            ConsistentRead=True,
        )
        item = resp.get("Item", {})
        out = dict.fromkeys(COUNTERS, 0)
        for name, value in item.items():
            if name not in ("pk", "day", "expires_at") and "N" in value:
                out[name] = int(deserialize(value))
        return out

    def days(self, app_id: str, rule: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """Counters of one rule for each day from `first` to `last` (YYYY-MM-DD, inclusive).

        One query per rule, however long the range; a day nothing was counted on is absent.
        """
        out: dict[str, dict[str, int]] = {}
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND #d BETWEEN :first AND :last",
            ExpressionAttributeNames={"#d": "day"},  # a reserved word in DynamoDB
            ExpressionAttributeValues=expression_values(
                p=_pk(app_id, rule), first=first, last=last
            ),
            ConsistentRead=True,
        ):
            for item in page["Items"]:
                counters = dict.fromkeys(COUNTERS, 0)
                for name, value in item.items():
                    if name not in ("pk", "day", "expires_at") and "N" in value:
                        counters[name] = int(deserialize(value))
                out[str(deserialize(item["day"]))] = counters
        return out
