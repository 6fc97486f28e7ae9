"""The account's latest catalog refresh request: one item (app_id, "sync#refresh") in the campaigns table.

Claimed with a conditional write, so two clicks (or two operators) inside the quiet minute start
one run; finished only by the run that names it, so an older run never closes a newer request.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import expression_values, key, to_attributes
from wxengage.sync.refresh import RefreshRequest

_SK = "sync#refresh"


def _failed_condition(err: ClientError) -> bool:
    code: object = err.response.get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


class RefreshStore:
    """Claim, read, release and finish the refresh request of an account."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.campaigns_table

    def get(self, app_id: str) -> RefreshRequest | None:
        """The latest request, or None when none was ever made."""
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key=key(app_id=app_id, sk=_SK), ConsistentRead=True)
            .get("Item")
        )
        return RefreshRequest.model_validate_json(item["doc"]["S"]) if item else None

    def claim(self, request: RefreshRequest, quiet_seconds: int) -> RefreshRequest | None:
        """Store `request` unless another was made less than `quiet_seconds` before it; returns
        None when stored, else the standing request (which the caller answers with)."""
        item = to_attributes(
            {
                "app_id": request.app_id,
                "sk": _SK,
                "kind": "RefreshRequest",
                "requested_at": request.requested_at,
                "doc": request,
            }
        )
        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(sk) OR requested_at <= :cutoff",
                ExpressionAttributeValues=expression_values(
                    cutoff=request.requested_at - quiet_seconds
                ),
            )
        except ClientError as err:
            if not _failed_condition(err):
                raise
            standing = self.get(request.app_id)
            if standing is None:  # deleted between the write and the read: claim again
                return self.claim(request, quiet_seconds)
            return standing
        return None

    def release(self, request: RefreshRequest) -> None:
        """Take back a request no run will answer (the invoke failed), if it is still the latest."""
        try:
            client("dynamodb").delete_item(
                TableName=self._table,
                Key=key(app_id=request.app_id, sk=_SK),
                ConditionExpression="requested_at = :r",
                ExpressionAttributeValues=expression_values(r=request.requested_at),
            )
        except ClientError as err:
            if not _failed_condition(err):
                raise

    def finish(self, app_id: str, requested_at: int, finished_at: int, error: str | None) -> bool:
        """Mark the request made at `requested_at` answered; False when a newer one replaced it
        (or it was never stored), which then stays pending for its own run."""
        standing = self.get(app_id)
        if standing is None or standing.requested_at != requested_at:
            return False
        done = RefreshRequest.model_validate(
            standing.model_dump() | {"finished_at": finished_at, "error": error}
        )
        try:
            client("dynamodb").update_item(
                TableName=self._table,
                Key=key(app_id=app_id, sk=_SK),
                UpdateExpression="SET #d = :doc",
                ConditionExpression="requested_at = :r",
                ExpressionAttributeNames={"#d": "doc"},
                ExpressionAttributeValues=expression_values(r=requested_at, doc=done),
            )
        except ClientError as err:
            if not _failed_condition(err):
                raise
            return False
        return True
