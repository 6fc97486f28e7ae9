"""Campaigns, their legs and batches in DynamoDB: JSON documents under optimistic locking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from wxengage.broadcast.state import BatchState, Campaign, CampaignNotFoundError, LegState
from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import (
    AttributeValue,
    conditional,
    expression_values,
    key,
    to_attributes,
)

Doc = TypeVar("Doc", Campaign, LegState, BatchState)


def _leg_sk(campaign_id: str, leg: str) -> str:
    return f"{campaign_id}#leg#{leg}"


def _batch_sk(campaign_id: str, leg: str, number: int) -> str:
    return f"{campaign_id}#batch#{leg}#{number:05d}"


def _sk(doc: Campaign | LegState | BatchState) -> str:
    if isinstance(doc, Campaign):
        return doc.campaign_id
    if isinstance(doc, LegState):
        return _leg_sk(doc.campaign_id, doc.key)
    return _batch_sk(doc.campaign_id, doc.leg, doc.number)


class CampaignStore:
    """Every write is conditional on the version read, so concurrent tasks never lose an update."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.campaigns_table

    # --- generic ----------------------------------------------------------------------

    def create(self, doc: Doc) -> bool:
        """Write a new item; False if it already exists (a retried task created it)."""
        try:
            self._put(doc, "attribute_not_exists(sk)", {})
        except ConflictError:
            return False
        return True

    def save(self, doc: Doc) -> Doc:
        """Write `doc` over the version it was read at; returns it with the new version."""
        new = _at_version(doc, doc.version + 1)
        self._put(new, "#v = :v", expression_values(v=doc.version))
        return new

    def _put(
        self,
        doc: Campaign | LegState | BatchState,
        condition: str,
        values: dict[str, AttributeValue],
    ) -> None:
        # The whole document as JSON, with the key, kind, version (the lock) and, for a
        # campaign, its status copied out beside it.
        item = to_attributes(
            {
                "app_id": doc.app_id,
                "sk": _sk(doc),
                "kind": type(doc).__name__,
                "v": doc.version,
                "doc": doc,
                "status": doc.status if isinstance(doc, Campaign) else None,
            }
        )
        with conditional(f"{type(doc).__name__} {_sk(doc)} changed"):
            client("dynamodb").put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression=condition,
                **({"ExpressionAttributeNames": {"#v": "v"}} if "#v" in condition else {}),
                **({"ExpressionAttributeValues": values} if values else {}),
            )

    def _get(self, app_id: str, sk: str, model: type[Doc]) -> Doc | None:
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, sk=sk),
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return model.model_validate_json(item["doc"]["S"]) if item else None

    def _query(self, app_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="app_id = :a AND begins_with(sk, :p)",
            ExpressionAttributeValues=expression_values(a=app_id, p=prefix),
            ConsistentRead=True,
        ):
            yield from page.get("Items", [])

    # --- campaigns --------------------------------------------------------------------

    def get(self, app_id: str, campaign_id: str) -> Campaign:
        """The campaign, or CampaignNotFoundError."""
        found = self._get(app_id, campaign_id, Campaign)
        if found is None:
            raise CampaignNotFoundError(f"no campaign {campaign_id} for account {app_id}")
        return found

    def all(self, app_id: str) -> list[Campaign]:
        """The account's campaigns, oldest first."""
        found = [
            Campaign.model_validate_json(item["doc"]["S"])
            for item in self._query(app_id, "c")
            if item.get("kind", {}).get("S") == "Campaign"
        ]
        return sorted(found, key=lambda c: c.created_at)

    def delete_draft(self, campaign: Campaign) -> None:
        """Remove a draft (never a campaign that ran: its records explain what was sent)."""
        with conditional(f"campaign {campaign.campaign_id} changed"):
            client("dynamodb").delete_item(
                TableName=self._table,
                Key=key(app_id=campaign.app_id, sk=campaign.campaign_id),
                ConditionExpression="#v = :v AND #s = :draft",
                ExpressionAttributeNames={"#v": "v", "#s": "status"},
                ExpressionAttributeValues=expression_values(v=campaign.version, draft="draft"),
            )

    # --- legs and batches -------------------------------------------------------------

    def leg(self, app_id: str, campaign_id: str, key: str) -> LegState | None:
        return self._get(app_id, _leg_sk(campaign_id, key), LegState)

    def legs(self, app_id: str, campaign_id: str) -> list[LegState]:
        return [
            LegState.model_validate_json(item["doc"]["S"])
            for item in self._query(app_id, f"{campaign_id}#leg#")
        ]

    def batches(self, app_id: str, campaign_id: str, leg: str) -> list[BatchState]:
        found = [
            BatchState.model_validate_json(item["doc"]["S"])
            for item in self._query(app_id, f"{campaign_id}#batch#{leg}#")
        ]
        return sorted(found, key=lambda b: b.number)


def _at_version(doc: Doc, version: int) -> Doc:
    """The same document at another version, validated (never an untyped copy)."""
    return type(doc).model_validate(doc.model_dump() | {"version": version})
