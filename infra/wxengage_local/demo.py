"""`make demo`: boot the local stack, play a follower story through the sandbox, show the result."""

from __future__ import annotations

import collections
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from wxengage_local.demo_campaign import campaign_story

READY_LINE = "wxengage local stack is up"
APP_ID = "wx5a1e5d3e0a9c0001"
ALICE, BOB, CAROL = "o-alice-demo", "o-bob-demo", "o-carol-demo"
# A realistic lead: the recall is due 30 minutes before the follower's 48-hour window closes,
# 47.5 hours after her message. Under --warp the clock leaps there as soon as all is quiet.
DEMO_RULE = """\
name: demo-recall
lead_minutes: 30
content:
  kind: default
  greeting: "Thanks for visiting our shop! Anything else we can help with?"
  guide: "Show me this week's offers"
  keyword: "show offers"
  keyword_reply: "This week: 20% off all tea sets."
"""
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wxengage() -> list[str]:
    """How to run the CLI from this virtualenv."""
    exe = shutil.which("wxengage", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "wxengage_cli.main"]


def run(args: list[str], env: dict[str, str], extra_env: dict[str, str] | None = None) -> str:
    """Run one CLI command as a person would, echoing it (never its secrets) and its output."""
    print(f"$ wxengage {shlex.join(args)}", flush=True)
    proc = subprocess.run(
        [*wxengage(), *args],
        env=env | (extra_env or {}),
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout.rstrip()
    if proc.returncode != 0:
        raise SystemExit(f"demo step failed ({proc.returncode}): {proc.stderr.strip() or out}")
    return out


def main() -> int:
    """Run the story; exit 0 only if every step did what it should."""
    ports = {"port": free_port(), "aws": free_port(), "sandbox": free_port()}
    env = dict(os.environ) | {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['aws']}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "WXENGAGE_SANDBOX_URL": f"http://127.0.0.1:{ports['sandbox']}",
    }
    print(
        "== booting the local stack (moto server + template.yaml + gateway + WeChat sandbox)",
        flush=True,
    )
    stack = subprocess.Popen(
        [
            *wxengage(),
            "local",
            "up",
            "--port",
            str(ports["port"]),
            "--aws-port",
            str(ports["aws"]),
            "--sandbox-port",
            str(ports["sandbox"]),
            "--template",
            str(ROOT / "template.yaml"),
            "--warp",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(stack)
        # Keep reading the stack's output: a full pipe would block its handlers mid-log.
        tail = drain(stack)
        try:
            story(env)
        except BaseException:
            print("== the local stack's last lines:\n" + "".join(tail), flush=True)
            raise
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()
            stack.wait()
    print("== done: the local stack is stopped and nothing is left running", flush=True)
    return 0


def wait_ready(stack: subprocess.Popen[str], timeout: float = 180) -> None:
    """Echo the stack's banner until it says it is up."""
    assert stack.stdout is not None
    deadline = time.monotonic() + timeout
    for line in stack.stdout:
        print(f"  | {line.rstrip()}", flush=True)
        if line.strip() == READY_LINE:
            return
        if time.monotonic() > deadline:
            break
    raise SystemExit("the local stack did not come up; its output is above")


def drain(stack: subprocess.Popen[str]) -> collections.deque[str]:
    """Read the stack's output in the background, keeping its last lines for a failure report."""
    tail: collections.deque[str] = collections.deque(maxlen=40)

    def read() -> None:
        assert stack.stdout is not None
        for line in stack.stdout:
            tail.append(line)

    threading.Thread(target=read, name="stack-output", daemon=True).start()
    return tail


def story(env: dict[str, str]) -> None:
    """Register an account in safe mode and play two followers' actions through WeChat's sandbox."""
    alphabet = string.ascii_letters + string.digits
    credentials = {
        "WXENGAGE_TOKEN": "demo" + secrets.token_hex(8),
        "WXENGAGE_AES_KEY": "".join(secrets.choice(alphabet) for _ in range(43)),
        "WXENGAGE_APP_SECRET": secrets.token_hex(16),
    }
    print("\n== a demo account in safe mode (credentials generated now, passed by environment)")
    print(run(["accounts", "add", "--app-id", APP_ID, "--mode", "safe"], env, credentials))
    print("\n== a recall rule (default reply: greeting + a guide link that sends a keyword)")
    rule_file = Path(tempfile.mkdtemp()) / "demo-rule.yaml"
    rule_file.write_text(DEMO_RULE)
    print(run(["rules", "put", "--app-id", APP_ID, "--file", str(rule_file)], env))
    print("\n== alice follows, writes, clicks a menu item and taps a smart-menu option")
    for args in (
        ["follow", "--openid", ALICE, "--ago", "3h"],
        ["say", "--openid", ALICE, "--text", "Hi, do you ship to Shenzhen?", "--ago", "2h"],
        ["click", "--openid", ALICE, "--key", "MENU_ORDERS", "--ago", "1h"],
        [
            "tap",
            "--openid",
            ALICE,
            "--text",
            "Yes, tell me more",
            "--menu-id",
            "101",
            "--ago",
            "30m",
        ],
    ):
        print(run(["sandbox", args[0], "--app-id", APP_ID, *args[1:]], env))
    print("\n== bob follows, then unfollows")
    for args in (["follow", "--openid", BOB, "--ago", "10m"], ["unsubscribe", "--openid", BOB]):
        print(run(["sandbox", args[0], "--app-id", APP_ID, *args[1:]], env))
    print("\n== what the engine now knows")
    print(run(["followers", "list", "--app-id", APP_ID], env))
    alice: dict[str, Any] = json.loads(
        run(["followers", "show", "--app-id", APP_ID, "--openid", ALICE, "--json"], env)
    )
    bob: dict[str, Any] = json.loads(
        run(["followers", "show", "--app-id", APP_ID, "--openid", BOB, "--json"], env)
    )
    print(
        f"\nalice: window opened by {alice['window_opened_by']} at {alice['window_opened_at']}, "
        f"closes {alice['window_closes_at']}, {alice['messages_left']} messages left"
    )
    print(f"bob:   subscribed={bob['subscribed']}, window open={bob['window_open']}")
    if not (alice["window_open"] and alice["messages_left"] == 5 and not bob["subscribed"]):
        raise SystemExit("the engine's view does not match the story played")
    recall_story(env)


def recall_story(env: dict[str, str]) -> None:
    """A rule, a follower's message, the clock leaping to her recall, the send, and her answer."""
    print("\n== carol writes; her recall is due 47.5 hours later (30 minutes before her window")
    print("   closes). The virtual clock leaps there, the every-minute sweep finds it and the")
    print("   sender sends it once (alice's window opened before the rule existed: not counted)")
    wrote_at = _sandbox_clock(env)
    print(
        run(
            [
                "sandbox",
                "say",
                "--app-id",
                APP_ID,
                "--openid",
                CAROL,
                "--text",
                "Do you have green tea?",
            ],
            env,
        )
    )
    # Pause leaps once the recall is out: carol answers within her window, as a person would.
    sent = wait_for_sent(env, expected=1, then=["local", "pause"])
    print("$ wxengage local pause   (as soon as the recall is out)")
    print(run(["local", "clock"], env))
    hours = (_sandbox_clock(env) - wrote_at) / 3600
    print(f"   ({hours:.1f} virtual hours after carol wrote)")
    print(run(["sandbox", "sent", "--app-id", APP_ID], env))
    print("\n== carol taps the guide link: her message is the keyword, the webhook answers it")
    print(
        run(["sandbox", "say", "--app-id", APP_ID, "--openid", CAROL, "--text", "show offers"], env)
    )
    print("\n== what the rule achieved")
    print(run(["rules", "stats", "--app-id", APP_ID], env))
    stats = json.loads(run(["rules", "stats", "--app-id", APP_ID, "--json"], env))
    sent_n = sum(int(row.get("sent", 0)) for row in stats["rows"])
    recalled_n = sum(int(row.get("recalled", 0)) for row in stats["rows"])
    to_carol = [m for m in sent if m["openid"] == CAROL]
    if len(sent) != 1 or len(to_carol) != 1 or (sent_n, recalled_n) != (1, 1):
        raise SystemExit(
            "the recall did not go out exactly once, or carol's answer was not counted"
        )
    if not 47 <= hours < 48:
        raise SystemExit(f"the recall went out {hours:.1f} h after carol wrote, not 47.5 h")
    # Still paused: the campaign is created and started before the clock leaps again.
    campaign_story(APP_ID, env, run, quiet)


def _sandbox_clock(env: dict[str, str]) -> float:
    """The stack's (virtual) now, straight from the sandbox: no CLI process to start."""
    resp = requests.get(f"{env['WXENGAGE_SANDBOX_URL']}/_sandbox/clock", timeout=10)
    return float(resp.json()["now"])


def quiet(args: list[str], env: dict[str, str]) -> str:
    """Run a CLI command without echoing it (polling)."""
    proc = subprocess.run(
        [*wxengage(), *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"wxengage {shlex.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def wait_for_sent(
    env: dict[str, str], expected: int, timeout: float = 60, then: list[str] | None = None
) -> list[dict[str, Any]]:
    """Poll the sandbox until `expected` recalls reached it, then run `then` at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent: list[dict[str, Any]] = json.loads(
            subprocess.run(
                [*wxengage(), "sandbox", "sent", "--app-id", APP_ID, "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        if len(sent) >= expected:
            if then:
                quiet(then, env)
            return sent
        time.sleep(0.2)
    raise SystemExit("no recall reached the WeChat sandbox")


if __name__ == "__main__":
    sys.exit(main())
