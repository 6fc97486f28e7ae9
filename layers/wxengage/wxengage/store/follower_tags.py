"""Followers' tag ids in the follower item: read in openid order, written only onto existing followers."""

from __future__ import annotations

from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import deserialize, expression_values, key
from wxengage.sync.models import StoredTags


class FollowerTagStore:
    """Touches tag_ids and tags_synced_at only; the window's attributes and version stay as they are."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.followers_table

    def page(self, app_id: str, after: str, limit: int) -> list[StoredTags]:
        """Up to `limit` followers after openid `after` ("" = from the first), in key order."""
        params: dict[str, object] = {
            "TableName": self._table,
            "KeyConditionExpression": "app_id = :a",
            "ExpressionAttributeValues": expression_values(a=app_id),
            # Names, not words: none of these may ever collide with DynamoDB's reserved words.
            "ProjectionExpression": "#o, #s, #t, #a",
            "ExpressionAttributeNames": {
                "#o": "openid",
                "#s": "subscribed",
                "#t": "tag_ids",
                "#a": "tags_synced_at",
            },
            "Limit": limit,
        }
        if after:
            params["ExclusiveStartKey"] = key(app_id=app_id, openid=after)
        items = client("dynamodb").query(**params).get("Items", [])
        return [
            StoredTags.model_validate({name: deserialize(value) for name, value in item.items()})
            for item in items
        ]

    def write(self, app_id: str, openid: str, tag_ids: tuple[int, ...], synced_at: str) -> bool:
        """SET tag_ids (a list of numbers) and tags_synced_at on an existing follower; False when
        there is none (the condition keeps the sync from ever creating a follower)."""
        dynamodb = client("dynamodb")
        try:
            dynamodb.update_item(
                TableName=self._table,
                Key=key(app_id=app_id, openid=openid),
                UpdateExpression="SET tag_ids = :t, tags_synced_at = :s",
                ConditionExpression="attribute_exists(openid)",
                ExpressionAttributeValues=expression_values(t=list(tag_ids), s=synced_at),
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True
