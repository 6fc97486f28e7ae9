"""Load benchmark: a bounded burst of signed, encrypted callbacks at the local stack's webhook.

Boots the local stack (moto server, HTTP gateway, ticker, queue pump, WeChat sandbox) on free
ports with one safe-mode account, and posts a burst of callbacks (text messages, menu clicks and
follows, each with its own MsgId or event identity, CreateTimes spread over the last 40 hours and
sent in shuffled order) over loopback HTTP from a pool of keep-alive clients. The clients run in
a process of their own with every body sealed beforehand, so the stack's process (which holds
moto, the gateway and every handler) is what gets measured. Like WeChat, a client gives up on an
answer after 5 s and delivers a callback three times in all before calling it lost.

The number of clients is the knee: short trials at 1, 2, 4, 6, 8, 12, 16 clients (each on followers
of its own), and the smallest pool within 5% of the best rate whose p99 stays under 1 s.

Figures: callbacks/s, p50/p99 latency, and the checks, which must both be 0:
- callbacks lost: not answered 200 within WeChat's three deliveries, or answered but absent from
  the Followers table (folding the callback into the follower's stored record again would change
  it, so its effect is not there);
- windows wrong: followers whose stored window (last interaction, last message, window opened /
  closes, opener, messages left, subscription) differs from the fold of what they sent.
Baseline, same process and stack: the same mix of callbacks through the webhook handler called
in-process one at a time (no HTTP, no concurrency), half before and half after the burst; its
ideal rate is 1 / mean handler time. moto is a correctness emulator (every DynamoDB call is an
HTTP round trip into the same Python process), so the rates say where the local stack saturates
and what HTTP and concurrency cost, not what Lambda and DynamoDB would do.

Default size: 6,000 callbacks from 600 followers (the 20,000 / 2,000 mix at 3/10 scale): the
stack saturates near 70 callbacks/s on 2 cores, so the full size takes about 5 minutes of
burst; run it with --callbacks 20000 --followers 2000.
Run: .venv/bin/python bench/load.py [--callbacks 6000] [--followers 600] [--clients N]
Exit status 1 ("failed": true) when any callback was lost, any window is wrong, or the completed
idempotency records are not exactly one per callback posted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import multiprocessing
import os
import platform
import random
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from _offline import ROOT

os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"

from tests.support.callbacks import (
    APP_ID,
    WxAccount,
    event_xml,
    http_event,
    register,
    sealed,
    text_xml,
)
from wxengage import clock
from wxengage.accounts import MessageMode
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.followers import FollowerStore
from wxengage.windows import (
    FollowerState,
    Interaction,
    InteractionKind,
    apply_interaction,
)

SEED = 20261122
WINDOW_FIELDS = (
    "last_interaction_at",
    "last_message_at",
    "window_opened_at",
    "window_opened_by",
    "window_closes_at",
    "messages_left",
    "subscription_at",
    "subscribed",
)
WECHAT_TIMEOUT_S = 5.0  # WeChat waits 5 s for an answer, then retries
WECHAT_DELIVERIES = 3  # and delivers a callback three times in all
KNEE_CLIENTS = (1, 2, 4, 6, 8, 12, 16)
KNEE_WITHIN = 0.95  # the knee: the smallest pool reaching 95% of the best rate
P99_BUDGET_MS = 1000.0  # a pool whose p99 is over this is overloaded (WeChat gives 5 s)


@dataclass(frozen=True)
class Callback:
    """One callback of the burst: who sent it, its XML, and what it does to the window."""

    openid: str
    xml: str
    interaction: Interaction


@dataclass
class Burst:
    """What one burst posted and what came back."""

    name: str
    callbacks: list[Callback]
    clients: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    answered: list[bool] = field(default_factory=list)
    retried: int = 0  # callbacks that needed a second or third delivery
    timeouts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.callbacks) / self.wall_s if self.wall_s else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    def summary(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "callbacks": len(self.callbacks),
            "callbacks_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p99_ms": round(self.percentile(99), 1),
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def story_burst(
    prefix: str, n: int, followers: int, now: int, rnd: random.Random, msg_ids: Iterator[int]
) -> list[Callback]:
    """n callbacks from `followers` followers, shuffled: 80% texts, 15% clicks, 5% follows.

    A follower's callbacks have distinct CreateTimes in the last 40 hours, so every callback has
    its own identity (MsgId for messages, sender + CreateTime + event for events).
    """
    out: list[Callback] = []
    for f in range(followers):
        openid = f"o-{prefix}{f:05d}"
        share = n // followers + (f < n % followers)
        for at in rnd.sample(range(now - 40 * 3600, now), share):
            kind = rnd.random()
            if kind < 0.80:
                xml = text_xml(openid=openid, create_time=at, msg_id=next(msg_ids), content="hi")
                ix = InteractionKind.MESSAGE
            elif kind < 0.95:
                xml = event_xml("CLICK", openid=openid, create_time=at, key="MENU_HELP")
                ix = InteractionKind.MENU
            else:
                xml = event_xml("subscribe", openid=openid, create_time=at)
                ix = InteractionKind.SUBSCRIBE
            out.append(Callback(openid, xml, Interaction(kind=ix, at=at)))
    rnd.shuffle(out)
    return out


# --- the clients (a process of their own) ------------------------------------------------------


class _Connection(http.client.HTTPConnection):
    """Keep-alive HTTP with Nagle off: http.client writes the headers and the body separately,
    and Nagle would hold the body back until the server's (delayed, ~40 ms) ACK."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def post_burst(
    url: str, jobs: list[tuple[str, bytes]], clients: int
) -> tuple[float, list[tuple[list[float], list[int]]]]:
    """POST every (query, body) from `clients` keep-alive connections, WeChat's way: 5 s to
    answer, three deliveries in all. Returns the wall time and, per job, each delivery's
    latency (ms) and status (0 = no answer)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    results: list[tuple[list[float], list[int]]] = [([], [])] * len(jobs)
    counter = itertools.count()  # next() on a count is atomic under the GIL
    headers = {"Content-Type": "text/xml"}

    def worker() -> None:
        conn = _Connection(host, port, timeout=WECHAT_TIMEOUT_S)
        while (i := next(counter)) < len(jobs):
            query, body = jobs[i]
            latencies: list[float] = []
            statuses: list[int] = []
            for _ in range(WECHAT_DELIVERIES):
                started = time.perf_counter()
                try:
                    conn.request("POST", f"{parts.path}?{query}", body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = _Connection(host, port, timeout=WECHAT_TIMEOUT_S)
                    status = 0
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(status)
                if status == 200:
                    break
            results[i] = (latencies, statuses)
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, results


class Clients:
    """One client process for the whole run (spawned, so it shares nothing with the stack)."""

    def __init__(self) -> None:
        self._pool = multiprocessing.get_context("spawn").Pool(1)

    def run(self, url: str, account: WxAccount, burst: Burst, clients: int) -> Burst:
        ts = int(clock.now_ts())
        jobs = []
        for cb in burst.callbacks:
            body, query = sealed(account, cb.xml, timestamp=ts, nonce=str(random.randrange(10**9)))
            jobs.append((urlencode(query), body))
        wall, results = self._pool.apply(post_burst, (url, jobs, clients))
        burst.clients, burst.wall_s = clients, wall
        for latencies, statuses in results:
            burst.latencies_ms += latencies
            burst.answered.append(statuses[-1] == 200)
            burst.retried += len(statuses) > 1
            burst.timeouts += statuses.count(0)
            burst.statuses.update(statuses)
        return burst

    def close(self) -> None:
        self._pool.close()
        self._pool.join()


# --- knee, baseline, checks ----------------------------------------------------------------------


def find_knee(trials: list[Burst]) -> int:
    """The smallest pool within KNEE_WITHIN of the best rate, among pools not overloaded."""
    sound = [b for b in trials if b.percentile(99) <= P99_BUDGET_MS and all(b.answered)] or trials
    best = max(b.rate for b in sound)
    return min(b.clients for b in sound if b.rate >= KNEE_WITHIN * best)


def in_process(account: WxAccount, burst: Burst) -> Burst:
    """The callbacks through the webhook handler in this process, one at a time (no HTTP)."""
    from wxengage_local.handlers import FakeLambdaContext, load_handler

    handler = load_handler(ROOT / "functions/webhook", "app.lambda_handler")
    ts = int(clock.now_ts())
    events = []
    for cb in burst.callbacks:
        body, query = sealed(account, cb.xml, timestamp=ts, nonce=str(random.randrange(10**9)))
        events.append(http_event("POST", APP_ID, query, body))
    for event in events:
        started = time.perf_counter()
        status = handler(event, FakeLambdaContext("WebhookFunction"))["statusCode"]
        burst.latencies_ms.append((time.perf_counter() - started) * 1000)
        burst.answered.append(status == 200)
        burst.statuses[status] += 1
    burst.clients, burst.wall_s = 1, sum(burst.latencies_ms) / 1000
    return burst


def check(settings: Settings, bursts: list[Burst]) -> dict[str, dict[str, int]]:
    """Per burst: callbacks lost and followers whose window is wrong, against the Followers
    table (one consistent Query). Bursts never share a follower."""
    stored = {s.openid: s for s in FollowerStore(settings).list(APP_ID)}
    out: dict[str, dict[str, int]] = {}
    for burst in bursts:
        expected: dict[str, FollowerState] = {}
        lost = unanswered = 0
        for cb, answered in zip(burst.callbacks, burst.answered, strict=True):
            base = expected.get(cb.openid) or FollowerState(app_id=APP_ID, openid=cb.openid)
            expected[cb.openid] = apply_interaction(base, cb.interaction)
            got = stored.get(cb.openid)
            # Its effect is there when folding it in again changes nothing.
            absorbed = got is not None and apply_interaction(got, cb.interaction) == got
            unanswered += not answered
            lost += not (answered and absorbed)
        wrong = 0
        for openid, want in expected.items():
            got = stored.get(openid)
            wrong += got is None or any(getattr(got, f) != getattr(want, f) for f in WINDOW_FIELDS)
        out[burst.name] = {
            "callbacks": len(burst.callbacks),
            "followers": len(expected),
            "unanswered": unanswered,
            "lost": lost,
            "wrong": wrong,
        }
    return out


def dedupe_records(settings: Settings) -> int:
    """Completed idempotency records: one per distinct callback the webhook applied."""
    paginator = client("dynamodb").get_paginator("scan")
    total = 0
    for page in paginator.paginate(
        TableName=settings.idempotency_table,
        ConsistentRead=True,
        FilterExpression="#s = :done",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":done": {"S": "COMPLETED"}},
        Select="COUNT",
    ):
        total += int(page["Count"])
    return total


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


@contextlib.contextmanager
def quiet_stdout() -> Iterator[Any]:
    """Handlers print their metrics (EMF) to stdout: send fd 1 to /dev/null, keep the real one."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        with os.fdopen(os.dup(saved), "w") as real:
            yield real
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=6_000, help="callbacks in the burst")
    parser.add_argument("--followers", type=int, default=600, help="followers sending them")
    parser.add_argument("--clients", type=int, default=0, help="client pool (0: find the knee)")
    parser.add_argument("--trial-callbacks", type=int, default=200, help="per knee trial")
    parser.add_argument("--baseline-callbacks", type=int, default=600)
    args = parser.parse_args()
    if not 0 < args.followers <= args.callbacks:
        parser.error("need 0 < --followers <= --callbacks")
    started = time.monotonic()
    info = machine()
    with quiet_stdout() as out:
        figures = run(args)
        figures["machine"] = info
        figures["seconds"] = round(time.monotonic() - started, 1)
        out.write(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["failed"] else 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from wxengage_local.runner import LocalRun

    rnd = random.Random(SEED)
    msg_ids = itertools.count(7_000_000_000_000_000_000)
    run = LocalRun(
        ROOT / "template.yaml", port=free_port(), aws_port=free_port(), sandbox_port=free_port()
    )
    clients = Clients()  # spawned before the stack's threads exist
    run.start()
    try:
        settings = Settings.from_stack_outputs(run.stack.outputs)
        account = register(settings, mode=MessageMode.SAFE, freshness_seconds=3600)
        url = f"{run.stack.webhook_base_url}/wechat/{APP_ID}"
        now = int(clock.now_ts())

        def burst(name: str, n: int, followers: int) -> Burst:
            return Burst(name, story_burst(name, n, followers, now, rnd, msg_ids))

        trial_followers = max(1, args.trial_callbacks * args.followers // args.callbacks)
        half = args.baseline_callbacks // 2
        base_followers = max(1, half * args.followers // args.callbacks)
        # Warm up the handler, the caches and the connections; these count in the checks too.
        warm = clients.run(url, account, burst("warm", 60, 6), 2)
        before = in_process(account, burst("base1-", half, base_followers))
        trials: list[Burst] = []
        if args.clients:
            pool = args.clients
        else:
            for n in KNEE_CLIENTS:
                trial = burst(f"knee{n}-", args.trial_callbacks, trial_followers)
                trials.append(clients.run(url, account, trial, n))
                if trials[-1].percentile(99) > P99_BUDGET_MS:
                    break  # overloaded: answers queue towards WeChat's 5 s
                earlier = max((b.rate for b in trials[:-2]), default=0.0)
                if len(trials) >= 3 and max(b.rate for b in trials[-2:]) < 1.02 * earlier:
                    break  # two more pools and no gain: past the knee
            pool = find_knee(trials)
        main = clients.run(url, account, burst("load", args.callbacks, args.followers), pool)
        after = in_process(account, burst("base2-", half, base_followers))
        verdict = check(settings, [warm, before, *trials, main, after])
        records = dedupe_records(settings)
    finally:
        clients.close()
        run.stop()
    others = [v for name, v in verdict.items() if name != main.name]
    checked = {
        key: sum(v[key] for v in others) for key in ("callbacks", "followers", "lost", "wrong")
    }
    base_ms = statistics.fmean(before.latencies_ms + after.latencies_ms)
    ideal = 1000 / base_ms
    failed = sum(v["lost"] + v["wrong"] for v in verdict.values()) > 0 or records != sum(
        v["callbacks"] for v in verdict.values()
    )
    kinds = Counter(cb.interaction.kind.value for cb in main.callbacks)
    return {
        "benchmark": "load",
        "work": "safe-mode callbacks (signed + AES) over loopback HTTP to the local stack's webhook",
        "callbacks": len(main.callbacks),
        "followers": args.followers,
        "mix": dict(sorted(kinds.items())),
        "clients": pool,
        "knee": {
            "rule": f"smallest pool within {KNEE_WITHIN:.0%} of the best rate, p99 <= "
            f"{P99_BUDGET_MS:.0f} ms",
            "trials": [b.summary() for b in trials],
        },
        "http_overhead_ms_one_client": (
            round(
                trials[0].percentile(50)
                - statistics.median(before.latencies_ms + after.latencies_ms),
                1,
            )
            if trials and trials[0].clients == 1
            else None
        ),
        "wall_s": round(main.wall_s, 1),
        "callbacks_per_s": round(main.rate, 1),
        "latency_ms": {
            "p50": round(main.percentile(50), 1),
            "p99": round(main.percentile(99), 1),
            "max": round(max(main.latencies_ms), 1),
        },
        "http_statuses": {str(k): v for k, v in sorted(main.statuses.items())},
        "redelivered": main.retried,
        "timeouts": main.timeouts,
        "callbacks_lost": verdict[main.name]["lost"],
        "windows_wrong": verdict[main.name]["wrong"],
        "unanswered": verdict[main.name]["unanswered"],
        "also_checked": checked | {"what": "warm-up, knee trials and baseline callbacks"},
        "dedupe_records": {
            "completed": records,
            "callbacks_posted": sum(v["callbacks"] for v in verdict.values()),
        },
        "baseline": {
            "name": "webhook handler in-process, sequential (no HTTP, no concurrency); "
            "ideal rate = 1 / mean handler time",
            "callbacks": len(before.callbacks) + len(after.callbacks),
            "mean_handler_ms": round(base_ms, 2),
            "callbacks_per_s": round(ideal, 1),
            "before_burst_per_s": round(before.rate, 1),
            "after_burst_per_s": round(after.rate, 1),
        },
        "ratio_to_baseline": round(main.rate / ideal, 2),
        "failed": failed,
    }


if __name__ == "__main__":
    sys.exit(main())
