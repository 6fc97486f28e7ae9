"""Follower store: one item per (app_id, openid) holding the window, written with optimistic locking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, from_item, key, to_item
from wxengage.windows import FollowerState

# Items written before never carried a false recall_converted: keep them that way.
_SPARSE = ("recall_converted", "holdout_converted")
# Written only by the tag sync (its own UpdateItem of these two, no version bump): a window
# write never touches them, so it cannot put back tags the sync replaced a moment before.
_SYNCED = ("tag_ids", "tags_synced_at")
_KEY = ("app_id", "openid")


class FollowerStore:
    """Reads and conditionally writes follower items."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.followers_table
        self._retention = settings.retention_days * 86400

    def get(self, app_id: str, openid: str) -> FollowerState | None:
        """A consistent read of one follower, or None."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, openid=openid),
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return from_item(FollowerState, item) if item else None

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
            stored = _at_version(new, current.version + 1)
            try:
                self._put(stored, expected_version=current.version)
            except ConflictError:
                continue
            return stored, True
        raise ConflictError(f"follower {openid} of {app_id} kept changing under us")

    def _put(self, state: FollowerState, expected_version: int) -> None:
        """Write every window attribute (an absent one is removed), never the synced tags.

        Version 0 means "not written by us yet": the item may be missing, or hold only the
        tags the sync wrote first.
        """
        item = self._to_item(state)
        fields = [n for n in FollowerState.model_fields if n not in _KEY and n not in _SYNCED]
        kept = [n for n in item if n not in _KEY and n not in _SYNCED]
        gone = [n for n in fields if n not in item]
        names = {f"#a{i}": n for i, n in enumerate(kept)} | {
            f"#r{i}": n for i, n in enumerate(gone)
        }
        values = {f":a{i}": item[n] for i, n in enumerate(kept)}
        update = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(kept)))
        if gone:
            update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(gone)))
        names["#v"] = "version"
        if expected_version == 0:
            condition = "attribute_not_exists(#v)"
        else:
            condition = "#v = :expected"
            values |= expression_values(expected=expected_version)
        with conditional(f"follower {state.openid} of {state.app_id} changed"):
            client("dynamodb").update_item(
                TableName=self._table,
                Key=key(app_id=state.app_id, openid=state.openid),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )

    def _to_item(self, state: FollowerState) -> dict[str, Any]:
        return to_item(state, sparse=_SPARSE, expires_at=self._expires_at(state))

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
            ExpressionAttributeValues=expression_values(a=app_id),
        ):
            for item in page["Items"]:
                yield from_item(FollowerState, item)

    def subscribed(self, app_id: str) -> Iterator[str]:
        """Openids of the stored followers still following (a broadcast audience source)."""
        return (f.openid for f in self.list(app_id) if f.subscribed)


def _at_version(state: FollowerState, version: int) -> FollowerState:
    """The same state at another version, validated (never an untyped copy)."""
    return FollowerState.model_validate(state.model_dump() | {"version": version})
