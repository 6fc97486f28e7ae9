"""Campaigns by account type and under the day's mass-call budget, through the CLI, the state
machine and the sandbox."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import each_once, text_spec
from wxengage.broadcast.state import BatchStatus, LegState
from wxengage.store.mass_budget import MassBudgetStore

BEIJING_MIDNIGHT = 1_795_363_200  # 2026-11-23T00:00+08:00; the world starts at 18:00 there


def test_an_all_send_is_one_sendall_kept_in_the_history_and_the_ledger_knows_who(
    world: World, tmp_path: Path
) -> None:
    # Given a service account with 30 followers
    openids = world.follow(30)
    # When an `all` campaign is started
    campaign_id = world.create(text_spec(("all", "all")), tmp_path)
    out = world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the plan named its one call, and WeChat got one sendall to all, in the history
    assert "g0     all                      1 call" in out
    (job,) = world.masses()
    assert (job["target"], job["in_history"], job["sent"]) == ("all", True, 30)
    assert set(each_once(world)) == set(openids)
    leg = world.status(campaign_id)["groups"][0]["legs"][0]
    assert (leg["status"], leg["sent"]) == ("succeeded", 30)
    (batch,) = world.batches(campaign_id, "g0")
    assert (batch.size, batch.ledgered) == (30, True)


def test_a_subscription_accounts_groups_go_by_tag_on_separate_days(
    world: World, tmp_path: Path
) -> None:
    # Given a subscription account with two tags
    world.wx("accounts", "set", "--app-id", world.app_id, "--type", "subscription")
    openids = world.follow(10, tags={1: range(5), 2: range(5, 10)})
    # When a campaign with one group per tag, both now, is started
    campaign_id = world.create(text_spec(("t1", {"tags": [1]}), ("t2", {"tags": [2]})), tmp_path)
    out = world.start(campaign_id)
    # Then the plan shows the second group on the next day
    assert "2026-11-22  g0     t1" in out
    assert "2026-11-23  g1     t2" in out
    world.run_until(campaign_id)
    # And WeChat got two sendalls by tag, the second after midnight Beijing time
    jobs = world.masses()
    assert [j["target"] for j in jobs] == ["tag:1", "tag:2"]
    assert not any(j["in_history"] for j in jobs)
    g1 = world.batches(campaign_id, "g1")[0]
    assert g1.submitted_at is not None and g1.submitted_at >= BEIJING_MIDNIGHT
    assert set(each_once(world)) == set(openids)
    assert world.status(campaign_id)["status"] == "succeeded"


def test_an_ab_test_on_a_subscription_account_is_refused_at_create(
    world: World, tmp_path: Path
) -> None:
    world.wx("accounts", "set", "--app-id", world.app_id, "--type", "subscription")
    spec = text_spec(("t1", {"tags": [1]}))
    variant = {"content": {"type": "mpnews", "media_id": "M"}, "ratio": 0.2}
    at = "2026-11-22T21:00:00+08:00"
    spec["groups"][0] = {
        "name": "ab",
        "audience": {"tags": [1]},
        "ab_test": {
            "variants": [
                {"name": "a", "send_at": at, **variant},
                {"name": "b", "send_at": at, **variant},
            ]
        },
    }
    path = tmp_path / "ab.json"
    path.write_text(json.dumps(spec))
    out = world.wx("campaign", "create", "--app-id", world.app_id, "--file", str(path), ok=False)
    assert "a subscription account cannot run A/B tests" in out
    assert "no campaigns" in world.wx("campaign", "list", "--app-id", world.app_id)


def test_a_leg_larger_than_the_days_budget_continues_tomorrow(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an account allowed 2 mass calls a day, and a leg of 3 batches (batches of 2 here)
    world.wx("accounts", "set", "--app-id", world.app_id, "--mass-calls-per-day", "2")
    monkeypatch.setattr(
        "wxengage.broadcast.send.batch_bounds", lambda n: [(i, 2) for i in range(0, n, 2)]
    )
    monkeypatch.setattr(
        "wxengage.broadcast.budget.batch_bounds", lambda n: [(i, 2) for i in range(0, n, 2)]
    )
    openids = world.follow(6, tags={1: range(6)})
    # When the campaign is started (time held: no leap to tomorrow while we look)
    campaign_id = world.create(text_spec(("vip", {"tags": [1]})), tmp_path)
    with world.clock.held():
        out = world.start(campaign_id)
        leg = noted(world, campaign_id, "g0")
        shown = world.status(campaign_id)["groups"][0]["legs"][0]
        masses = world.masses()
    # Then the plan showed 2 calls today and 1 tomorrow
    assert "2026-11-22  g0     vip                      2 calls" in out
    assert "2026-11-23  g0     vip                      1 call" in out
    # And after two calls the leg waits, and its status says it continues tomorrow
    assert len(masses) == 2
    assert leg.status.value == "sending"
    assert "daily mass-call budget is used: continues 2026-11-23 00:00" in leg.reason
    assert (shown["status"], shown["reason"]) == ("sending", leg.reason)
    # And after midnight Beijing time the last batch goes, and everyone got it once
    world.run_until(campaign_id)
    batches = world.batches(campaign_id, "g0")
    assert [b.status for b in batches] == [BatchStatus.SUBMITTED] * 3
    assert batches[2].submitted_at is not None and batches[2].submitted_at >= BEIJING_MIDNIGHT
    assert set(each_once(world)) == set(openids)
    assert MassBudgetStore(world.settings).used(world.app_id, BEIJING_MIDNIGHT) == (1, 0)


def noted(world: World, campaign_id: str, key: str, timeout: float = 60) -> LegState:
    """The leg once it carries a reason (polled in real time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leg = world.legs(campaign_id).get(key)
        if leg is not None and leg.reason:
            return leg
        time.sleep(0.05)
    raise AssertionError(f"leg {key} of {campaign_id} never said why it waits")
