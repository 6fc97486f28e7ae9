"""Legs are independent: the real ASL on moto, faults from the WeChat sandbox, then `campaign resume`
for what did not go out, under the same clientmsgids."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import VARIANTS_AT, each_once, text_spec
from wxengage.broadcast.state import BatchStatus, LegStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATER = "2026-11-25T20:00:00"  # three days after the variants, Shanghai time
LEAKS = ("Traceback", 'File "', ".py", "stackTrace", "errorType", "{")


def ab_then_later(no_winner: str = "best") -> dict[str, Any]:
    """An A/B group on tag 101 (25% + 25%, the rest gets the winner) and a group three days later."""
    variants = [
        {"name": name, "content": {"type": "mpnews", "media_id": media}, "ratio": 0.25, "send_at": VARIANTS_AT}
        for name, media in (("A", "MA"), ("B", "MB"))
    ]  # fmt: skip
    return {
        "name": "independent",
        "groups": [
            {
                "name": "vip",
                "audience": {"tags": [101]},
                "ab_test": {"variants": variants, "winner": {"min_sent": 100, "no_winner": no_winner}},
            },
            {"name": "later", "audience": "remaining", "content": {"type": "text", "content": "later"}, "send_at": LATER},
        ],
    }  # fmt: skip


def resume(world: World, campaign_id: str, ok: bool = True) -> str:
    return world.wx(
        "campaign", "resume", "--app-id", world.app_id, "--campaign", campaign_id, ok=ok
    )


def text_status(world: World, campaign_id: str) -> str:
    return world.wx("campaign", "status", "--app-id", world.app_id, "--campaign", campaign_id)


def assert_readable(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into: {text}"


def test_a_failing_winner_leg_never_stops_a_later_group_and_resume_sends_it_once(
    world: World, tmp_path: Path
) -> None:
    # Given 600 followers (400 VIPs) and B reading far better
    openids = world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.25)
    # When the A/B campaign runs with a group three days later, and once the variants are out
    # WeChat refuses the next mass send for good (48001: no permission) - the winner's
    # (a statistics outage no longer fails a leg: the decision policy applies, test_stats_faults)
    campaign_id = world.create(ab_then_later(), tmp_path)
    world.start(campaign_id)
    variants_sent = datetime.fromisoformat(VARIANTS_AT).replace(tzinfo=SHANGHAI).timestamp() + 3600
    world.run_until(campaign_id, until=variants_sent)
    world.fault(api="/cgi-bin/message/mass/send", errcode=48001, times=1)
    assert world.run_until(campaign_id)["status"] == "SUCCEEDED"
    # Then the winner leg failed with a readable reason, the later group still went out,
    # and the campaign is partially failed
    legs = world.legs(campaign_id)
    winner = legs["g0w"]
    assert winner.status is LegStatus.FAILED and winner.failure is not None
    assert winner.failure.code == "wechat.48001" and "permission" in winner.reason
    assert legs["g1"].status is LegStatus.SUCCEEDED and legs["g1"].sent == 200
    report = world.status(campaign_id)
    assert report["status"] == "partially_failed"
    assert report["failure"]["code"] == "campaign.partially_failed"
    text = text_status(world, campaign_id)
    assert "partially_failed" in text and "campaign resume" in text
    assert_readable(text)
    assert len(each_once(world)) == 400  # the variants and the later group, nobody twice
    # When the operator resumes it
    out = resume(world, campaign_id)
    assert f"execution {campaign_id}-r2" in out and "vip/winner" in out
    assert world.run_until(f"{campaign_id}-r2")["status"] == "SUCCEEDED"
    # Then only the winner leg ran: B went to the other 200 VIPs, everyone got exactly one
    report = world.status(campaign_id)
    assert report["status"] == "succeeded" and report["failure"] is None
    assert report["groups"][0]["decision"]["send"] == "B"
    assert set(each_once(world)) == set(openids)
    assert len(world.masses()) == 4  # A, B, later, winner: no job sent again


def test_resume_after_a_lost_answer_reuses_the_clientmsgid_and_sends_nothing_twice(
    world: World, tmp_path: Path
) -> None:
    # Given WeChat applying the first mass send but its answer lost, then dropping every retry
    # (a tag group: openid batches; an `all` group goes as one sendall on a service account)
    openids = world.follow(30, tags={101: range(30)})
    world.fault(api="/cgi-bin/message/mass/send", timeout_seconds=3, applied=True, times=1)
    world.fault(api="/cgi-bin/message/mass/send", drop=True, times=9)
    campaign_id = world.create(text_spec(("fans", {"tags": [101]})), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the engine gave up on the batch: the campaign failed, saying so readably
    (batch,) = world.batches(campaign_id, "g0")
    assert batch.status is BatchStatus.FAILED and batch.maybe_sent_at is not None
    report = world.status(campaign_id)
    assert report["status"] == "failed"
    assert "did not answer" in report["groups"][0]["legs"][0]["reason"]
    assert_readable(text_status(world, campaign_id))
    assert len(world.masses()) == 1  # WeChat did get it once
    # When the operator resumes it (WeChat answers again)
    out = resume(world, campaign_id)
    assert "1 batch(es) again, same clientmsgid" in out
    world.run_until(f"{campaign_id}-r2")
    # Then the same clientmsgid met WeChat's 45065: recorded as sent, never sent again
    (after,) = world.batches(campaign_id, "g0")
    assert after.clientmsgid == batch.clientmsgid
    assert after.status is BatchStatus.SUBMITTED and after.duplicate
    assert len(world.masses()) == 1 and world.masses()[0]["msg_id"] == after.msg_id
    assert set(each_once(world)) == set(openids)
    assert world.status(campaign_id)["status"] == "succeeded"


def test_a_group_of_one_fails_with_its_reason_and_the_rest_goes_out(
    world: World, tmp_path: Path
) -> None:
    # Given 11 followers, one of them alone under tag 1
    openids = world.follow(11, tags={1: range(1)})
    # When a campaign sends tag 1 and the remaining followers as two groups
    campaign_id = world.create(text_spec(("solo", {"tags": [1]}), ("rest", "remaining")), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the lone follower's group failed, saying why; the rest went out; partially failed
    report = world.status(campaign_id)
    solo, rest = (g["legs"][0] for g in report["groups"])
    assert solo["status"] == "failed" and solo["failure"]["code"] == "batch.one_follower"
    assert "at least 2 openids" in solo["reason"]
    assert rest["status"] == "succeeded" and rest["sent"] == 10
    assert report["status"] == "partially_failed"
    assert set(each_once(world)) == set(openids[1:])
    # And resume has nothing to send: a batch of one would only be refused again
    out = resume(world, campaign_id, ok=False)
    assert "nothing left to resume" in out
    assert world.campaign(campaign_id).status.value == "partially_failed"


def test_a_winner_whose_variants_failed_fails_too_and_resume_runs_the_test_again(
    world: World, tmp_path: Path
) -> None:
    # Given WeChat refusing both variants' mass sends (40007, a bad media_id) on the first try
    openids = world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.25)
    world.fault(api="/cgi-bin/message/mass/send", errcode=40007, times=2)
    campaign_id = world.create(ab_then_later(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the variants failed, the winner leg failed by our rule (no test without two
    # variants), and the later group still went out
    legs = world.legs(campaign_id)
    assert {legs[k].status for k in ("g0v0", "g0v1")} == {LegStatus.FAILED}
    assert legs["g0w"].failure is not None and legs["g0w"].failure.code == "leg.variants_failed"
    assert legs["g1"].status is LegStatus.SUCCEEDED
    assert world.status(campaign_id)["status"] == "partially_failed"
    # When the operator resumes it
    out = resume(world, campaign_id)
    assert "vip/A" in out and "vip/B" in out and "vip/winner" in out
    world.run_until(f"{campaign_id}-r2")
    # Then the variants went out now, the winner the next day after their statistics
    report = world.status(campaign_id)
    assert report["status"] == "succeeded", report
    assert report["groups"][0]["decision"]["send"] == "B"
    resent = max(
        b.submitted_at or 0 for k in ("g0v0", "g0v1") for b in world.batches(campaign_id, k)
    )
    winner_at = min(b.submitted_at or 0 for b in world.batches(campaign_id, "g0w"))
    assert winner_at - resent > 12 * 3600  # 10:00 the day after, not at once
    assert set(each_once(world)) == set(openids)
