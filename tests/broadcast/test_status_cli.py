"""`campaign status`, `offline`, `results` and `--leg` names on the real state machine and sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import WINNER_EARLIEST, ab_spec, text_spec
from wxengage import clock


def ab_won_by_b(world: World, tmp_path: Path) -> str:
    """600 followers, 400 VIPs; B reads 20 %, A 5 %: B wins and goes to the rest of the VIPs."""
    world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.20)
    campaign_id = world.create(ab_spec(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    return campaign_id


def test_status_shows_every_batch_as_wechat_has_it_then_what_offline_takes_down(
    world: World, tmp_path: Path
) -> None:
    # Given an A/B campaign run to its winner
    campaign_id = ab_won_by_b(world, tmp_path)
    jobs = {job["clientmsgid"]: job for job in world.masses()}
    # When its status is read as JSON
    report = world.status(campaign_id)
    # Then every batch WeChat received is there with its msg_id, a seed status and WeChat's counts
    batches = [
        b for g in report["groups"] for leg in g["legs"] for b in leg.get("batch_details", [])
    ]
    assert {b["clientmsgid"] for b in batches} == set(jobs)
    for b in batches:
        assert b["msg_id"] == jobs[b["clientmsgid"]]["msg_id"]
        assert (b["status"], b["figures"]) == ("succeeded", "reported")
        assert b["submitted_at_local"].endswith("+08:00") and b["finished_at"] is not None
    winner = report["groups"][0]["legs"][2]
    assert winner["sent_at"] >= winner["send_at"]
    # When the operator asks to take the winner's news offline by name, and says no
    args = ["campaign", "offline", "--app-id", world.app_id, "--campaign", campaign_id]
    plan = world.wx(*args, "--leg", "vip/winner", ok=False)
    # Then the plan names the variant that sent the same news too, and nothing was deleted
    assert "news MB (the whole news item), sent by vip/B, vip/winner" in plan
    assert "note: vip/B sent the same news" in plan and "Aborted" in plan
    assert {job["status"] for job in world.masses()} != {"DELETE"}
    assert all(b.offline_at is None for b in world.batches(campaign_id, "g0v1"))
    # When it is confirmed
    world.wx(*args, "--leg", "vip/winner", "--yes")
    # Then B's sends are down, A's are not, and status shows which batches are offline
    media = {job["clientmsgid"]: job["media_id"] for job in world.masses()}
    down = {job["clientmsgid"] for job in world.masses() if job["status"] == "DELETE"}
    assert down == {cid for cid, m in media.items() if m == "MB"}
    legs = {leg["leg"]: leg for leg in world.status(campaign_id)["groups"][0]["legs"]}
    assert {b["status"] for b in legs["g0v1"]["batch_details"]} == {"offline"}
    assert {b["status"] for b in legs["g0w"]["batch_details"]} == {"offline"}
    assert {b["status"] for b in legs["g0v0"]["batch_details"]} == {"succeeded"}
    text = world.wx("campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id)
    assert "offline: 1 of 1 batches taken down" in text
    # And asking for the decided test's read rates keeps the decision's figures
    out = world.wx("campaign", "results", "--app-id", world.app_id, "--campaign", campaign_id)
    assert "group vip: not fetched: decided" in out


def test_a_leg_is_moved_by_its_name_and_an_unknown_name_lists_the_legs(
    world: World, tmp_path: Path
) -> None:
    # Given two groups scheduled for 21:00 Shanghai, waiting
    world.follow(10, tags={101: range(5)})
    spec = text_spec(("vip", {"tags": [101]}), ("rest", "remaining"), send_at="2026-11-22T21:00:00")
    campaign_id = world.create(spec, tmp_path)
    args = ["campaign", "reschedule", "--app-id", world.app_id, "--campaign", campaign_id]
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        # When an unknown leg is named / Then refused with the legs' names, nothing moved
        bad = world.wx(*args, "--at", "2026-11-22T22:00:00+08:00", "--leg", "vips", ok=False)
        assert "its legs are vip (g0), rest (g1)" in bad
        assert world.campaign(campaign_id).execution == campaign_id
        # When the second group is moved by its name
        world.wx(*args, "--at", "2026-11-22T22:00:00+08:00", "--leg", "rest")
    world.run_until(f"{campaign_id}-r2")
    # Then only that leg moved, and status reads each leg's plan beside when it went
    planned = {leg.key: leg.send_at for leg in world.campaign(campaign_id).legs}
    assert planned["g1"] - planned["g0"] == 3600
    text = world.wx("campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id)
    [rest] = [line for line in text.splitlines() if line.startswith("  g1 ")]
    assert rest.count("2026-11-22 22:00") == 2


def test_a_test_cancelled_after_its_variants_keeps_their_read_rates(
    world: World, tmp_path: Path
) -> None:
    # Given an A/B test on 400 VIPs whose variants went out at 20:00 (A read 5 %, B 20 %)
    world.follow(400, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.20)
    campaign_id = world.create({**ab_spec(), "groups": ab_spec()["groups"][:1]}, tmp_path)
    world.start(campaign_id)
    variants_done = datetime(2026, 11, 22, 13, 0, tzinfo=UTC).timestamp()  # 21:00 Shanghai
    world.run_until(campaign_id, until=variants_done)
    # When the operator cancels before the decision
    with world.clock.held():
        out = world.wx("campaign", "cancel", "--app-id", world.app_id, "--campaign", campaign_id)
    world.run_until(campaign_id)
    # Then cancel and status both say how to keep the read rates
    assert "keep their read rates with `wxengage campaign results" in out
    status = ["campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id]
    assert "read rates: not fetched" in world.wx(*status)
    # When they are fetched once WeChat has them (the next morning)
    world.clock.advance(max(0.0, WINNER_EARLIEST - clock.now_ts()))
    got = world.wx("campaign", "results", "--app-id", world.app_id, "--campaign", campaign_id)
    # Then each variant keeps its readers, and status shows them after the cancel
    assert "group vip variant A: 5 readers of 100 sent (5.00%)" in got
    assert "group vip variant B: 20 readers of 100 sent (20.00%)" in got
    legs = {leg["leg"]: leg for leg in world.status(campaign_id)["groups"][0]["legs"]}
    assert (legs["g0v0"]["readers"], legs["g0v1"]["readers"]) == (5, 20)
    assert world.status(campaign_id)["status"] == "cancelled"
    assert "read rates: not fetched" not in world.wx(*status)
