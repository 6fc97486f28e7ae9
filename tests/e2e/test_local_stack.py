"""The local stack end to end: moto server + template + gateway + WeChat sandbox, driven over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from tests.e2e.conftest import running_local_stack
from tests.support import cli_output
from tests.support.callbacks import AES_KEY, APP_ID, APP_SECRET, TOKEN
from wxengage.wechat.signature import sha1_signature
from wxengage_cli.main import cli
from wxengage_local.runner import LocalRun


@pytest.fixture(scope="module")
def local_run() -> Iterator[LocalRun]:
    """One local stack for the module, on free ports, stopped at the end."""
    with running_local_stack("wxengage") as run:
        yield run


def wx(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, cli_output(result.output)


@pytest.mark.stack
def test_a_follower_story_through_the_sandbox(local_run: LocalRun) -> None:
    # Given an account registered in safe mode through the CLI
    code, out = wx(
        "accounts",
        "add",
        "--app-id",
        APP_ID,
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--app-secret",
        APP_SECRET,
        "--mode",
        "safe",
    )
    assert code == 0, out
    # When the sandbox plays a follow, a backdated message and a msgmenu tap
    steps = [
        ("follow", "--openid", "o-alice"),
        ("say", "--openid", "o-alice", "--text", "hello", "--ago", "2h"),
        ("tap", "--openid", "o-alice", "--text", "yes", "--menu-id", "101", "--ago", "1h"),
        ("follow", "--openid", "o-bob"),
        ("unsubscribe", "--openid", "o-bob"),
    ]
    for action, *rest in steps:
        code, out = wx("sandbox", action, "--app-id", APP_ID, *rest)
        assert code == 0, out
        assert "webhook answered 200" in out
    # Then the engine's view matches: alice's window was opened by the tap an hour ago, bob left
    alice = json.loads(
        wx("followers", "show", "--app-id", APP_ID, "--openid", "o-alice", "--json")[1]
    )
    bob = json.loads(wx("followers", "show", "--app-id", APP_ID, "--openid", "o-bob", "--json")[1])
    assert (alice["window_opened_by"], alice["messages_left"], alice["window_open"]) == (
        "message",
        5,
        True,
    )
    assert bob["subscribed"] is False


@pytest.mark.stack
def test_the_gateway_answers_url_verification_and_refuses_forgeries(local_run: LocalRun) -> None:
    # Given the registered account (module fixture order: registered by the story test or here)
    wx(
        "accounts",
        "add",
        "--app-id",
        APP_ID,
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--app-secret",
        APP_SECRET,
        "--replace",
    )
    import time

    ts, nonce = str(int(time.time())), "77"
    url = f"{local_run.stack.webhook_base_url}/wechat/{APP_ID}"
    good = {
        "signature": sha1_signature(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "e1",
    }
    # When WeChat verifies the URL over HTTP, and a forger tries
    ok = requests.get(url, params=good, timeout=10)
    bad = requests.get(url, params=good | {"signature": "0" * 40}, timeout=10)
    unknown = requests.get(
        f"{local_run.stack.webhook_base_url}/wechat/wxffffffffffffffff", params=good, timeout=10
    )
    # Then echostr comes back for WeChat only
    assert (ok.status_code, ok.text) == (200, "e1")
    assert bad.status_code == 403
    assert unknown.status_code == 404


@pytest.mark.stack
def test_the_sandbox_token_api_behaves_like_wechat(local_run: LocalRun) -> None:
    # Given the registered account
    wx(
        "accounts",
        "add",
        "--app-id",
        APP_ID,
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--app-secret",
        APP_SECRET,
        "--replace",
    )
    assert local_run.sandbox is not None
    base = local_run.sandbox.url
    body = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    # When a stable token is asked for twice, and with a wrong secret
    first = requests.post(f"{base}/cgi-bin/stable_token", json=body, timeout=10).json()
    second = requests.post(f"{base}/cgi-bin/stable_token", json=body, timeout=10).json()
    wrong = requests.post(
        f"{base}/cgi-bin/stable_token", json=body | {"secret": "f" * 32}, timeout=10
    ).json()
    # Then the same token comes back, and the wrong secret gets WeChat's errcode
    assert first["access_token"] == second["access_token"] and first["expires_in"] > 7000
    assert wrong["errcode"] == 40125


RECALL_APP = "wx00000000000000e2"
TAGGED_RULE = """\
name: vip
lead_minutes: 2880
include_tags: [100]
content:
  kind: custom
  replies:
    - {type: text, text: "Your VIP coupon is waiting"}
"""


@pytest.mark.stack
def test_a_recall_goes_through_the_real_client_to_the_sandbox_once(
    local_run: LocalRun, tmp_path: Path
) -> None:
    # Given an account, a rule for tag 100, one tagged and one untagged follower who both wrote
    code, out = wx(
        "accounts",
        "add",
        "--app-id",
        RECALL_APP,
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--app-secret",
        APP_SECRET,
        "--mode",
        "safe",
    )
    assert code == 0, out
    rule = tmp_path / "vip.yaml"
    rule.write_text(TAGGED_RULE)
    assert wx("rules", "put", "--app-id", RECALL_APP, "--file", str(rule))[0] == 0
    assert (
        wx(
            "sandbox",
            "followers",
            "add",
            "--app-id",
            RECALL_APP,
            "--openid",
            "o-vip",
            "--tag",
            "100",
        )[0]
        == 0
    )
    for openid in ("o-vip", "o-plain"):
        assert (
            wx("sandbox", "say", "--app-id", RECALL_APP, "--openid", openid, "--text", "hi")[0] == 0
        )
    # And WeChat busy (-1) on the first customer send
    assert (
        wx(
            "sandbox",
            "fail",
            "--api",
            "/cgi-bin/message/custom/send",
            "--errcode",
            "-1",
            "--times",
            "1",
        )[0]
        == 0
    )
    # When the sweep runs twice and the local queue pump delivers (with its retry)
    sweeps = [
        json.loads(wx("recall", "sweep", "--app-id", RECALL_APP, "--json")[1]) for _ in range(2)
    ]
    sent = wait_for(
        lambda: json.loads(wx("sandbox", "sent", "--app-id", RECALL_APP, "--json")[1]), 1
    )
    # Then the VIP got exactly one recall, the untagged follower none, and stats say so
    assert [(s["openid"], s["message"]["text"]["content"]) for s in sent] == [
        ("o-vip", "Your VIP coupon is waiting")
    ]
    assert sweeps[0]["queued"] == 2 and sweeps[1]["queued"] == 0
    stats = json.loads(wx("rules", "stats", "--app-id", RECALL_APP, "--json")[1])["rows"][0]
    assert (stats["sent"], stats["skipped"]) == (1, {"tag": 1})


def wait_for(read: Any, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = read()
        if len(seen) >= count:
            time.sleep(1)  # and nothing more arrives after
            return list(read())
        time.sleep(0.3)
    return seen
