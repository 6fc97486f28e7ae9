"""Load benchmark: a bounded burst of signed, encrypted callbacks at the local stack's webhook.

Boots the local stack (moto server, gateway, sandbox) on free ports with one safe-mode account,
then posts N callbacks from F followers (messages, menu clicks, follows; each with its own
identity) over loopback HTTP from a pool of clients, and checks what was stored: callbacks lost
(answered non-200, or their effect missing) and windows wrong (a follower's stored window differs
from the fold of what that follower sent) must both be 0. Baseline, same run: the same kind of
callbacks through the handler in-process, one at a time (no HTTP, no threads).
Run: .venv/bin/python bench/load.py [--callbacks 20000] [--followers 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/wxengage"), str(ROOT / "infra"), str(ROOT / "cli"), str(ROOT)]
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="1",
    POWERTOOLS_LOG_LEVEL="ERROR",
)

import requests  # noqa: E402

from tests.support.callbacks import (  # noqa: E402
    APP_ID,
    WxAccount,
    event_xml,
    register,
    sealed,
    text_xml,
)
from wxengage import clock  # noqa: E402
from wxengage.domain.accounts import MessageMode  # noqa: E402
from wxengage.domain.windows import (  # noqa: E402
    FollowerState,
    Interaction,
    InteractionKind,
    apply_interaction,
)
from wxengage.settings import Settings  # noqa: E402
from wxengage.store.followers import FollowerStore  # noqa: E402
from wxengage_local.runner import LocalRun  # noqa: E402

FIELDS = (
    "last_interaction_at",
    "last_message_at",
    "window_opened_at",
    "window_closes_at",
    "messages_left",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def burst(
    n: int,
    followers: int,
    now: int,
    rnd: random.Random,
    prefix: str = "o-load",
    msg_base: int = 10_000_000,
) -> list[tuple[str, str, Interaction]]:
    """(openid, xml, interaction) for n callbacks spread over the followers and the last 40 hours."""
    out = []
    for i in range(n):
        openid = f"{prefix}{i % followers:05d}"
        at = now - rnd.randrange(0, 40 * 3600)
        kind = rnd.random()
        if kind < 0.8:
            xml, ix = (
                text_xml(openid=openid, create_time=at, msg_id=msg_base + i),
                InteractionKind.MESSAGE,
            )
        elif kind < 0.95:
            xml, ix = (
                event_xml("CLICK", openid=openid, create_time=at, key=f"K{i}"),
                InteractionKind.MENU,
            )
        else:
            xml, ix = (
                event_xml("subscribe", openid=openid, create_time=at),
                InteractionKind.SUBSCRIBE,
            )
        out.append((openid, xml, Interaction(kind=ix, at=at)))
    return out


def post_all(
    url: str, account: WxAccount, items: list[tuple[str, str, Interaction]], clients: int
) -> tuple[list[float], int]:
    sessions = [requests.Session() for _ in range(clients)]

    def post(index: int) -> tuple[float, int]:
        _, xml, _ = items[index]
        body, query = sealed(account, xml, timestamp=int(clock.now_ts()))
        started = time.perf_counter()
        resp = sessions[index % clients].post(url, params=query, data=body, timeout=30)
        return (time.perf_counter() - started) * 1000, resp.status_code

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(post, range(len(items))))
    return [ms for ms, _ in results], sum(1 for _, code in results if code != 200)


def check(settings: Settings, items: list[tuple[str, str, Interaction]]) -> tuple[int, int]:
    """(callbacks whose effect is missing, followers whose window is wrong)."""
    expected: dict[str, FollowerState] = {}
    latest: dict[str, int] = {}
    for openid, _, ix in items:
        expected[openid] = apply_interaction(
            expected.get(openid) or FollowerState(app_id=APP_ID, openid=openid), ix
        )
        latest[openid] = max(latest.get(openid, 0), ix.at)
    store = FollowerStore(settings)
    missing = wrong = 0
    for openid, want in expected.items():
        got = store.get(APP_ID, openid)
        if got is None:
            missing += sum(1 for o, _, _ in items if o == openid)
            continue
        missing += got.last_interaction_at < latest[openid]
        wrong += any(getattr(got, f) != getattr(want, f) for f in FIELDS)
    return missing, wrong


def baseline(account: WxAccount, items: list[tuple[str, str, Interaction]]) -> float:
    """Callbacks per second through the handler in-process, one at a time."""
    from tests.support.callbacks import http_event
    from wxengage_local.handlers import FakeLambdaContext, load_handler

    handler = load_handler(ROOT / "functions/webhook", "app.lambda_handler")
    started = time.perf_counter()
    for _, xml, _ in items:
        body, query = sealed(account, xml, timestamp=int(clock.now_ts()))
        handler(http_event("POST", APP_ID, query, body), FakeLambdaContext("Webhook"))
    return len(items) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 5,000 from 500 takes about 3 minutes here; --callbacks 20000 --followers 2000 about 10.
    parser.add_argument("--callbacks", type=int, default=5_000)
    parser.add_argument("--followers", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    run = LocalRun(
        ROOT / "template.yaml", port=free_port(), aws_port=free_port(), sandbox_port=free_port()
    )
    quiet = io.StringIO()  # the handlers' metrics (EMF) go to stdout; this prints one JSON object
    with contextlib.redirect_stdout(quiet):
        run.start()
    try:
        settings = Settings.from_stack_outputs(run.stack.outputs)
        account = register(settings, mode=MessageMode.SAFE, freshness_seconds=3600)
        now = int(clock.now_ts())
        rnd = random.Random(20261122)
        items = burst(args.callbacks, args.followers, now, rnd)
        url = f"{run.stack.webhook_base_url}/wechat/{APP_ID}"
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            latencies, refused = post_all(url, account, items, args.clients)
        wall = time.perf_counter() - started
        missing, wrong = check(settings, items)
        # The baseline's callbacks are new ones (their own MsgIds), for other followers.
        base_items = [
            (o.replace("load", "base"), x.replace("o-load", "o-base"), ix)
            for o, x, ix in burst(min(2_000, args.callbacks), 200, now, random.Random(7))
        ]
        with contextlib.redirect_stdout(quiet):
            base_rate = baseline(account, base_items)
    finally:
        run.stop()
    rate = len(items) / wall
    cuts = statistics.quantiles(latencies, n=100)
    figures = {
        "benchmark": "load",
        "callbacks": len(items),
        "followers": args.followers,
        "clients": args.clients,
        "wall_s": round(wall, 1),
        "callbacks_per_s": round(rate, 1),
        "latency_ms": {
            "p50": round(cuts[49], 1),
            "p99": round(cuts[98], 1),
            "max": round(max(latencies), 1),
        },
        "callbacks_lost": refused + missing,
        "windows_wrong": wrong,
        "baseline": {
            "name": "in-process handler, sequential (no HTTP)",
            "callbacks_per_s": round(base_rate, 1),
        },
        "ratio_to_baseline": round(rate / base_rate, 2),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    print(json.dumps(figures, indent=2))
    return 1 if figures["callbacks_lost"] or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
