"""A leg after it sent: results from MASSSENDJOBFINISH or mass/get, and how the leg closes."""

from __future__ import annotations

from tests.unit.broadcast.conftest import CID, NOW, World, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage import clock
from wxengage.broadcast.results import leg_outcome
from wxengage.broadcast.state import BatchResult, BatchState, BatchStatus, LegStatus
from wxengage.broadcast.timing import MASS_GET_AFTER, RESULTS_EVERY, RESULTS_GIVE_UP
from wxengage.mass_jobs import MassJobResult


def sent(world: World, n: int = 4) -> BatchState:
    """A text leg of `n` followers whose one batch WeChat accepted."""
    world.wechat.followers = followers(n)
    world.sending(text_spec())
    assert world.engine.send(APP_ID, CID, "g0").next == "results"
    (batch,) = world.batches("g0")
    return batch


def finished_job(
    batch: BatchState, *, status: str = "send success", **counts: int
) -> MassJobResult:
    figures = {"total_count": batch.size, "filter_count": batch.size, "sent_count": batch.size}
    figures |= {"error_count": 0} | counts
    assert batch.msg_id is not None
    return MassJobResult(
        app_id=APP_ID, msg_id=batch.msg_id, status=status, reported_at=NOW, **figures
    )


def test_a_stored_job_report_closes_the_leg_with_its_figures(world: World) -> None:
    # Given the webhook stored MASSSENDJOBFINISH: 10 meant, 8 left after filtering, 7 sent
    batch = sent(world, 10)
    world.mass_jobs.results[batch.msg_id or 0] = finished_job(
        batch, total_count=10, filter_count=8, sent_count=7, error_count=1
    )
    # When the results are collected
    step = world.engine.results(APP_ID, CID, "g0")
    # Then the leg succeeded with WeChat's figures (filtered = total - FilterCount)
    leg = world.leg("g0")
    assert step.next == "done"
    assert (leg.status, leg.sent, leg.filtered, leg.errors, leg.estimated) == (
        LegStatus.SUCCEEDED,
        7,
        2,
        1,
        0,
    )
    assert leg.finished_at == NOW


def test_without_a_report_the_leg_asks_again_and_counts_the_check(world: World) -> None:
    # Given no report yet, just after submitting
    sent(world)
    # When the results are collected
    step = world.engine.results(APP_ID, CID, "g0")
    # Then WeChat is not asked yet; the leg waits two minutes and counts the check
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(NOW + RESULTS_EVERY))
    assert world.leg("g0").checks == 1
    assert world.leg("g0").status is LegStatus.SENDING


def test_ten_minutes_without_a_report_asks_mass_get_and_estimates(world: World) -> None:
    # Given no report ten minutes after submitting, and mass/get saying it was sent
    batch = sent(world, 6)
    world.clock.advance(MASS_GET_AFTER)
    # When the results are collected
    world.engine.results(APP_ID, CID, "g0")
    # Then everyone submitted counts as sent, marked as an estimate
    (after,) = world.batches("g0")
    assert (after.result, after.sent, after.errors, after.estimated) == ("SEND_SUCCESS", 6, 0, True)
    assert world.leg("g0").status is LegStatus.SUCCEEDED
    assert world.leg("g0").estimated == 1
    assert after.msg_id == batch.msg_id


def test_a_job_mass_get_still_reports_sending_stays_pending(world: World) -> None:
    batch = sent(world)
    world.wechat.statuses[batch.msg_id or 0] = "SENDING"
    world.clock.advance(MASS_GET_AFTER)
    assert world.engine.results(APP_ID, CID, "g0").next == "wait"
    assert world.batches("g0")[0].result is None


def test_after_a_day_a_job_still_sending_is_closed_as_not_delivered(world: World) -> None:
    # Given a job mass/get reports as sending for more than a day
    batch = sent(world, 5)
    world.wechat.statuses[batch.msg_id or 0] = "SENDING"
    world.clock.advance(RESULTS_GIVE_UP + 1)
    # When the results are collected
    step = world.engine.results(APP_ID, CID, "g0")
    # Then the engine gives up: the batch counts as errors and the leg failed
    (after,) = world.batches("g0")
    assert step.next == "done"
    assert (after.result, after.sent, after.errors) == ("SENDING", 0, 5)
    assert world.leg("g0").status is LegStatus.FAILED
    assert world.leg("g0").reason == "WeChat reported SENDING"


def _batches(*outcomes: tuple[BatchStatus, str | None, str]) -> list[BatchState]:
    """Batches of 10 openids each, accepted then failed or given the result."""
    out = []
    for number, (status, result, error) in enumerate(outcomes, start=1):
        batch = BatchState(
            app_id=APP_ID, campaign_id=CID, leg="g0", number=number, start=10 * (number - 1),
            size=10, clientmsgid=f"{CID}-g0-{number}",
        )  # fmt: skip
        done = batch.accepted(msg_id=1, msg_data_id=None, now=NOW)
        if status is BatchStatus.FAILED:
            done = batch.refused(errcode=40007, error=error)
        elif result is not None:
            done = done.estimated_from(result)
        out.append(done)
    return out


def test_a_leg_whose_every_batch_failed_failed_with_the_first_error() -> None:
    outcome = leg_outcome(
        _batches((BatchStatus.FAILED, None, "invalid media_id"), (BatchStatus.FAILED, None, "x"))
    )
    # A refused batch reached nobody: all its openids are errors
    assert (outcome.status, outcome.reason, outcome.errors, outcome.failed_batches) == (
        LegStatus.FAILED,
        "invalid media_id",
        20,
        2,
    )


def test_a_leg_with_one_failed_job_of_two_partially_failed() -> None:
    outcome = leg_outcome(
        _batches(
            (BatchStatus.SUBMITTED, "SEND_SUCCESS", ""), (BatchStatus.SUBMITTED, "send fail", "")
        )
    )
    assert outcome.status is LegStatus.PARTIALLY_FAILED
    assert outcome.reason == "1 of 2 batches failed: WeChat reported send fail"
    assert (outcome.sent, outcome.errors, outcome.estimated) == (10, 10, 2)


def test_every_delivered_result_counts_as_success() -> None:
    # Given one batch per result WeChat (or a 45065 without job id) gives for a delivered job
    results = [r.value for r in BatchResult if BatchResult.succeeded(r)]
    outcome = leg_outcome(_batches(*((BatchStatus.SUBMITTED, r, "") for r in results)))
    # Then the leg succeeded
    assert sorted(results) == sorted(
        ["send success", "SEND_SUCCESS", "DELETE", BatchResult.NO_MSG_ID]
    )
    assert (outcome.status, outcome.reason) == (LegStatus.SUCCEEDED, "")


def test_a_leg_without_batches_succeeded() -> None:
    assert leg_outcome([]).status is LegStatus.SUCCEEDED
