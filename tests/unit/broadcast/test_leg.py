"""One leg before it sends: waiting, standing down on a cancel, and the A/B winner decision."""

from __future__ import annotations

from tests.unit.broadcast.conftest import CID, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage import clock
from wxengage.broadcast.spec import CampaignStatus, MpNews
from wxengage.broadcast.state import LegReason, LegStatus
from wxengage.broadcast.timing import RESULTS_EVERY, STATS_EVERY, STATS_GIVE_UP, WAKE_EVERY
from wxengage.mass_jobs import MassJobResult

VARIANTS_AT = NOW + 2 * 3600
WINNER_AT = NOW + 16 * 3600  # 10:00 Shanghai the day after the variants


def variants_sent(world: World, *, finish: bool = True) -> None:
    """Both variants of an A/B campaign over 100 tagged followers sent (and their results in)."""
    world.wechat.tagged = {2: followers(100)}
    world.prepared(ab_spec())
    world.clock.now = VARIANTS_AT
    for key in ("g0v0", "g0v1"):
        assert world.engine.check(APP_ID, CID, key).next == "send"
        assert world.engine.send(APP_ID, CID, key).next == "results"
        if finish:
            for b in world.batches(key):
                assert b.msg_id is not None
                world.mass_jobs.results[b.msg_id] = MassJobResult(
                    app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
                    filter_count=b.size, sent_count=b.size, error_count=0, reported_at=VARIANTS_AT,
                )  # fmt: skip
            assert world.engine.results(APP_ID, CID, key).next == "done"


def reads(world: World, by_variant: dict[str, int]) -> None:
    """WeChat reports these readers for each variant's (one) batch on the send day."""
    data_ids = {k: world.batches(k)[0].msg_data_id for k in by_variant}
    world.wechat.report_reads(
        "2026-11-22", {data_ids[k]: n for k, n in by_variant.items() if data_ids[k]}
    )


def test_a_leg_before_its_time_sleeps_at_most_an_hour(world: World) -> None:
    # Given a queued A/B variant two hours ahead
    world.wechat.tagged = {2: followers(10)}
    world.prepared(ab_spec())
    # When it is checked now
    step = world.engine.check(APP_ID, CID, "g0v0")
    # Then it waits one hour (to re-read a reschedule or cancel), not until its time
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(NOW + WAKE_EVERY))
    # And an hour and a half later it waits exactly until its send time
    world.clock.advance(5400)
    assert world.engine.check(APP_ID, CID, "g0v0").wake_at == clock.iso_z(VARIANTS_AT)


def test_a_leg_at_its_time_starts_sending_and_so_does_the_campaign(world: World) -> None:
    # Given a prepared campaign sent now
    world.wechat.followers = followers(5)
    world.prepared(text_spec())
    # When its leg is checked
    step = world.engine.check(APP_ID, CID, "g0")
    # Then the leg is sending since now, and the campaign with it
    assert step.model_dump(mode="json") == {
        "app_id": APP_ID, "campaign_id": CID, "leg": "g0", "next": "send", "wake_at": "",
    }  # fmt: skip
    assert (world.leg("g0").status, world.leg("g0").started_at) == (LegStatus.SENDING, NOW)
    assert world.campaign().status is CampaignStatus.SENDING


def test_a_sending_leg_resumes_its_send_when_checked_again(world: World) -> None:
    # Given a leg that started sending (then its task was retried)
    world.wechat.followers = followers(5)
    world.sending(text_spec())
    # When it is checked again
    # Then it goes back to sending, without touching the leg
    before = world.leg("g0")
    assert world.engine.check(APP_ID, CID, "g0").next == "send"
    assert world.leg("g0") == before


def test_a_cancelled_campaign_stands_its_waiting_leg_down(world: World) -> None:
    # Given a queued variant whose campaign the operator cancelled
    world.wechat.tagged = {2: followers(10)}
    c = world.prepared(ab_spec())
    world.campaigns.save(c.cancelled(now=NOW))
    # When the leg wakes up
    step = world.engine.check(APP_ID, CID, "g0v0")
    # Then it is cancelled with the reason, and the branch ends
    leg = world.leg("g0v0")
    assert step.next == "done"
    assert (leg.status, leg.reason, leg.finished_at) == (
        LegStatus.CANCELLED,
        LegReason.CANCELLED,
        NOW,
    )


def test_a_winner_leg_at_its_time_goes_to_the_decision(world: World) -> None:
    variants_sent(world)
    world.clock.now = WINNER_AT
    assert world.engine.check(APP_ID, CID, "g0w").next == "decide"
    assert world.leg("g0w").status is LegStatus.QUEUED


def test_the_decision_waits_while_a_variant_still_sends(world: World) -> None:
    # Given variants whose results are not in
    variants_sent(world, finish=False)
    world.clock.now = WINNER_AT
    # When the winner is to be decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then it waits for the variants' results
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(WINNER_AT + RESULTS_EVERY))


def test_the_decision_waits_for_read_statistics_and_counts_the_checks(world: World) -> None:
    # Given sent variants whose reads WeChat has not reported yet
    variants_sent(world)
    world.clock.now = WINNER_AT
    # When the winner is to be decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then it asks again in half an hour, and the check is counted
    assert step.wake_at == clock.iso_z(WINNER_AT + STATS_EVERY)
    assert world.leg("g0w").checks == 1
    assert world.leg("g0w").decision is None


def test_a_significant_winner_is_sent_to_the_rest_of_the_group(world: World) -> None:
    # Given variant b read by 19 of 20 and variant a by 1 of 20
    variants_sent(world)
    reads(world, {"g0v0": 1, "g0v1": 19})
    world.clock.now = WINNER_AT
    # When the winner is decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then b wins, the winner leg sends b's content, and each variant keeps its readers
    leg = world.leg("g0w")
    assert step.next == "send"
    assert leg.decision is not None
    assert (leg.decision.winner, leg.decision.send) == ("b", "b")
    assert leg.content == MpNews(type="mpnews", media_id="B")
    assert leg.status is LegStatus.SENDING
    assert (world.leg("g0v0").readers, world.leg("g0v1").readers) == (1, 19)


def test_no_clear_winner_under_the_stop_policy_skips_the_rest(world: World) -> None:
    # Given tied variants and the stop policy
    variants_sent(world)
    reads(world, {"g0v0": 5, "g0v1": 5})
    world.clock.now = WINNER_AT
    # When the winner is decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then nothing more is sent and the leg says why
    leg = world.leg("g0w")
    assert step.next == "done"
    assert leg.status is LegStatus.SKIPPED
    assert leg.reason.startswith("no clear winner: read rates are tied")
    assert leg.decision is not None
    assert leg.content is None


def test_without_reads_past_the_give_up_time_the_policy_decides(world: World) -> None:
    # Given variants WeChat never reports reads for, under the stop policy
    variants_sent(world)
    # When the decision time plus the give-up delay has passed
    world.clock.now = world.campaign().leg("g0w").send_at + STATS_GIVE_UP
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then it decides without reads: under stop, nothing is sent, and it says there were no reads
    leg = world.leg("g0w")
    assert step.next == "done"
    assert leg.reason.startswith("no clear winner: no read statistics for a, b")


def test_a_decided_winner_leg_is_not_decided_twice(world: World) -> None:
    # Given a winner leg that already decided and started sending
    variants_sent(world)
    reads(world, {"g0v0": 1, "g0v1": 19})
    world.clock.now = WINNER_AT
    world.engine.decide(APP_ID, CID, "g0w")
    before = world.leg("g0w")
    # When the decide task is retried
    # Then it resumes the send and leaves the decision as it was
    assert world.engine.decide(APP_ID, CID, "g0w").next == "send"
    assert world.leg("g0w") == before
