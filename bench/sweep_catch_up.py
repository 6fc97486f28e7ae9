"""Sweep catch-up benchmark: the first sweep after a two-day clock leap with few recalls due.

Baseline, in the same run and on the same rows: the minute-bucket sweep this replaced (one
Query per minute bucket from the checkpoint, rows filed under their due minute). Ours: the due
index partitioned by UTC day, one Query per day spanned with a range on due_key. Counts are
what DynamoDB bills for and does per sweep; moto's wall time is shown but is no performance
proxy. Prints one JSON object. Run: .venv/bin/python bench/sweep_catch_up.py
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from _offline import ROOT
from moto import mock_aws

from wxengage import clock
from wxengage.clock import iso_z
from wxengage.recall.planning import PendingRecall
from wxengage.recall.sweep import sweep
from wxengage.settings import Settings
from wxengage.store.recall_queue import RecallQueue
from wxengage.store.recalls import DUE_INDEX, RecallStore
from wxengage_local.aws import deploy

APP_ID = "wx0123456789abcdef"
START = 1_795_341_600  # 2026-11-22T10:00:00Z, the last sweep before the leap
LEAP = 2 * 86400
DUE = 12  # recalls that came due during the leap
LATER = 300  # recalls due after the leap (they must not be read)


def recalls() -> list[PendingRecall]:
    """DUE recalls spread over the two days leapt, LATER ones due in the next two days."""
    out = []
    for i in range(DUE + LATER):
        due_at = START + 60 + (i * LEAP // DUE if i < DUE else LEAP + 60 + (i - DUE) * 571)
        out.append(
            PendingRecall(
                app_id=APP_ID,
                openid=f"o{i:05d}",
                rule="r1",
                window_opened_at=due_at - 3600,
                window_closes_at=due_at + 1800,
                due_at=due_at,
            )
        )
    return out


def minute_sweep(table: str, since: int, now: int) -> dict[str, Any]:
    """The replaced sweep's reads: one Query per minute bucket from `since` to `now`."""
    ddb = boto3.client("dynamodb")
    queries = rows = 0
    t0 = time.perf_counter()
    for minute in range(since, now - now % 60 + 60, 60):
        queries += 1
        rows += ddb.query(
            TableName=table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_bucket = :b AND due_key <= :k",
            ExpressionAttributeValues={
                ":b": {"S": f"{APP_ID}#{iso_z(minute)[:16]}"},
                ":k": {"S": f"{now:010d}~"},
            },
        )["Count"]
    return {"queries": queries, "rows_read": rows, "seconds": round(time.perf_counter() - t0, 2)}


def run() -> dict[str, Any]:
    with mock_aws():
        settings = Settings.from_stack_outputs(deploy(boto3.Session(), ROOT / "template.yaml"))
        store = RecallStore(settings)
        ddb = boto3.client("dynamodb")
        now = START + LEAP + 30
        clock.set_source(lambda: START)
        for recall in recalls():
            store.put_pending(recall)
            # The replaced layout, in the same table: the same row filed by its due minute.
            item: dict[str, Any] = {
                "app_id": {"S": APP_ID},
                "recall_id": {"S": f"legacy#{recall.recall_id}"},
                "due_bucket": {"S": f"{APP_ID}#{iso_z(recall.due_at)[:16]}"},
                "due_key": {"S": f"{recall.due_at:010d}#{recall.recall_id}"},
            }
            ddb.put_item(TableName=settings.recalls_table, Item=item)
        clock.set_source(None)
        store.save_checkpoint(APP_ID, START)
        baseline = minute_sweep(settings.recalls_table, START, now)
        t0 = time.perf_counter()
        report = sweep([APP_ID], store, RecallQueue(settings), now)
        ours = {
            "queries": report.queries,
            "rows_read": report.rows_read,
            "queued": report.queued,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    return {
        "benchmark": "sweep_catch_up",
        "scenario": f"first sweep after a {LEAP // 3600} h leap, {DUE} due, {LATER} due later",
        "baseline": "minute buckets: one Query per minute leapt (the sweep before this change)",
        "baseline_result": baseline,
        "ours": ours,
        "minutes_leapt": report.minutes,
        "due": DUE,
        "query_ratio_baseline_over_ours": round(baseline["queries"] / max(1, ours["queries"]), 1),
        "ours_reads_only_what_is_due": ours["rows_read"] == DUE and ours["queued"] == DUE,
        "baseline_reads_only_what_is_due": baseline["rows_read"] == DUE,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
