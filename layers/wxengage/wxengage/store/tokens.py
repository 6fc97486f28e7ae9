"""Access-token store in DynamoDB: every Lambda shares one token per account (no ping-pong)."""

from __future__ import annotations

from typing import Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, SecretStr

from wxengage.settings import Settings
from wxengage.store.aws import client


class CachedToken(BaseModel):
    """An access token and when it stops working (epoch seconds)."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    expires_at: int


class TokenStore(Protocol):
    """Where tokens are shared between processes."""

    def get(self, app_id: str) -> CachedToken | None: ...
    def put(self, app_id: str, token: CachedToken) -> None: ...
    def invalidate(self, app_id: str, access_token: str) -> None: ...


class DynamoTokenStore:
    """One item per account; writes never replace a token that lives longer."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.tokens_table

    def get(self, app_id: str) -> CachedToken | None:
        """The stored token, even an expired one (TTL deletion lags): callers check expires_at."""
        resp = client("dynamodb").get_item(
            TableName=self._table, Key={"app_id": {"S": app_id}}, ConsistentRead=True
        )
        item = resp.get("Item")
        if not item:
            return None
        return CachedToken(
            access_token=SecretStr(item["access_token"]["S"]),
            expires_at=int(item["expires_at"]["N"]),
        )

    def put(self, app_id: str, token: CachedToken) -> None:
        """Store the token unless the stored one expires later (then that one stays)."""
        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item={
                    "app_id": {"S": app_id},
                    "access_token": {"S": token.access_token.get_secret_value()},
                    "expires_at": {"N": str(token.expires_at)},
                },
                # Two Lambdas racing converge on the newest token.
                ConditionExpression="attribute_not_exists(app_id) OR expires_at < :e",
                ExpressionAttributeValues={":e": {"N": str(token.expires_at)}},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def invalidate(self, app_id: str, access_token: str) -> None:
        """Drop the stored token only if it is still the one WeChat refused."""
        try:
            client("dynamodb").delete_item(
                TableName=self._table,
                Key={"app_id": {"S": app_id}},
                ConditionExpression="access_token = :t",
                ExpressionAttributeValues={":t": {"S": access_token}},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
