"""Follower store: one item per (app_id, openid) holding the window, written with optimistic locking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.windows import FollowerState, Opener

_INT_FIELDS = (
    "subscription_at",
    "left_at",
    "last_message_at",
    "last_interaction_at",
    "window_opened_at",
    "window_closes_at",
    "messages_left",
    "last_recall_at",
    "last_recall_window",
    "last_recall_closes_at",
    "recalls_in_window",
    "version",
)
_STR_FIELDS = ("last_recall_rule", "last_recall_day")


class FollowerStore:
    """Reads and conditionally writes follower items."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.followers_table
        self._retention = settings.retention_days * 86400

    def get(self, app_id: str, openid: str) -> FollowerState | None:
        """A consistent read of one follower, or None."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key={"app_id": {"S": app_id}, "openid": {"S": openid}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return _from_item(item) if item else None

    def update(
        self,
        app_id: str,
        openid: str,
        change: Callable[[FollowerState], FollowerState],
        attempts: int = 5,
    ) -> tuple[FollowerState, bool]:
        """Read, apply `change`, write back only if nobody wrote in between; retry on a lost race.

        Returns the resulting state and whether anything was written.
        """
        for _ in range(attempts):
            current = self.get(app_id, openid) or FollowerState(app_id=app_id, openid=openid)
            new = change(current)
            if new == current:
                return current, False
            stored = new.model_copy(update={"version": current.version + 1})
            try:
                self._put(stored, expected_version=current.version)
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            return stored, True
        raise ConflictError(f"follower {openid} of {app_id} kept changing under us")

    def _put(self, state: FollowerState, expected_version: int) -> None:
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(openid)"}
        else:
            condition = {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
            }
        client("dynamodb").put_item(TableName=self._table, Item=self._to_item(state), **condition)

    def _to_item(self, state: FollowerState) -> dict[str, Any]:
        item: dict[str, Any] = {
            "app_id": {"S": state.app_id},
            "openid": {"S": state.openid},
            "subscribed": {"BOOL": state.subscribed},
            "expires_at": {"N": str(self._expires_at(state))},
        }
        if state.window_opened_by is not None:
            item["window_opened_by"] = {"S": state.window_opened_by.value}
        if state.recall_converted:
            item["recall_converted"] = {"BOOL": True}
        for name in _STR_FIELDS:
            text = getattr(state, name)
            if text is not None:
                item[name] = {"S": text}
        for name in _INT_FIELDS:
            value = getattr(state, name)
            if value is not None:
                item[name] = {"N": str(value)}
        return item

    def _expires_at(self, state: FollowerState) -> int:
        # TTL is clean-up only: keep the record well past the window for stats and cooldowns.
        last = max(
            state.window_closes_at or 0,
            state.left_at or 0,
            state.last_interaction_at,
            state.last_recall_at or 0,  # the cooldown needs the last recall time
        )
        return last + self._retention

    def list(self, app_id: str) -> Iterator[FollowerState]:
        """Every stored follower of one account (a Query on the partition, never a Scan)."""
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="app_id = :a",
            ExpressionAttributeValues={":a": {"S": app_id}},
        ):
            for item in page["Items"]:
                yield _from_item(item)

    def subscribed(self, app_id: str) -> Iterator[str]:
        """Openids of the stored followers still following (a broadcast audience source)."""
        return (f.openid for f in self.list(app_id) if f.subscribed)


def _from_item(item: dict[str, Any]) -> FollowerState:
    values: dict[str, Any] = {
        "app_id": item["app_id"]["S"],
        "openid": item["openid"]["S"],
        "subscribed": item["subscribed"]["BOOL"],
    }
    if "window_opened_by" in item:
        values["window_opened_by"] = Opener(item["window_opened_by"]["S"])
    values["recall_converted"] = item.get("recall_converted", {}).get("BOOL", False)
    for name in _STR_FIELDS:
        if name in item:
            values[name] = item[name]["S"]
    for name in _INT_FIELDS:
        if name in item:
            values[name] = int(item[name]["N"])
    return FollowerState.model_validate(values)
