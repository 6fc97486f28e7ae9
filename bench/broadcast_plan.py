"""Broadcast planning benchmark: a 1,000,000-follower A/B campaign resolved, sampled and batched.

Runs the engine's own segment and prepare tasks (openid lists to S3 on moto) against the WeChat
sandbox over HTTP (user/get and user/tag/get paging), then cuts each leg into batches the way
the send task does. Prints one JSON object: wall time, the planner's peak memory (tracemalloc,
a second run), and send calls, which must equal ceil(n / 10,000) per group and variant.
Baseline, same run: only paging the same followers through the same client (the I/O floor).
Run: .venv/bin/python bench/broadcast_plan.py [--followers 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import sys
import time
import tracemalloc
from typing import Any

from _offline import ROOT

os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"

import boto3
from moto import mock_aws

from tests.support.callbacks import APP_ID, register
from wxengage import clock
from wxengage.broadcast.audience import batch_bounds
from wxengage.broadcast.spec import CampaignSpec
from wxengage.broadcast.state import Campaign
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.wiring.broadcast import build_broadcast
from wxengage.wiring.wechat import client_for
from wxengage_local.aws import deploy
from wxengage_local.sandbox import WeChatSandbox

NOW = 1_795_341_600  # 2026-11-22T10:00Z
VIP_TAG = 101
VIP_SHARE = 0.3
SPEC = {
    "name": "bench",
    "groups": [
        {
            "name": "vip",
            "audience": {"tags": [VIP_TAG]},
            "ab_test": {
                "variants": [
                    {
                        "name": "A",
                        "content": {"type": "mpnews", "media_id": "MA"},
                        "ratio": 0.1,
                        "send_at": "2026-11-23T20:00:00",
                    },
                    {
                        "name": "B",
                        "content": {"type": "mpnews", "media_id": "MB"},
                        "ratio": 0.1,
                        "send_at": "2026-11-23T20:00:00",
                    },
                ]
            },
        },
        {
            "name": "others",
            "audience": "remaining",
            "content": {"type": "text", "content": "hello"},
        },
    ],
}


def plan(settings: Settings, campaign_id: str) -> dict[str, Any]:
    """segment + prepare (the engine's tasks), then the batches each leg's send task would make."""
    engine = build_broadcast(settings)
    # The tasks' metrics go to stdout (EMF); this script's stdout is its one JSON object.
    with contextlib.redirect_stdout(io.StringIO()):
        engine.segment(APP_ID, campaign_id, execution=campaign_id)
        prepared = engine.prepare(APP_ID, campaign_id)
    legs = CampaignStore(settings).legs(APP_ID, campaign_id)
    calls = {s.key: len(batch_bounds(s.audience)) for s in legs}
    sizes = {s.key: s.audience for s in legs}
    return {"legs": len(prepared["legs"]), "audience": sizes, "send_calls": calls}


def fetch_only(settings: Settings) -> int:
    """The baseline: page every follower and every vip through the same client, nothing else."""
    client = client_for(AccountStore(settings).get(APP_ID), settings)
    seen = 0
    for fetch in (client.followers_page, lambda nxt: client.tag_followers_page(VIP_TAG, nxt)):
        nxt = ""
        while True:
            openids, nxt = fetch(nxt)
            seen += len(openids)
            if not nxt:
                break
    return seen


def new_campaign(settings: Settings, name: str) -> str:
    spec = CampaignSpec.model_validate(SPEC)
    CampaignStore(settings).create(
        Campaign(app_id=APP_ID, campaign_id=name, spec=spec, created_at=NOW, updated_at=NOW)
    )
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1_000_000)
    n = parser.parse_args().followers
    clock.set_source(lambda: float(NOW))
    with mock_aws():
        outputs = deploy(boto3.Session(), ROOT / "template.yaml")
        settings = Settings.from_stack_outputs(outputs)
        sandbox = WeChatSandbox(AccountStore(settings), "http://127.0.0.1:9", port=0)
        sandbox.start()
        settings = settings.model_copy(update={"wechat_api_base": sandbox.url})
        register(settings)
        vip_every = round(1 / VIP_SHARE)
        for i in range(n):
            sandbox.state.put_follower(APP_ID, f"o{i:07d}", [VIP_TAG] if i % vip_every == 0 else [])
        try:
            started = time.perf_counter()
            fetched = fetch_only(settings)
            baseline_s = time.perf_counter() - started

            started = time.perf_counter()
            result = plan(settings, new_campaign(settings, "cbench000001"))
            wall_s = time.perf_counter() - started

            tracemalloc.start()
            plan(settings, new_campaign(settings, "cbench000002"))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            sandbox.stop()
    expected = {leg: math.ceil(size / 10_000) for leg, size in result["audience"].items()}
    figures = {
        "benchmark": "broadcast_plan",
        "followers": n,
        "groups_and_variants": result["legs"],
        "audience_per_leg": result["audience"],
        "send_calls_per_leg": result["send_calls"],
        "send_calls": sum(result["send_calls"].values()),
        "send_calls_expected": sum(expected.values()),
        "send_calls_match": result["send_calls"] == expected,
        "wall_s": round(wall_s, 2),
        "peak_mib": round(peak / 2**20, 1),
        "targets": {"wall_s": 30, "peak_mib": 512},
        "baseline": {
            "name": "fetch_only (page the same followers, no planning)",
            "wall_s": round(baseline_s, 2),
            "openids": fetched,
        },
        "ratio_to_baseline": round(wall_s / baseline_s, 2),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    print(json.dumps(figures, indent=2))
    if not figures["send_calls_match"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
