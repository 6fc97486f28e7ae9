"""The demo's broadcast story: an A/B campaign on a virtual clock, through to its next-day winner."""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml

Run = Callable[[list[str], dict[str, str]], str]
VIP, SHOPPERS = 101, 102
FOLLOWERS = 600  # 400 under the VIP tag, 100 shoppers (50 of them also VIPs), the rest others
RATES = {"MEDIA_DEMO_A": 0.05, "MEDIA_DEMO_B": 0.20}


def campaign_story(app_id: str, env: dict[str, str], run: Run, quiet: Run) -> None:
    """Seed followers and read rates, run a campaign with an A/B group, show the winner."""
    sandbox = env["WXENGAGE_SANDBOX_URL"]
    print(
        f"\n== {FOLLOWERS} followers in the sandbox: 400 VIPs (tag {VIP}), 100 shoppers (tag "
        f"{SHOPPERS}; 50 of them are also VIPs and stay in the first group)"
    )
    for i in range(FOLLOWERS):
        tags = [VIP] if i < 400 else []
        tags += [SHOPPERS] if 350 <= i < 450 else []
        body = {"app_id": app_id, "openid": f"o-demo-{i:04d}", "tags": tags}
        requests.post(f"{sandbox}/_sandbox/followers", json=body, timeout=10).raise_for_status()
    print("== read rates WeChat will report tomorrow: variant A 5%, variant B 20%")
    for media, rate in RATES.items():
        print(
            run(
                ["sandbox", "reads", "--app-id", app_id, "--media-id", media, "--rate", str(rate)],
                env,
            )
        )
    now = _sandbox_now(sandbox)
    at = (now + timedelta(hours=2)).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = {
        "name": "demo-ab",
        "groups": [
            {
                "name": "vip",
                "audience": {"tags": [VIP]},
                "ab_test": {
                    "variants": [
                        {
                            "name": "A",
                            "content": {"type": "mpnews", "media_id": "MEDIA_DEMO_A"},
                            "ratio": 0.25,
                            "send_at": at,
                        },
                        {
                            "name": "B",
                            "content": {"type": "mpnews", "media_id": "MEDIA_DEMO_B"},
                            "ratio": 0.25,
                            "send_at": at,
                        },
                    ],
                    "winner": {"significance": 0.05, "min_sent": 100, "no_winner": "stop"},
                },
            },
            {
                "name": "shoppers",
                "audience": {"tags": [SHOPPERS]},
                "content": {"type": "text", "content": "New tea sets this week"},
            },
            {
                "name": "others",
                "audience": "remaining",
                "content": {"type": "text", "content": "Hello from the demo shop"},
            },
        ],
    }
    path = Path(tempfile.mkdtemp()) / "demo-campaign.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    print(
        f"\n== a campaign: VIPs A/B tested at {at} (winner to the rest of the VIPs at 10:00 next day), "
        "shoppers and everyone else now"
    )
    print(path.read_text())
    created = run(["campaign", "create", "--app-id", app_id, "--file", str(path)], env)
    print(created)
    campaign_id = created.split()[1]
    print(run(["campaign", "start", "--app-id", app_id, "--campaign", campaign_id], env))
    print("== set up while paused; now the clock may leap again")
    print(run(["local", "resume"], env))
    print("== the virtual clock leaps over the waits: variants, the night, the winner send")
    report = _wait_done(app_id, campaign_id, env, quiet)
    print(run(["campaign", "status", "--app-id", app_id, "--campaign", campaign_id], env))
    masses = json.loads(quiet(["sandbox", "masses", "--app-id", app_id, "--json"], env))
    _check(report, masses)


def _sandbox_now(sandbox: str) -> datetime:
    try:
        resp = requests.get(f"{sandbox}/_sandbox/clock", timeout=5)
        return datetime.fromtimestamp(float(resp.json()["now"]), tz=UTC)
    except (requests.RequestException, KeyError, ValueError):
        return datetime.now(tz=UTC)


def _wait_done(
    app_id: str, campaign_id: str, env: dict[str, str], quiet: Run, timeout: float = 180
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = ""
    args = ["campaign", "status", "--app-id", app_id, "--campaign", campaign_id, "--json"]
    while time.monotonic() < deadline:
        report: dict[str, Any] = json.loads(quiet(args, env))
        if report["status"] != last:
            print(f"   campaign is {report['status']}", flush=True)
            last = report["status"]
        if report["status"] in ("succeeded", "partially_failed", "failed", "cancelled"):
            return report
        time.sleep(0.5)
    raise SystemExit(f"the campaign did not finish within {timeout:.0f} s (it is {last})")


def _check(report: dict[str, Any], masses: list[dict[str, Any]]) -> None:
    vip = next(g for g in report["groups"] if g["name"] == "vip")
    decision = vip["decision"] or {}
    if report["status"] != "succeeded" or decision.get("winner") != "B":
        raise SystemExit(
            f"expected a succeeded campaign with B the winner, got {report['status']} / {decision}"
        )
    received = Counter(openid for job in masses for openid in job["delivered"])
    sent = sum(leg.get("sent", 0) for group in report["groups"] for leg in group["legs"])
    if any(n != 1 for n in received.values()) or sum(received.values()) != sent:
        raise SystemExit("a follower got more than one broadcast, or the counts do not add up")
    print(f"== winner B: {decision['reason']}")
    print(f"== {len(masses)} mass jobs reached {len(received)} followers, each exactly once")
