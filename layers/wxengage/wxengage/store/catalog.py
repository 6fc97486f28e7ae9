"""The synced catalog (tags, articles, sync state) as item types in the campaigns table.

Keys: (app_id, "sync#tag#<id>"), (app_id, "sync#article#<draft|published>#<id>"),
(app_id, "sync#state"). Campaign keys start with the campaign id and its queries use their own
prefixes, so these never mix with campaigns; each item holds its model as JSON in `doc`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import expression_values, key, to_attributes
from wxengage.sync.models import Article, ArticleSource, SyncState, Tag

PREFIX = "sync#"
_STATE = "sync#state"


def _tag_sk(tag: Tag) -> str:
    return f"{PREFIX}tag#{tag.id:010d}"


def _article_prefix(source: ArticleSource) -> str:
    return f"{PREFIX}article#{source.value}#"


class CatalogStore:
    """Replaces what changed, deletes what WeChat no longer lists; reads without WeChat."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.campaigns_table

    # --- state --------------------------------------------------------------------------

    def state(self, app_id: str) -> SyncState | None:
        """The account's sync state, or None before its first run."""
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key=key(app_id=app_id, sk=_STATE), ConsistentRead=True)
            .get("Item")
        )
        return SyncState.model_validate_json(item["doc"]["S"]) if item else None

    def save_state(self, state: SyncState) -> None:
        """Write the state (one writer per account: the sync function runs one at a time)."""
        self._put(state.app_id, _STATE, "SyncState", state)

    # --- tags and articles --------------------------------------------------------------

    def replace_tags(self, app_id: str, tags: list[Tag]) -> int:
        """Make the stored tags exactly `tags`; returns how many items were written or deleted."""
        return self._replace(app_id, f"{PREFIX}tag#", "Tag", {_tag_sk(t): t for t in tags})

    def replace_articles(self, app_id: str, source: ArticleSource, articles: list[Article]) -> int:
        """Make the stored items of `source` exactly `articles` (the latest N as synced)."""
        prefix = _article_prefix(source)
        docs = {f"{prefix}{a.id}": a for a in articles}
        return self._replace(app_id, prefix, "Article", docs)

    def tags(self, app_id: str) -> list[Tag]:
        """The synced tags by id."""
        return [Tag.model_validate_json(d) for d in self._docs(app_id, f"{PREFIX}tag#").values()]

    def articles(self, app_id: str) -> list[Article]:
        """The synced drafts and published items, newest first."""
        found = [
            Article.model_validate_json(d) for d in self._docs(app_id, f"{PREFIX}article#").values()
        ]
        return sorted(found, key=lambda a: (-a.update_time, a.source.value, a.id))

    # --- plumbing -----------------------------------------------------------------------

    def _replace(self, app_id: str, prefix: str, kind: str, docs: Mapping[str, BaseModel]) -> int:
        stored = self._docs(app_id, prefix)
        changes = 0
        for sk, doc in docs.items():
            if stored.get(sk) != doc.model_dump_json():  # unchanged items are not rewritten
                self._put(app_id, sk, kind, doc)
                changes += 1
        for sk in stored.keys() - docs.keys():
            client("dynamodb").delete_item(TableName=self._table, Key=key(app_id=app_id, sk=sk))
            changes += 1
        return changes

    def _put(self, app_id: str, sk: str, kind: str, doc: BaseModel) -> None:
        item = to_attributes({"app_id": app_id, "sk": sk, "kind": kind, "doc": doc})
        client("dynamodb").put_item(TableName=self._table, Item=item)

    def _docs(self, app_id: str, prefix: str) -> dict[str, str]:
        return {item["sk"]["S"]: item["doc"]["S"] for item in self._query(app_id, prefix)}

    def _query(self, app_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="app_id = :a AND begins_with(sk, :p)",
            ExpressionAttributeValues=expression_values(a=app_id, p=prefix),
            ProjectionExpression="sk, #d",
            ExpressionAttributeNames={"#d": "doc"},
        ):
            yield from page.get("Items", [])
