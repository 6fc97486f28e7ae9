"""`wxengage status` shows a held account and today's stranded claims (template deployed in moto)."""

from __future__ import annotations

import json

from tests.cli.test_status import RULE, status, wx
from tests.conftest import FakeClock
from tests.support.callbacks import APP_ID, register
from wxengage.recall.holds import RecallHold
from wxengage.settings import Settings
from wxengage.store.recalls import RecallStore
from wxengage.store.stats import StatsStore


def test_a_held_account_and_stranded_claims_are_shown_as_problems(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given an account whose recall sends WeChat refused for the IP whitelist, its checkpoint
    # left behind by the sweep on purpose, and one claim the sweep settled as stranded today
    register(stack)
    assert (
        wx("rules", "put", "--app-id", APP_ID, "--file", str(RULE / "default-reply.yaml"))[0] == 0
    )
    rule = json.loads(wx("rules", "list", "--app-id", APP_ID, "--json")[1])[0]["rule_id"]
    now = int(fake_clock.now)
    recalls = RecallStore(stack)
    recalls.save_checkpoint(APP_ID, now - now % 60 - 600)
    hold = RecallHold(errcode=40164, reason="invalid ip, not in whitelist", since=now - 60,
                      until=now + 840)  # fmt: skip
    recalls.hold_sends(APP_ID, hold)
    stats = StatsStore(stack)
    for counter in ("failed", "stranded"):
        stats.add(APP_ID, rule, "2026-11-22", counter, 1)
    # When the status is read
    report = status()
    [account] = report["accounts"]
    # Then the hold and the stranded claim are there, and say what needs a person
    assert account["recall_hold"]["errcode"] == 40164 and account["recall_hold"]["active"]
    assert account["recall_stranded_today"] == 1 and account["recall_today"]["failed"] == 1
    assert report["problems"] == [
        f"{APP_ID}: recall sends held until 2026-11-22T10:14:00Z since 2026-11-22T09:59:00Z: "
        "errcode 40164: invalid ip, not in whitelist",
        f"{APP_ID}: 1 recall claim(s) stranded today (a sender stopped mid-send; recorded "
        "failed/unknown_outcome, never resent)",
    ]
    # And the text shows the hold on its own line and the stranded share of the failed
    code, out = wx("status")
    assert code == 0
    assert "  hold      recall sends held until 2026-11-22T10:14:00Z" in out
    assert "failed 1, recalled 0; skipped none; of the failed, 1 stranded" in out
    # When the hold has run out (the next recall probes WeChat)
    fake_clock.advance(900)
    # Then it is shown as probing, no longer a problem of its own
    later = status()
    assert later["accounts"][0]["recall_hold"]["active"] is False
    assert not any("recall sends" in p for p in later["problems"])
