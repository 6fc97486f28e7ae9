"""The real broadcast state machine on moto, its real task handler in-process, the WeChat sandbox
over HTTP and the webhook taking its MASSSENDJOBFINISH callbacks, on one virtual clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.broadcast.conftest import START, World
from wxengage.broadcast.state import BatchStatus

# The world starts at 2026-11-22T10:00Z = 18:00 Shanghai; variants go at 20:00 Shanghai.
VARIANTS_AT = "2026-11-22T20:00:00"
WINNER_EARLIEST = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()  # 10:00 Shanghai, 23rd


def ab_spec(
    no_winner: str = "stop", default: str | None = None, vip: list[int] | None = None
) -> dict[str, Any]:
    winner: dict[str, Any] = {"min_sent": 100, "no_winner": no_winner}
    if default:
        winner["default_variant"] = default
    return {
        "name": "ab",
        "groups": [
            {
                "name": "vip",
                "audience": {"tags": vip or [101]},
                "ab_test": {
                    "variants": [
                        {
                            "name": "A",
                            "content": {"type": "mpnews", "media_id": "MA"},
                            "ratio": 0.25,
                            "send_at": VARIANTS_AT,
                        },
                        {
                            "name": "B",
                            "content": {"type": "mpnews", "media_id": "MB"},
                            "ratio": 0.25,
                            "send_at": VARIANTS_AT,
                        },
                    ],
                    "winner": winner,
                },
            },
            {
                "name": "others",
                "audience": "remaining",
                "content": {"type": "text", "content": "hello"},
            },
        ],
    }


def text_spec(*groups: tuple[str, Any], send_at: str = "now") -> dict[str, Any]:
    return {
        "name": "plain",
        "groups": [
            {
                "name": name,
                "audience": audience,
                "content": {"type": "text", "content": f"to {name}"},
                "send_at": send_at,
            }
            for name, audience in groups
        ],
    }


def each_once(world: World) -> Counter[str]:
    """Openids the sandbox delivered a broadcast to, with how often; asserts none got two."""
    got = Counter(openid for job in world.masses() for openid in job["delivered"])
    twice = [o for o, n in got.items() if n > 1]
    assert not twice, f"{len(twice)} followers got a broadcast twice, e.g. {twice[:3]}"
    return got


def test_an_ab_campaign_runs_to_its_next_day_winner(world: World, tmp_path: Path) -> None:
    # Given 600 followers, 400 of them VIPs, and WeChat reporting 5% reads for A and 20% for B
    openids = world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.20)
    # When the operator creates and starts an A/B campaign on the VIPs with the rest as a group
    campaign_id = world.create(ab_spec(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then it succeeded, B won significantly and went to the other half of the VIPs
    report = world.status(campaign_id)
    assert report["status"] == "succeeded", report
    vip = report["groups"][0]
    decision = vip["decision"]
    assert (decision["winner"], decision["send"]) == ("B", "B")
    assert decision["p_value"] < 0.05
    legs = {row["leg"]: row for row in vip["legs"]}
    assert (legs["g0v0"]["sent"], legs["g0v0"]["readers"]) == (100, 5)
    assert (legs["g0v1"]["sent"], legs["g0v1"]["readers"]) == (100, 20)
    assert legs["g0w"]["sent"] == 200 and legs["g0w"]["status"] == "succeeded"
    assert report["groups"][1]["legs"][0]["sent"] == 200
    # And every follower got exactly one broadcast, the winner no earlier than 10:00 next day
    assert set(each_once(world)) == set(openids)
    winner_batches = world.batches(campaign_id, "g0w")
    assert all((b.submitted_at or 0) >= WINNER_EARLIEST for b in winner_batches)
    jobs = {job["clientmsgid"]: job for job in world.masses()}
    assert jobs[winner_batches[0].clientmsgid]["media_id"] == "MB"
    # And `campaign status` says why
    text = world.wx("campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id)
    assert "winner: B; sent to the rest: B" in text and "beats every other variant" in text


@pytest.mark.parametrize(
    ("policy", "default", "rest_gets"),
    [("stop", None, None), ("best", None, "MB"), ("variant", "A", "MA")],
)
def test_without_a_significant_winner_the_policy_decides(
    world: World, tmp_path: Path, policy: str, default: str | None, rest_gets: str | None
) -> None:
    # Given reads of 10% and 11%: B leads, not significantly
    world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.10)
    world.reads("MB", 0.11)
    # When the campaign runs under the policy
    campaign_id = world.create(ab_spec(policy, default), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then there is no winner and the rest of the VIPs get what the policy says
    report = world.status(campaign_id)
    decision = report["groups"][0]["decision"]
    assert decision["winner"] is None and f"policy {policy}" in decision["reason"]
    winner_leg = world.legs(campaign_id)["g0w"]
    if rest_gets is None:
        assert winner_leg.status.value == "skipped" and winner_leg.sent == 0
        assert report["status"] == "succeeded"
    else:
        assert winner_leg.sent == 200
        sent_media = {
            job["media_id"]
            for job in world.masses()
            if job["clientmsgid"].startswith(f"{campaign_id}-g0w")
        }
        assert sent_media == {rest_gets}
    each_once(world)


def test_cancel_while_waiting_sends_nothing_more(world: World, tmp_path: Path) -> None:
    # Given an A/B campaign started, its variants waiting for 20:00
    world.follow(300, tags={101: range(300)})
    campaign_id = world.create({**ab_spec(), "groups": ab_spec()["groups"][:1]}, tmp_path)
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        # When the operator cancels while it waits
        world.wx("campaign", "cancel", "--app-id", world.app_id, "--campaign", campaign_id)
    execution = world.run_until(campaign_id)
    # Then the run ends at its next check, nothing was sent, and it says cancelled
    assert execution["status"] == "SUCCEEDED"
    assert world.masses() == []
    assert world.campaign(campaign_id).status.value == "cancelled"
    assert {s.status.value for s in world.legs(campaign_id).values()} == {"cancelled"}


def test_reschedule_while_waiting_sends_at_the_new_time(world: World, tmp_path: Path) -> None:
    # Given a group scheduled for 21:00 Shanghai (13:00Z), waiting
    world.follow(50)
    campaign_id = world.create(text_spec(("all", "all"), send_at="2026-11-22T21:00:00"), tmp_path)
    with world.clock.held():
        world.start(campaign_id)
        world.wait_for(campaign_id, "queued")
        # When it is moved earlier, to 19:30 Shanghai
        out = world.wx(
            "campaign",
            "reschedule",
            "--app-id",
            world.app_id,
            "--campaign",
            campaign_id,
            "--at",
            "2026-11-22T19:30:00+08:00",
        )
    assert f"execution {campaign_id}-r2" in out
    world.run_until(f"{campaign_id}-r2")
    # Then it went out at the new time, once, and the first run was stopped
    batch = world.batches(campaign_id, "g0")[0]
    assert batch.submitted_at == int(datetime(2026, 11, 22, 11, 30, tzinfo=UTC).timestamp())
    # AWS reports the stopped run ABORTED; moto ends a stop inside a Map as FAILED (its own
    # AttributeError). Either way it no longer runs, and it sent nothing: one job only.
    assert world.execution(campaign_id)["status"] in {"ABORTED", "FAILED"}
    assert len(world.masses()) == 1
    assert len(each_once(world)) == 50


def test_one_failing_batch_makes_the_campaign_partially_failed(
    world: World, tmp_path: Path
) -> None:
    # Given 10,002 tagged followers (two batches) and WeChat refusing the first mass send for good
    world.follow(10_002, tags={1: range(10_002)})
    world.fault(api="/cgi-bin/message/mass/send", errcode=40007, times=1)
    # When a campaign sends to all of them by openid lists (a tag on a service account)
    campaign_id = world.create(text_spec(("all", {"tags": [1]})), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then one batch failed, the other was delivered, and the campaign is partially failed
    batches = world.batches(campaign_id, "g0")
    assert [b.status for b in batches] == [BatchStatus.FAILED, BatchStatus.SUBMITTED]
    assert [b.size for b in batches] == [5001, 5001]
    report = world.status(campaign_id)
    assert report["status"] == "partially_failed"
    leg = report["groups"][0]["legs"][0]
    assert (leg["sent"], leg["errors"], leg["failed_batches"]) == (5001, 5001, 1)
    assert "40007" in leg["reason"]
    assert len(each_once(world)) == 5001


def test_every_batch_failing_makes_the_campaign_failed(world: World, tmp_path: Path) -> None:
    # Given WeChat refusing every mass send
    world.follow(20)
    world.fault(api="/cgi-bin/message/mass/send", errcode=40007, times=50)
    # When a campaign with two groups runs
    campaign_id = world.create(text_spec(("a", {"tags": [1]}), ("b", "remaining")), tmp_path)
    world.sandbox.state.put_follower(world.app_id, "o00000", [1])
    world.sandbox.state.put_follower(world.app_id, "o00001", [1])
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then every leg failed, and so did the campaign, with the reason kept
    report = world.status(campaign_id)
    assert report["status"] == "failed"
    assert {leg["status"] for g in report["groups"] for leg in g["legs"]} == {"failed"}
    assert world.masses() == []


def test_a_batch_retried_after_a_lost_answer_is_not_sent_twice(
    world: World, tmp_path: Path
) -> None:
    # Given WeChat accepting the first mass send but the answer never arriving
    openids = world.follow(30)
    # (an `all` group is one mass/sendall with is_to_all)
    world.fault(api="/cgi-bin/message/mass/sendall", timeout_seconds=3, applied=True, times=1)
    # When the campaign runs (the engine retries a minute later with the same clientmsgid)
    campaign_id = world.create(text_spec(("all", "all")), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then WeChat said 45065, the batch is recorded with the original job, and nobody got it twice
    (batch,) = world.batches(campaign_id, "g0")
    assert batch.status is BatchStatus.SUBMITTED and batch.duplicate and batch.attempts == 2
    assert world.status(campaign_id)["status"] == "succeeded"
    assert set(each_once(world)) == set(openids)
    assert len(world.masses()) == 1 and world.masses()[0]["msg_id"] == batch.msg_id


def test_overlapping_tags_get_disjoint_groups_and_remaining_gets_exactly_the_rest(
    world: World, tmp_path: Path
) -> None:
    # Given tag 1 on o0..o39 and tag 2 on o30..o69 of 100 followers
    openids = world.follow(100, tags={1: range(40), 2: range(30, 70)})
    # When three groups (tag 1, tag 2, the rest) are sent
    campaign_id = world.create(
        text_spec(("t1", {"tags": [1]}), ("t2", {"tags": [2]}), ("rest", "remaining")), tmp_path
    )
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then t2 lost the overlap to t1, and the rest is exactly everyone else, each once
    got: dict[str, set[str]] = {}
    for job in world.masses():
        got.setdefault(job["content"], set()).update(job["delivered"])
    assert got["to t1"] == set(openids[:40])
    assert got["to t2"] == set(openids[40:70])
    assert got["to rest"] == set(openids[70:])
    assert len(each_once(world)) == 100


def test_followers_at_the_monthly_cap_are_left_out_and_counted(
    world: World, tmp_path: Path
) -> None:
    # Given 10 followers of a service account, 3 of whom had 4 broadcasts this month already
    openids = world.follow(10, tags={1: range(10)})
    from wxengage.broadcast.caps import period
    from wxengage.store.ledger import BroadcastLedger

    ledger = BroadcastLedger(world.settings)
    month = period(world.app_id, world.account_type, int(START))
    for n in range(4):
        ledger.record(month, openids[:3], f"earlier-{n}", 4, int(START))
    # When a campaign sends to all of them by openid lists (sendall cannot leave anyone out)
    campaign_id = world.create(text_spec(("all", {"tags": [1]})), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the 3 were left out and reported as capped; the 7 got it and now count 1 this month
    leg = world.status(campaign_id)["groups"][0]["legs"][0]
    assert (leg["capped"], leg["sent"]) == (3, 7)
    assert set(each_once(world)) == set(openids[3:])
    assert ledger.count(month, openids[5]) == 1 and ledger.count(month, openids[0]) == 4


def test_a_console_start_claims_the_campaign_and_a_second_run_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    # Given a draft, started from the console with the events/ input, twice under two names
    world.follow(10)
    campaign_id = world.create(text_spec(("all", "all")), tmp_path)
    world.start_from_console(campaign_id, "console-1")
    world.run_until("console-1")
    world.start_from_console(campaign_id, "console-2")
    second = world.run_until("console-2")
    # Then the first sent it; the second failed without touching the campaign
    assert second["status"] == "FAILED"
    c = world.campaign(campaign_id)
    assert (c.status.value, c.execution) == ("succeeded", "console-1")
    assert len(each_once(world)) == 10


def test_preview_and_offline_go_through_the_broadcast_function(
    world: World, tmp_path: Path
) -> None:
    # Given a news campaign sent to 5 followers
    world.follow(5)
    spec = {
        "name": "news",
        "groups": [
            {"name": "all", "audience": "all", "content": {"type": "mpnews", "media_id": "MN"}}
        ],
    }
    campaign_id = world.create(spec, tmp_path)
    # When the operator previews it (to a follower and to a WeChat ID), sends it, then takes it
    # offline
    out = world.wx(
        "campaign", "preview", "--app-id", world.app_id, "--campaign", campaign_id,
        "--to", "o00001", "--to-wxname", "shop-owner",
    )  # fmt: skip
    world.start(campaign_id)
    world.run_until(campaign_id)
    off = world.wx(
        "campaign", "offline", "--app-id", world.app_id, "--campaign", campaign_id, "--yes"
    )
    # Then the preview reached the follower without a mass job, and the job is deleted
    assert "previewed all to o00001" in out and "previewed all to wxid:shop-owner" in out
    assert world.previews()[0]["touser"] == "o00001"
    assert world.previews()[1]["towxname"] == "shop-owner"
    (batch,) = world.batches(campaign_id, "g0")
    assert f"taken offline: 1 mass jobs ({batch.msg_id})" in off
    assert world.masses()[0]["status"] == "DELETE"


def test_the_follower_store_can_be_the_audience(world: World, tmp_path: Path) -> None:
    # Given three followers who wrote to the account (the engine has seen them), one who left
    for openid, action in (("o-a", "say"), ("o-b", "say"), ("o-c", "say"), ("o-c", "unsubscribe")):
        world.sandbox_play(openid, action)
    # When a campaign takes its audience from the follower store
    spec = {**text_spec(("seen", "all")), "audience_source": "store"}
    campaign_id = world.create(spec, tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the two still following got it
    assert set(each_once(world)) == {"o-a", "o-b"}
