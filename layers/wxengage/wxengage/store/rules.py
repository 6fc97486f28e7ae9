"""Rule store: recall rules per account by name, their ids, deleted rules' records and a stamp.

Items of the rules table (HASH app_id, RANGE name):
  (app_id, <name>)              a live rule; its identity is the `rule_id` attribute
  (app_id, "rules stamp")       changes with every rule write: readers re-query only then
  ("<app_id> deleted", <id>)    what a deleted rule was (its history stays readable by id)
Names never hold a space (names.py), so the reserved keys never meet a rule's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from wxengage import clock
from wxengage.accounts import Plan
from wxengage.errors import ConflictError
from wxengage.recall.rule_ids import new_rule_id
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
from wxengage.store.dynamo import (
    conditional,
    expression_values,
    from_item,
    key,
    to_attributes,
    to_item,
)

STAMP_NAME = "rules stamp"


def deleted_partition(app_id: str) -> str:
    """The partition deleted rules' records live in (out of the live rules' Query)."""
    return f"{app_id} deleted"


@dataclass
class _Cached:
    stamp: str
    rules: list[StoredRule]
    generation: int | None


def _query(table: str, partition: str) -> list[StoredRule]:
    out: list[StoredRule] = []
    paginator = client("dynamodb").get_paginator("query")
    for page in paginator.paginate(
        TableName=table,
        KeyConditionExpression="app_id = :a",
        ExpressionAttributeValues=expression_values(a=partition),
        ConsistentRead=True,
    ):
        out.extend(from_item(StoredRule, i, STORED) for i in page["Items"] if "rule" in i)
    return out


class RuleStore:
    """CRUD for rules; every write re-checks the plan cap on enabled rules and moves the stamp."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.rules_table
        self._cache: dict[str, _Cached] = {}
        # Bumped per Lambda invocation (wiring/webhook.py); None: the stamp is read on every call.
        self._generation: int | None = None

    def new_invocation(self) -> None:
        """The next `cached` read checks the stamp again (the webhook calls this per invocation)."""
        self._generation = (self._generation or 0) + 1

    def all(self, app_id: str) -> list[StoredRule]:
        """Every live rule of the account, by name (consistent read)."""
        return sorted(_query(self._table, app_id), key=lambda r: r.rule.name)

    def deleted(self, app_id: str) -> list[StoredRule]:
        """What each deleted rule of the account was, oldest deletion first."""
        found = _query(self._table, deleted_partition(app_id))
        return sorted(found, key=lambda r: (r.deleted_at or 0, r.rule_id))

    def by_id(self, app_id: str, rule_id: str) -> StoredRule:
        """A live or deleted rule by its id, or RuleNotFoundError."""
        for stored in self.all(app_id):
            if stored.rule_id == rule_id:
                return stored
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=deleted_partition(app_id), name=rule_id),
            ConsistentRead=True,
        )
        if "Item" not in resp:
            raise RuleNotFoundError(app_id, rule_id)
        return from_item(StoredRule, resp["Item"], STORED)

    def stamp(self, app_id: str) -> str:
        """The account's rules stamp ("" before any write since stamps existed)."""
        item = (
            client("dynamodb")
            .get_item(
                TableName=self._table,
                Key=key(app_id=app_id, name=STAMP_NAME),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return str(item["stamp"]["S"]) if item else ""

    def cached(self, app_id: str) -> list[StoredRule]:
        """The live rules, re-queried only when the stamp moved (the webhook's hot path).

        The stamp (one small GetItem) is read once per invocation (see new_invocation), so a
        rule written before an invocation starts is what that invocation plans with.
        """
        entry = self._cache.get(app_id)
        fresh_enough = self._generation is not None
        if entry is not None and fresh_enough and entry.generation == self._generation:
            return entry.rules
        stamp = self.stamp(app_id)
        if entry is None or entry.stamp != stamp:
            entry = _Cached(stamp, self.all(app_id), self._generation)
        self._cache[app_id] = _Cached(entry.stamp, entry.rules, self._generation)
        return entry.rules

    def get(self, app_id: str, name: str) -> StoredRule:
        """One live rule by name, or RuleNotFoundError."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, name=name),
            ConsistentRead=True,
        )
        if "Item" not in resp or "rule" not in resp["Item"]:
            raise RuleNotFoundError(app_id, name)
        return from_item(StoredRule, resp["Item"], STORED)

    def put(self, app_id: str, rule: RecallRule, plan: Plan) -> tuple[StoredRule, bool]:
        """Create or replace by name; an edit keeps the rule's id and creation time.

        Returns (rule, created). A rule created after one of the same name was deleted is a
        new rule: a new id, no pending recalls, its own stats.
        """
        existing = {r.rule.name: r for r in self.all(app_id)}
        if rule.enabled:
            self._check_cap(existing, rule.name, plan)
        now = int(clock.now_ts())
        before = existing.get(rule.name)
        stored = StoredRule(
            rule=rule,
            rule_id=before.rule_id if before else new_rule_id(),
            created_at=before.created_at if before else now,
            updated_at=now,
        )
        self._write(app_id, [self._put_rule(app_id, stored, before)], now)
        return stored, before is None

    def set_enabled(self, app_id: str, name: str, enabled: bool, plan: Plan) -> StoredRule:
        """Enable or disable one rule (enabling re-checks the plan cap)."""
        existing = {r.rule.name: r for r in self.all(app_id)}
        if name not in existing:
            raise RuleNotFoundError(app_id, name)
        if enabled:
            self._check_cap(existing, name, plan)
        before = existing[name]
        now = int(clock.now_ts())
        stored = StoredRule(
            rule=_switched(before.rule, enabled),
            rule_id=before.rule_id,
            created_at=before.created_at,
            updated_at=now,
        )
        self._write(app_id, [self._put_rule(app_id, stored, before)], now)
        return stored

    def delete(self, app_id: str, name: str) -> StoredRule:
        """Delete a rule, keeping a record of what it was; returns that record.

        Its pending recalls are cancelled by the caller (wiring/rules.py); any it misses are
        skipped as rule_deleted when they come due (the sender finds no rule with their id).
        """
        before = self.get(app_id, name)
        now = int(clock.now_ts())
        gone = StoredRule(
            rule=before.rule,
            rule_id=before.rule_id,
            created_at=before.created_at,
            updated_at=before.updated_at,
            deleted_at=now,
        )
        record = to_item(gone, app_id=deleted_partition(app_id), name=gone.rule_id)
        ops: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": key(app_id=app_id, name=name),
                    "ConditionExpression": "rule_id = :i OR attribute_not_exists(rule_id)",
                    "ExpressionAttributeValues": expression_values(i=before.rule_id),
                }
            },
            {"Put": {"TableName": self._table, "Item": record}},
        ]
        try:
            self._write(app_id, ops, now)
        except PlanCapError:
            raise RuleNotFoundError(app_id, name) from None
        return gone

    @staticmethod
    def _check_cap(existing: dict[str, StoredRule], name: str, plan: Plan) -> None:
        cap = PLAN_RULE_CAPS[plan]
        others = sorted(n for n, r in existing.items() if r.rule.enabled and n != name)
        if len(others) >= cap:
            raise PlanCapError(
                f"the {plan.value} plan allows {cap} enabled rule{'s' if cap > 1 else ''}; "
                f"already enabled: {', '.join(others)} (disable one first)"
            )

    def _put_rule(
        self, app_id: str, stored: StoredRule, before: StoredRule | None
    ) -> dict[str, Any]:
        # The rule is one JSON document; its name (the key), id and enabled flag are copied out.
        item = to_item(stored, app_id=app_id, name=stored.rule.name, enabled=stored.rule.enabled)
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        # Optimistic: a concurrent edit between our read and this write fails instead of being lost.
        if before is None:
            put["ConditionExpression"] = "attribute_not_exists(app_id)"
        else:
            put["ConditionExpression"] = "updated_at = :u"
            put["ExpressionAttributeValues"] = expression_values(u=before.updated_at)
        return {"Put": put}

    def _write(self, app_id: str, ops: list[dict[str, Any]], now: int) -> None:
        """The rule change and a new stamp, together (a reader never sees one without the other)."""
        stamp = {
            "Put": {
                "TableName": self._table,
                "Item": to_attributes(
                    {"app_id": app_id, "name": STAMP_NAME, "stamp": uuid.uuid4().hex, "at": now}
                ),
            }
        }
        try:
            with conditional(f"the rules of {app_id} changed"):
                client("dynamodb").transact_write_items(TransactItems=[*ops, stamp])
        except ConflictError:
            raise PlanCapError("the rules changed while this edit was made: try again") from None


def _switched(rule: RecallRule, enabled: bool) -> RecallRule:
    """The same rule enabled or disabled, validated (never an untyped copy)."""
    # A switch of a stored rule, not new content: a rule put before a newer check still switches.
    return RecallRule.model_validate(rule.model_dump() | {"enabled": enabled}, context=STORED)
