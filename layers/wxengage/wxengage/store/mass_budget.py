"""The account's mass-call counters: items in the ledger table, taken and given back atomically."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from wxengage.accounts import MassBudget
from wxengage.broadcast.budget import Slot, budget_day, budget_minute
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import deserialize, expression_values, key

# A day's counters are read for that day only; TTL tidies them after two more (clean-up only).
KEEP_SECONDS = 3 * 86400
_CALLS, _SENDS = "mass#calls", "mass#sends"


def _period(app_id: str, at: int) -> str:
    # Beside the broadcast ledger's "<app_id>#2026-11" periods, never mistaken for one.
    return f"{app_id}#budget#{budget_day(at)}"


def _minute(at: int) -> str:
    return f"mass#minute#{budget_minute(at)}"


class MassBudgetStore:
    """Counts per account and WeChat day (calls, sends) and per minute, under conditions."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.ledger_table

    def take(self, app_id: str, at: int, budget: MassBudget, *, sends_per_day: int | None) -> Slot:
        """One call counted in the day and the minute (and the day's sends), all or none."""
        limits: list[tuple[str, int, Slot]] = [
            (_CALLS, budget.calls_per_day, Slot.DAY_FULL),
            (_minute(at), budget.calls_per_minute, Slot.MINUTE_FULL),
        ]
        if sends_per_day is not None:
            limits.append((_SENDS, sends_per_day, Slot.SEND_USED))
        period = _period(app_id, at)
        items = [self._count(period, name, +1, at, limit=limit) for name, limit, _ in limits]
        try:
            client("dynamodb").transact_write_items(TransactItems=items)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = err.response.get("CancellationReasons", [])
            for (_, _, slot), reason in zip(limits, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    return slot
            raise
        return Slot.TAKEN

    def give_back(self, app_id: str, at: int, *, send: bool) -> None:
        """Undo a take at `at` (its call never reached WeChat); never below zero."""
        names = [_CALLS, _minute(at)] + ([_SENDS] if send else [])
        period = _period(app_id, at)
        for name in names:
            try:
                client("dynamodb").transact_write_items(
                    TransactItems=[self._count(period, name, -1, at, limit=None)]
                )
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise  # a counter already at zero stays there

    def used(self, app_id: str, at: int) -> tuple[int, int]:
        """Calls and sends counted on the WeChat day holding `at`."""
        period = _period(app_id, at)
        return self._read(period, _CALLS), self._read(period, _SENDS)

    def _read(self, period: str, name: str) -> int:
        resp = client("dynamodb").get_item(
            TableName=self._table, Key=key(period=period, openid=name), ConsistentRead=True
        )
        item = resp.get("Item")
        return int(deserialize(item["n"])) if item and "n" in item else 0

    def _count(
        self, period: str, name: str, step: int, at: int, *, limit: int | None
    ) -> dict[str, Any]:
        if limit is not None:
            condition, values = (
                "attribute_not_exists(n) OR n < :limit",
                expression_values(step=step, exp=at + KEEP_SECONDS, limit=limit),
            )
        else:
            condition, values = "n > :zero", expression_values(step=step, zero=0)
        update = "ADD n :step SET expires_at = :exp" if limit is not None else "ADD n :step"
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(period=period, openid=name),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }
