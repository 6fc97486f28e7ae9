"""Reliability: a campaign under WeChat faults (busy, rate limits, token bursts, a lost answer,
missing job reports); each follower gets exactly one broadcast and every retry is on record."""

from __future__ import annotations

from pathlib import Path

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import each_once, text_spec

SEND = "/cgi-bin/message/mass/sendall"  # an `all` group goes out as one sendall to all


def test_a_campaign_rides_out_wechat_faults_and_sends_each_follower_once(
    world: World, tmp_path: Path
) -> None:
    # Given 60 followers, and the next mass sends failing in every way WeChat fails
    openids = world.follow(60)
    world.fault(api=SEND, errcode=-1, times=2)  # system busy
    world.fault(api=SEND, errcode=45011, times=1)  # per-minute frequency
    world.fault(api=SEND, errcode=45066, times=1)  # the same clientmsgid too soon: a minute on
    world.fault(api=SEND, errcode=40001, times=2)  # token refused, and again after the refetch
    world.fault(
        api=SEND, timeout_seconds=3, applied=True, times=1
    )  # WeChat has it, the answer is lost
    # When a campaign sends to all of them
    campaign_id = world.create(text_spec(("all", "all")), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then it succeeded and each follower got exactly one broadcast
    assert world.status(campaign_id)["status"] == "succeeded"
    assert set(each_once(world)) == set(openids)
    assert len(world.masses()) == 1
    # And the batch's record accounts for every failure: -1, -1, 45011, 45066, 40001 (after the
    # client's own refetch), the lost answer, then 45065 naming the job WeChat already had
    (batch,) = world.batches(campaign_id, "g0")
    assert batch.attempts == 7 and batch.duplicate, batch
    assert batch.msg_id == world.masses()[0]["msg_id"]


def test_without_job_reports_the_results_come_from_mass_get(world: World, tmp_path: Path) -> None:
    # Given WeChat sending no MASSSENDJOBFINISH
    openids = world.follow(12)
    world.wechat("POST", "/_sandbox/mass-callbacks", {"hold": True})
    # When a campaign sends to everyone
    campaign_id = world.create(text_spec(("all", "all")), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then mass/get said SEND_SUCCESS after ten minutes: the leg succeeded, its counts estimated
    (batch,) = world.batches(campaign_id, "g0")
    assert (batch.result, batch.estimated, batch.sent) == ("SEND_SUCCESS", True, 12)
    leg = world.status(campaign_id)["groups"][0]["legs"][0]
    assert (leg["status"], leg["estimated_batches"]) == ("succeeded", 1)
    assert set(each_once(world)) == set(openids)
