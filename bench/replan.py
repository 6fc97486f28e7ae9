"""Re-plan benchmark: how long an edited lead takes to move N pending recalls of one rule.

Reads go through the sparse `pending_rule` index (one Query page per ~1 MB), writes are one
conditional UpdateItem per moved recall. Other rules' pending recalls (9 for each of this
rule's) sit in the same table to show they are never read. moto is a correctness emulator:
the figures are rows read and written (what grows with N and what DynamoDB bills) and moto's
in-process seconds, not AWS latency. Run: .venv/bin/python bench/replan.py [N ...]
"""

from __future__ import annotations

import json
import sys
import time

import boto3
from _offline import ROOT
from moto import mock_aws

from wxengage.accounts import AccountSettings
from wxengage.recall.changes import cancel_rule, replan_rule
from wxengage.recall.planning import PendingRecall
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.settings import Settings
from wxengage.store.recall_plans import RulePlans
from wxengage.store.recalls import _due_key, due_bucket, pending_rule
from wxengage.store.stats import StatsStore
from wxengage_local.aws import deploy

APP_ID = "wx0123456789abcdef"
NOW = 1_795_341_600
OTHERS_PER_RECALL = 9


def rule(rule_id: str, lead: int) -> StoredRule:
    data = {
        "name": rule_id,
        "lead_minutes": lead,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "x"}]},
    }
    return StoredRule(
        rule=RecallRule.model_validate(data), rule_id=rule_id, created_at=0, updated_at=NOW
    )


def fill(settings: Settings, rule_id: str, n: int) -> None:
    """n pending recalls of `rule_id`, windows opened over the last 24 hours, lead 30."""
    ddb = boto3.client("dynamodb")
    items = []
    for i in range(n):
        opened = NOW - (i * 86400) // max(n, 1)
        recall = PendingRecall(
            app_id=APP_ID,
            openid=f"o{i:07d}",
            rule=rule_id,
            rule_id=rule_id,
            window_opened_at=opened,
            window_closes_at=opened + 48 * 3600,
            due_at=opened + 48 * 3600 - 1800,
        )
        item = {
            "app_id": {"S": APP_ID},
            "recall_id": {"S": recall.recall_id},
            "openid": {"S": recall.openid},
            "rule": {"S": rule_id},
            "rule_id": {"S": rule_id},
            "window_opened_at": {"N": str(recall.window_opened_at)},
            "window_closes_at": {"N": str(recall.window_closes_at)},
            "due_at": {"N": str(recall.due_at)},
            "in_quiet_hours": {"BOOL": False},
            "status": {"S": "pending"},
            "due_bucket": {"S": due_bucket(APP_ID, recall.due_at)},
            "due_key": {"S": _due_key(recall)},
            "pending_rule": {"S": pending_rule(APP_ID, rule_id)},
        }
        items.append({"PutRequest": {"Item": item}})
        if len(items) == 25:
            ddb.batch_write_item(RequestItems={settings.recalls_table: items})
            items = []
    if items:
        ddb.batch_write_item(RequestItems={settings.recalls_table: items})


def run(n: int) -> dict[str, object]:
    with mock_aws():
        settings = Settings.from_stack_outputs(deploy(boto3.Session(), ROOT / "template.yaml"))
        fill(settings, "r-edited", n)
        fill(settings, "r-other", n * OTHERS_PER_RECALL)
        plans = RulePlans(settings)
        account = AccountSettings(app_id=APP_ID)
        t0 = time.perf_counter()
        report = replan_rule(rule("r-edited", 2850), account, plans, APP_ID, NOW)
        replan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cancelled = cancel_rule(
            rule("r-edited", 2850), plans, StatsStore(settings), APP_ID, "2026-11-22", NOW
        )
        cancel_s = time.perf_counter() - t0
    return {
        "pending_of_rule": n,
        "pending_in_table": n * (1 + OTHERS_PER_RECALL),
        "replan_rows_read": report.pending,
        "replan_rows_written": report.moved,
        "replan_now_due": report.now_due,
        "replan_seconds_moto": round(replan_s, 2),
        "replan_ms_per_recall_moto": round(replan_s * 1000 / max(n, 1), 2),
        "cancel_rows_written": cancelled,
        "cancel_seconds_moto": round(cancel_s, 2),
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 3_000]
    print(
        json.dumps(
            {
                "benchmark": "replan",
                "what": "edit a rule's lead (30 -> 2850 min), then delete it, N pending recalls",
                "runs": [run(n) for n in sizes],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
