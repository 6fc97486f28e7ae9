"""What status reports per batch and leg: ids, the seed's statuses, actual times, estimates, offline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.broadcast.conftest import CID, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage import clock
from wxengage.broadcast.batch import BatchState, BatchStatus
from wxengage.broadcast.report import BatchView, batch_status, campaign_report
from wxengage.mass_jobs import MassJobResult
from wxengage.wechat.api_errors import WeChatApiError

VARIANTS_AT = NOW + 2 * 3600
WINNER_AT = NOW + 16 * 3600  # 10:00 Shanghai the day after the variants


def report(world: World) -> dict[str, Any]:
    legs = world.campaigns.legs(APP_ID, CID)
    return campaign_report(world.campaign(), legs, {s.key: world.batches(s.key) for s in legs})


def leg_rows(world: World) -> dict[str, dict[str, Any]]:
    rows = report(world)["groups"][0]["legs"]
    return {row["leg"]: row for row in rows}


def finish_from_webhook(world: World, key: str, *, errors: int = 0, at: int = VARIANTS_AT) -> None:
    for b in world.batches(key):
        assert b.msg_id is not None
        world.mass_jobs.results[b.msg_id] = MassJobResult(
            app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
            filter_count=b.size, sent_count=b.size - errors, error_count=errors, reported_at=at + 60,
        )  # fmt: skip


def ab_sent_and_won_late(world: World) -> None:
    """Variant a reported by WeChat, b estimated from mass/get; statistics an hour late; b wins."""
    world.wechat.tagged = {2: followers(100)}
    world.prepared(ab_spec())
    world.clock.now = VARIANTS_AT
    for key in ("g0v0", "g0v1"):
        assert world.engine.check(APP_ID, CID, key).next == "send"
        assert world.engine.send(APP_ID, CID, key).next == "results"
    finish_from_webhook(world, "g0v0")
    world.clock.now = VARIANTS_AT + 3600  # no report for b: mass/get answers SEND_SUCCESS
    for key in ("g0v0", "g0v1"):
        assert world.engine.results(APP_ID, CID, key).next == "done"
    data = {k: world.batches(k)[0].msg_data_id or 0 for k in ("g0v0", "g0v1")}
    world.clock.now = WINNER_AT
    assert world.engine.check(APP_ID, CID, "g0w").next == "decide"
    assert world.engine.decide(APP_ID, CID, "g0w").next == "wait"  # statistics not ready
    world.wechat.report_reads("2026-11-22", {data["g0v0"]: 1, data["g0v1"]: 19})
    world.clock.now = WINNER_AT + 3600
    assert world.engine.decide(APP_ID, CID, "g0w").next == "send"
    world.engine.send(APP_ID, CID, "g0w")


def test_each_batch_shows_its_ids_status_times_and_where_its_figures_come_from(
    world: World,
) -> None:
    # Given an A/B test: a reported by WeChat, b known from mass/get only
    ab_sent_and_won_late(world)
    # When status is built
    legs = leg_rows(world)
    # Then each batch has its clientmsgid, msg_id, the seed's status and its times
    [a] = legs["g0v0"]["batch_details"]
    [b] = legs["g0v1"]["batch_details"]
    assert a["clientmsgid"] == world.batches("g0v0")[0].clientmsgid
    assert a["msg_id"] == world.batches("g0v0")[0].msg_id
    assert (a["status"], a["figures"], a["estimate_reason"]) == ("succeeded", "reported", None)
    assert (a["submitted_at"], a["finished_at"]) == (
        clock.iso_z(VARIANTS_AT),
        clock.iso_z(VARIANTS_AT + 60),
    )
    # And b's figures say they are estimated, and why; it finished when mass/get answered
    assert (b["status"], b["figures"]) == ("succeeded", "estimated")
    assert "mass/get said 'SEND_SUCCESS'" in b["estimate_reason"]
    assert b["finished_at"] == clock.iso_z(VARIANTS_AT + 3600)
    assert legs["g0v1"]["estimated_batches"] == 1


def test_a_winner_sent_late_reads_its_actual_time_beside_the_planned_one(world: World) -> None:
    # Given statistics an hour late: the winner went at 11:00, not 10:00
    ab_sent_and_won_late(world)
    # When status is built
    winner = leg_rows(world)["g0w"]
    # Then the plan says 10:00 and the send 11:00
    assert winner["send_at"] == clock.iso_z(WINNER_AT)
    assert winner["sent_at"] == clock.iso_z(WINNER_AT + 3600)
    assert winner["started_at"] == clock.iso_z(WINNER_AT + 3600)
    assert winner["batch_details"][0]["status"] == "sending"


def test_a_batch_wechat_sent_with_errors_is_partially_failed(world: World) -> None:
    # Given a batch WeChat reports sent with 2 errors
    world.wechat.followers = followers(10)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    finish_from_webhook(world, "g0", errors=2, at=NOW)
    world.engine.results(APP_ID, CID, "g0")
    # Then the batch is 部分发送失败 with WeChat's counts
    [batch] = leg_rows(world)["g0"]["batch_details"]
    assert (batch["status"], batch["sent"], batch["errors"]) == ("partially_failed", 8, 2)
    assert batch["status_zh"] == "部分发送失败"


def _batch(**changes: object) -> BatchState:
    base = BatchState(
        app_id=APP_ID, campaign_id=CID, leg="g0", number=1, start=0, size=5, clientmsgid="x"
    )
    return BatchState.model_validate(dict(base) | changes)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, BatchView.PENDING),
        ({"status": BatchStatus.RETRY, "next_try_at": NOW}, BatchView.PENDING),
        ({"status": BatchStatus.SUBMITTED, "msg_id": 1}, BatchView.SENDING),
        ({"status": BatchStatus.SUBMITTED, "msg_id": 1, "result": "send fail"}, BatchView.FAILED),
        ({"status": BatchStatus.FAILED, "errcode": 40130}, BatchView.FAILED),
        ({"status": BatchStatus.SUBMITTED, "result": "SEND_SUCCESS"}, BatchView.SUCCEEDED),
        (
            {"status": BatchStatus.SUBMITTED, "result": "send success", "offline_at": NOW},
            BatchView.OFFLINE,
        ),
    ],
)
def test_batch_status_in_the_seed_words(changes: dict[str, object], expected: BatchView) -> None:
    assert batch_status(_batch(**changes)) is expected


def test_a_refused_batch_shows_its_error_and_counts_everyone_as_an_error(world: World) -> None:
    # Given WeChat refuses the batch for good
    world.wechat.followers = followers(4)
    world.sending(text_spec())
    world.wechat.send_answers = [WeChatApiError(40130, "invalid openid list size", "/mass/send")]
    world.engine.send(APP_ID, CID, "g0")
    # Then the batch is failed, refused, with the code, and its 4 openids are errors
    [batch] = leg_rows(world)["g0"]["batch_details"]
    assert (batch["status"], batch["figures"], batch["errcode"], batch["errors"]) == (
        "failed",
        "refused",
        40130,
        4,
    )
