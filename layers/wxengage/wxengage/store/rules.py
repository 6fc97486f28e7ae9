"""Rule store: recall rules per account, with plan caps enforced on create and enable."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.parameters.base import BaseProvider

from wxengage import clock
from wxengage.accounts import Plan
from wxengage.errors import ConflictError
from wxengage.recall.rules import (
    PLAN_RULE_CAPS,
    STORED,
    PlanCapError,
    RecallRule,
    RuleNotFoundError,
    StoredRule,
)
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, from_item, key, to_item


class _RulesProvider(BaseProvider):
    """All rules of an account through Powertools' cache (the webhook reads them per message)."""

    def __init__(self, table: str) -> None:
        super().__init__(client=client("dynamodb"))  # type: ignore[no-untyped-call]
        self._table = table

    def _get(self, name: str, **sdk_options: Any) -> str:
        return json.dumps([r.model_dump(mode="json") for r in _query(self._table, name)])

    def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
        raise NotImplementedError


def _query(table: str, app_id: str) -> list[StoredRule]:
    out: list[StoredRule] = []
    paginator = client("dynamodb").get_paginator("query")
    for page in paginator.paginate(
        TableName=table,
        KeyConditionExpression="app_id = :a",
        ExpressionAttributeValues=expression_values(a=app_id),
        ConsistentRead=True,
    ):
        out.extend(from_item(StoredRule, i, STORED) for i in page["Items"])
    return out


class RuleStore:
    """CRUD for rules; every write re-checks the plan cap on enabled rules."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.rules_table
        self._provider: _RulesProvider | None = None

    def all(self, app_id: str) -> list[StoredRule]:
        """Every rule of the account, by name (consistent read)."""
        return sorted(_query(self._table, app_id), key=lambda r: r.rule.name)

    def cached(self, app_id: str, max_age: int = 60) -> list[StoredRule]:
        """The same, cached in memory for `max_age` seconds (the webhook's hot path)."""
        if self._provider is None:
            self._provider = _RulesProvider(self._table)
        raw: Any = self._provider.get(app_id, max_age=max_age, transform="json")
        return [StoredRule.model_validate(r, context=STORED) for r in raw]

    def get(self, app_id: str, name: str) -> StoredRule:
        """One rule, or RuleNotFoundError."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, name=name),
            ConsistentRead=True,
        )
        if "Item" not in resp:
            raise RuleNotFoundError(app_id, name)
        return from_item(StoredRule, resp["Item"], STORED)

    def put(self, app_id: str, rule: RecallRule, plan: Plan) -> tuple[StoredRule, bool]:
        """Create or replace by name; an edit keeps the rule's creation time. Returns (rule, created)."""
        existing = {r.rule.name: r for r in self.all(app_id)}
        if rule.enabled:
            self._check_cap(existing, rule.name, plan)
        now = int(clock.now_ts())
        before = existing.get(rule.name)
        stored = StoredRule(
            rule=rule, created_at=before.created_at if before else now, updated_at=now
        )
        self._write(app_id, stored, expect_updated_at=before.updated_at if before else None)
        return stored, before is None

    def set_enabled(self, app_id: str, name: str, enabled: bool, plan: Plan) -> StoredRule:
        """Enable or disable one rule (enabling re-checks the plan cap)."""
        existing = {r.rule.name: r for r in self.all(app_id)}
        if name not in existing:
            raise RuleNotFoundError(app_id, name)
        if enabled:
            self._check_cap(existing, name, plan)
        before = existing[name]
        stored = StoredRule(
            rule=_switched(before.rule, enabled),
            created_at=before.created_at,
            updated_at=int(clock.now_ts()),
        )
        self._write(app_id, stored, expect_updated_at=before.updated_at)
        return stored

    def delete(self, app_id: str, name: str) -> None:
        """Delete a rule; its pending recalls are dropped when they come due."""
        try:
            with conditional(f"rule {name} of {app_id} is gone"):
                client("dynamodb").delete_item(
                    TableName=self._table,
                    Key=key(app_id=app_id, name=name),
                    ConditionExpression="attribute_exists(app_id)",
                )
        except ConflictError:
            raise RuleNotFoundError(app_id, name) from None

    @staticmethod
    def _check_cap(existing: dict[str, StoredRule], name: str, plan: Plan) -> None:
        cap = PLAN_RULE_CAPS[plan]
        others = sorted(n for n, r in existing.items() if r.rule.enabled and n != name)
        if len(others) >= cap:
            raise PlanCapError(
                f"the {plan.value} plan allows {cap} enabled rule{'s' if cap > 1 else ''}; "
                f"already enabled: {', '.join(others)} (disable one first)"
            )

    def _write(self, app_id: str, stored: StoredRule, expect_updated_at: int | None) -> None:
        # The rule is one JSON document; its name (the key) and enabled flag are copied out.
        item = to_item(stored, app_id=app_id, name=stored.rule.name, enabled=stored.rule.enabled)
        # Optimistic: a concurrent edit between our read and this write fails instead of being lost.
        if expect_updated_at is None:
            cond: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(app_id)"}
        else:
            cond = {
                "ConditionExpression": "updated_at = :u",
                "ExpressionAttributeValues": expression_values(u=expect_updated_at),
            }
        try:
            with conditional(f"rule {stored.rule.name} of {app_id} changed"):
                client("dynamodb").put_item(TableName=self._table, Item=item, **cond)
        except ConflictError:
            raise PlanCapError("the rules changed while this edit was made: try again") from None


def _switched(rule: RecallRule, enabled: bool) -> RecallRule:
    """The same rule enabled or disabled, validated (never an untyped copy)."""
    # A switch of a stored rule, not new content: a rule put before a newer check still switches.
    return RecallRule.model_validate(rule.model_dump() | {"enabled": enabled}, context=STORED)
