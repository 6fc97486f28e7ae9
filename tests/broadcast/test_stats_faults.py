"""A/B statistics on the real state machine against the sandbox's fault plans: outages at decision
time, an empty legacy endpoint, mass/get failing after lost reports, and a lost send answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.broadcast.conftest import World
from tests.broadcast.test_state_machine import ab_spec, each_once
from wxengage.broadcast.state import BatchState

DATACUBE = (
    "/datacube/getarticletotaldetail",
    "/datacube/getarticleread",
    "/datacube/getarticletotal",
)


def vip_only(policy: str = "stop") -> dict[str, Any]:
    """The A/B group alone: the variants' batches are the first mass sends of the run."""
    spec = ab_spec(policy)
    spec["groups"] = spec["groups"][:1]
    return spec


def recovered(world: World, campaign_id: str) -> list[BatchState]:
    """The variant batches recovered through 45065 (the variants send in parallel: either)."""
    found = [*world.batches(campaign_id, "g0v0"), *world.batches(campaign_id, "g0v1")]
    return [b for b in found if b.duplicate]


def ab_world(world: World) -> list[str]:
    """600 followers, 400 VIPs; WeChat reports 5% reads for A and 20% for B."""
    openids = world.follow(600, tags={101: range(400)})
    world.reads("MA", 0.05)
    world.reads("MB", 0.20)
    return openids


def test_a_statistics_outage_at_decision_time_only_delays_the_winner(
    world: World, tmp_path: Path
) -> None:
    # Given every statistics endpoint answering -1 for its next 20 calls
    openids = ab_world(world)
    for api in DATACUBE:
        world.fault(api=api, errcode=-1, times=20)
    # When the A/B campaign runs through it
    campaign_id = world.create(ab_spec(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then it succeeded: B won once the statistics answered, and went to the rest of the VIPs
    report = world.status(campaign_id)
    assert report["status"] == "succeeded", report
    decision = report["groups"][0]["decision"]
    assert (decision["winner"], decision["send"]) == ("B", "B")
    assert [x["over"] for x in decision["lifts"]] == ["A"]
    assert set(each_once(world)) == set(openids)
    # And every leg's readers are in, the winner leg's too, each rate with its interval
    legs = {row["leg"]: row for row in report["groups"][0]["legs"]}
    assert [legs[k]["readers"] for k in ("g0v0", "g0v1", "g0w")] == [5, 20, 40]
    low, high = legs["g0w"]["read_rate_ci95"]
    assert low < 0.20 < high


def test_an_empty_legacy_endpoint_does_not_hide_the_reads(world: World, tmp_path: Path) -> None:
    # Given getarticletotal answering {"list": []} as it has been seen to since deprecation
    ab_world(world)
    world.wechat("POST", "/_sandbox/stats", {"legacy": "empty"})
    # When the campaign runs
    campaign_id = world.create(ab_spec(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the maintained endpoint's figures decided it: B won on 5 against 20 readers
    report = world.status(campaign_id)
    assert report["groups"][0]["decision"]["winner"] == "B"
    legs = {row["leg"]: row for row in report["groups"][0]["legs"]}
    assert (legs["g0v0"]["readers"], legs["g0v1"]["readers"]) == (5, 20)


def test_mass_get_failing_after_lost_reports_only_delays_the_results(
    world: World, tmp_path: Path
) -> None:
    # Given job reports held back (never reaching the webhook) and mass/get answering -1, then
    # 45011, for a while
    openids = ab_world(world)
    world.wechat("POST", "/_sandbox/mass-callbacks", {"hold": True})
    world.fault(api="/cgi-bin/message/mass/get", errcode=-1, times=6)
    world.fault(api="/cgi-bin/message/mass/get", errcode=45011, times=6)
    # When the campaign runs
    campaign_id = world.create(ab_spec(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then it succeeded on mass/get's word, with estimated figures, and B still won
    report = world.status(campaign_id)
    assert report["status"] == "succeeded", report
    assert report["groups"][0]["decision"]["winner"] == "B"
    assert set(each_once(world)) == set(openids)


def test_a_lost_send_answer_keeps_its_variant_in_the_test(world: World, tmp_path: Path) -> None:
    # Given WeChat applying the first variant batch's mass send but its answer lost (then 45065
    # on the retry, which carries msg_id only)
    openids = ab_world(world)
    world.fault(api="/cgi-bin/message/mass/send", drop=True, applied=True, times=1)
    # When the campaign runs
    campaign_id = world.create(vip_only(), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then the batch was recovered through 45065, its msg_data_id came back with its job report,
    # and both variants were compared: B won, nothing excluded, nobody got two broadcasts
    (batch,) = recovered(world, campaign_id)
    assert batch.msg_data_id is not None
    decision = world.status(campaign_id)["groups"][0]["decision"]
    assert (decision["winner"], decision["excluded"]) == ("B", [])
    assert set(each_once(world)) == set(openids[:400])


def test_a_batch_that_cannot_be_attributed_is_named_in_the_decision(
    world: World, tmp_path: Path
) -> None:
    # Given a variant's send answer lost and every job report lost too (mass/get tells the
    # status, never the msg_data_id)
    ab_world(world)
    world.fault(api="/cgi-bin/message/mass/send", drop=True, applied=True, times=1)
    world.wechat("POST", "/_sandbox/mass-callbacks", {"hold": True})
    # When the campaign runs under the "best" policy
    campaign_id = world.create(vip_only("best"), tmp_path)
    world.start(campaign_id)
    world.run_until(campaign_id)
    # Then that variant has no statistics, the decision says which batch was excluded and why,
    # and the policy still sends the rest of the group
    (batch,) = recovered(world, campaign_id)
    name = "A" if batch.leg == "g0v0" else "B"
    decision = world.status(campaign_id)["groups"][0]["decision"]
    assert decision["winner"] is None
    assert f"no read statistics for {name}" in decision["reason"]
    (excluded,) = decision["excluded"]
    assert excluded.startswith(f"{name} batch 1 ({batch.clientmsgid}") and "45065" in excluded
    assert world.legs(campaign_id)["g0w"].sent == 200
