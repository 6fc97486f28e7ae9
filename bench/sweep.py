"""Sweep benchmark: index rows read per sweep / rows due, ours vs a full-table Scan, N = 10k and 100k.

Prints one JSON object. moto is a correctness emulator, so the figure is rows read (which is
what DynamoDB bills and what grows with N), not wall time. Run: .venv/bin/python bench/sweep.py
"""

from __future__ import annotations

import json
import random
import sys
import time

import boto3
from _offline import ROOT
from moto import mock_aws

from wxengage.recall.planning import PendingRecall
from wxengage.recall.sweep import sweep
from wxengage.settings import Settings
from wxengage.store.recall_queue import RecallQueue
from wxengage.store.recalls import RecallStore, _due_key, due_bucket
from wxengage_local.aws import deploy

APP_ID = "wx0123456789abcdef"
NOW = 1_795_341_600
DUE_SHARE = 0.01


def fill(settings: Settings, n: int, rnd: random.Random) -> int:
    """n pending recalls (one per follower), 1% already due, the rest spread over 48 hours."""
    ddb = boto3.client("dynamodb")
    due = 0
    items = []
    for i in range(n):
        is_due = i < n * DUE_SHARE
        due += is_due
        due_at = NOW - rnd.randrange(0, 50) if is_due else NOW + rnd.randrange(60, 48 * 3600)
        recall = PendingRecall(
            app_id=APP_ID,
            openid=f"o{i:07d}",
            rule="r1",
            window_opened_at=due_at - 3600,
            window_closes_at=due_at + 1800,
            due_at=due_at,
        )
        items.append(
            {
                "PutRequest": {
                    "Item": {
                        "app_id": {"S": APP_ID},
                        "recall_id": {"S": recall.recall_id},
                        "openid": {"S": recall.openid},
                        "rule": {"S": "r1"},
                        "window_opened_at": {"N": str(recall.window_opened_at)},
                        "window_closes_at": {"N": str(recall.window_closes_at)},
                        "due_at": {"N": str(due_at)},
                        "status": {"S": "pending"},
                        "due_bucket": {"S": due_bucket(APP_ID, due_at)},
                        "due_key": {"S": _due_key(recall)},
                    }
                }
            }
        )
        if len(items) == 25:
            ddb.batch_write_item(RequestItems={settings.recalls_table: items})
            items = []
    if items:
        ddb.batch_write_item(RequestItems={settings.recalls_table: items})
    return due


def full_scan_baseline(settings: Settings) -> tuple[int, int]:
    """What a naive sweep does: Scan everything and filter what is due."""
    read = due = 0
    for page in (
        boto3.client("dynamodb").get_paginator("scan").paginate(TableName=settings.recalls_table)
    ):
        read += page["ScannedCount"]
        due += sum(
            1
            for i in page["Items"]
            if i.get("status", {}).get("S") == "pending" and int(i["due_at"]["N"]) <= NOW
        )
    return read, due


def run(n: int) -> dict[str, object]:
    with mock_aws():
        settings = Settings.from_stack_outputs(deploy(boto3.Session(), ROOT / "template.yaml"))
        recalls = RecallStore(settings)
        # A checkpoint two minutes back, as after a normal run of the every-minute schedule.
        recalls.save_checkpoint(APP_ID, NOW - NOW % 60 - 120)
        t0 = time.perf_counter()
        due = fill(settings, n, random.Random(n))
        fill_s = time.perf_counter() - t0
        scan_read, scan_due = full_scan_baseline(settings)
        report = sweep([APP_ID], recalls, RecallQueue(settings), NOW)
    return {
        "followers": n,
        "due": due,
        "ours_rows_read": report.rows_read,
        "ours_due_found": report.due,
        "ours_rows_read_per_due": round(report.rows_read / due, 3),
        "full_scan_rows_read": scan_read,
        "full_scan_due_found": scan_due,
        "full_scan_rows_read_per_due": round(scan_read / due, 3),
        "fill_seconds": round(fill_s, 1),
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    runs = [run(n) for n in sizes]
    ratios = [r["ours_rows_read_per_due"] for r in runs]
    print(
        json.dumps(
            {
                "benchmark": "sweep",
                "baseline": "full-table Scan filtered to due rows",
                "runs": runs,
                "target_ours_rows_read_per_due_max": 1.1,
                "ours_flat_as_followers_grow": max(ratios) - min(ratios) <= 0.05,  # type: ignore[operator]
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
