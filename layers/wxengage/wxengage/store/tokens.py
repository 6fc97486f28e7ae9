"""Access-token store in DynamoDB: every Lambda shares one token per account (no ping-pong)."""

from __future__ import annotations

from contextlib import suppress

from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, from_item, key, to_item
from wxengage.wechat.tokens import CachedToken, TokenStore

__all__ = ["CachedToken", "DynamoTokenStore", "TokenStore"]


class DynamoTokenStore:
    """The wechat client's TokenStore: one item per account; a write never replaces a token
    that lives longer."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.tokens_table

    def get(self, app_id: str) -> CachedToken | None:
        """The stored token, even an expired one (TTL deletion lags): callers check expires_at."""
        resp = client("dynamodb").get_item(
            TableName=self._table, Key=key(app_id=app_id), ConsistentRead=True
        )
        item = resp.get("Item")
        return from_item(CachedToken, item) if item else None

    def put(self, app_id: str, token: CachedToken) -> None:
        """Store the token unless the stored one expires later (then that one stays)."""
        with suppress(ConflictError), conditional(f"a longer-lived token of {app_id} is stored"):
            client("dynamodb").put_item(
                TableName=self._table,
                Item=to_item(token, app_id=app_id),
                # Two Lambdas racing converge on the newest token.
                ConditionExpression="attribute_not_exists(app_id) OR expires_at < :e",
                ExpressionAttributeValues=expression_values(e=token.expires_at),
            )

    def invalidate(self, app_id: str, access_token: str) -> None:
        """Drop the stored token only if it is still the one WeChat refused."""
        with suppress(ConflictError), conditional(f"the token of {app_id} was replaced"):
            client("dynamodb").delete_item(
                TableName=self._table,
                Key=key(app_id=app_id),
                ConditionExpression="access_token = :t",
                ExpressionAttributeValues=expression_values(t=access_token),
            )
