"""A leg's send: batches planned once, 45065/45066 and lost answers, retries, caps and pacing."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, NOW, World, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from wxengage import clock
from wxengage.broadcast.send import plan_batches
from wxengage.broadcast.state import BatchResult, BatchStatus, LegReason, LegStatus
from wxengage.broadcast.timing import MAX_ATTEMPTS, RETRY_AFTER
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError

SEND = "/cgi-bin/message/mass/send"
# A tag group on a service account goes out as openid batches (an `all` group is one sendall).
BY_OPENIDS = {"tags": [2]}


def test_batches_are_near_equal_numbered_and_keyed_by_campaign_leg_and_number() -> None:
    # When a send list of 20,001 openids is cut
    batches = plan_batches(APP_ID, CID, "g0v1", 20_001)
    # Then three batches cover it without gaps, none near WeChat's lower limit
    assert [(b.number, b.start, b.size) for b in batches] == [
        (1, 0, 6667),
        (2, 6667, 6667),
        (3, 13334, 6667),
    ]
    assert [b.clientmsgid for b in batches] == [f"{CID}-g0v1-{n}" for n in (1, 2, 3)]
    assert all(b.status is BatchStatus.PLANNED for b in batches)


def test_a_send_list_of_one_gives_no_batch() -> None:
    assert plan_batches(APP_ID, CID, "g0", 1) == []


def test_a_send_submits_each_batch_once_and_counts_it_in_the_ledger(world: World) -> None:
    # Given a leg of 6 followers, 2 of whom already reached this month's cap
    world.wechat.tagged[2] = followers(6)
    world.ledger.capped_by_period[f"{APP_ID}#2026-11"] = {"o000001", "o000004"}
    world.sending(text_spec(BY_OPENIDS))
    # When it sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then the 4 others got one mass/send, and the leg notes the 2 left out
    assert step.next == "results"
    assert [(to, cid) for to, _, cid in world.wechat.sends] == [
        (["o000000", "o000002", "o000003", "o000005"], f"{CID}-g0-1")
    ]
    assert (world.leg("g0").capped, world.leg("g0").batches) == (2, 1)
    # And the batch is submitted and counted once in the ledger, against the cap of 4
    (batch,) = world.batches("g0")
    assert (batch.status, batch.ledgered, batch.attempts) == (BatchStatus.SUBMITTED, True, 1)
    assert world.ledger.records == [
        (f"{APP_ID}#2026-11", ["o000000", "o000002", "o000003", "o000005"], f"{CID}-g0-1", 4, NOW)
    ]


def test_a_retried_send_never_submits_a_batch_twice(world: World) -> None:
    # Given a leg that already sent its batch
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.engine.send(APP_ID, CID, "g0")
    # When the send task runs again
    world.engine.send(APP_ID, CID, "g0")
    # Then WeChat saw one mass/send and the ledger one record
    assert len(world.wechat.sends) == 1
    assert len(world.ledger.records) == 1


def test_45066_waits_a_minute_and_retries_under_the_same_clientmsgid(world: World) -> None:
    # Given WeChat answers the first mass/send with 45066 (same clientmsgid too soon)
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [WeChatApiError(45066, "clientmsgid too fast", SEND)]
    # When the leg sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then the batch waits a minute, and so does the leg
    (batch,) = world.batches("g0")
    assert (batch.status, batch.next_try_at, batch.errcode) == (
        BatchStatus.RETRY,
        NOW + RETRY_AFTER,
        45066,
    )
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(NOW + RETRY_AFTER))
    assert world.ledger.records == []
    # And a minute later the same clientmsgid goes out again and is accepted
    world.clock.advance(RETRY_AFTER)
    assert world.engine.send(APP_ID, CID, "g0").next == "results"
    assert [cid for _, _, cid in world.wechat.sends] == [f"{CID}-g0-1"] * 2
    (batch,) = world.batches("g0")
    assert (batch.status, batch.attempts, batch.errcode, batch.error) == (
        BatchStatus.SUBMITTED,
        2,
        None,
        "",
    )


def test_a_batch_not_due_yet_is_left_alone(world: World) -> None:
    # Given a batch waiting for its retry minute
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [WeChatApiError(45066, "too fast", SEND)]
    world.engine.send(APP_ID, CID, "g0")
    # When the send runs again before that minute is over
    world.clock.advance(RETRY_AFTER - 1)
    step = world.engine.send(APP_ID, CID, "g0")
    # Then nothing is submitted and the leg waits for the batch's time
    assert len(world.wechat.sends) == 1
    assert step.wake_at == clock.iso_z(NOW + RETRY_AFTER)


def test_45065_with_the_job_id_records_the_batch_as_already_submitted(world: World) -> None:
    # Given a lost answer: WeChat says 45065 with the job it already has
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [
        WeChatApiError(45065, "clientmsgid exist", SEND, data={"msg_id": 77, "msg_data_id": 770})
    ]
    # When the leg sends
    world.engine.send(APP_ID, CID, "g0")
    # Then the batch is submitted as that job, marked duplicate, counted in the ledger
    (batch,) = world.batches("g0")
    assert (batch.status, batch.msg_id, batch.msg_data_id) == (BatchStatus.SUBMITTED, 77, 770)
    assert batch.duplicate and batch.ledgered
    assert batch.result is None  # its result is still to be collected


def test_45065_without_a_job_id_counts_the_batch_as_sent_estimated(world: World) -> None:
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [WeChatApiError(45065, "clientmsgid exist", SEND)]
    world.engine.send(APP_ID, CID, "g0")
    (batch,) = world.batches("g0")
    assert (batch.status, batch.msg_id, batch.result) == (
        BatchStatus.SUBMITTED,
        None,
        BatchResult.NO_MSG_ID,
    )
    assert (batch.sent, batch.estimated, batch.duplicate) == (4, True, True)


def test_a_lost_answer_is_retried_until_the_attempts_run_out(world: World) -> None:
    # Given WeChat's answers never arrive
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [
        WeChatTransportError(SEND, maybe_delivered=True, detail="read timeout")
        for _ in range(MAX_ATTEMPTS)
    ]
    # When the leg keeps sending, a minute apart
    for _ in range(MAX_ATTEMPTS):
        step = world.engine.send(APP_ID, CID, "g0")
        world.clock.advance(RETRY_AFTER)
    # Then it gave up on the batch after the last attempt, and says so
    (batch,) = world.batches("g0")
    assert (batch.status, batch.attempts) == (BatchStatus.FAILED, MAX_ATTEMPTS)
    assert batch.error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: ")
    assert step.next == "results"


def test_a_refused_batch_fails_at_once_with_wechats_error(world: World) -> None:
    # Given WeChat refuses the request for good (40130: too few openids)
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec(BY_OPENIDS))
    world.wechat.send_answers = [WeChatApiError(40130, "invalid openid list size", SEND)]
    # When the leg sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then the batch failed, is not retried, and nobody is counted in the ledger
    (batch,) = world.batches("g0")
    assert (batch.status, batch.errcode, batch.attempts) == (BatchStatus.FAILED, 40130, 1)
    assert "40130" in batch.error
    assert step.next == "results"
    assert world.ledger.records == []


def test_batches_are_paced_per_minute(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a pace of 2 batches a minute and a leg of 3 batches
    monkeypatch.setattr("wxengage.broadcast.send.PACE", 2)
    monkeypatch.setattr("wxengage.broadcast.send.batch_bounds", lambda n: [(0, 2), (2, 2), (4, 2)])
    world.wechat.tagged[2] = followers(6)
    world.sending(text_spec(BY_OPENIDS))
    # When it sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then two go now and the third a minute later
    assert len(world.wechat.sends) == 2
    assert step.wake_at == clock.iso_z(NOW + RETRY_AFTER)
    world.clock.advance(RETRY_AFTER)
    assert world.engine.send(APP_ID, CID, "g0").next == "results"
    assert [cid for _, _, cid in world.wechat.sends][-1] == f"{CID}-g0-3"


def test_a_leg_with_no_follower_is_skipped(world: World) -> None:
    # Given a leg left with nobody to send to
    world.wechat.tagged[2] = followers(0)
    world.sending(text_spec(BY_OPENIDS))
    # When it sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then nothing is sent and the leg is skipped with the reason
    assert step.next == "done"
    assert world.wechat.sends == []
    leg = world.leg("g0")
    assert (leg.status, leg.reason) == (LegStatus.SKIPPED, LegReason.NO_FOLLOWER)


def test_a_leg_with_one_follower_fails_with_a_stated_reason(world: World) -> None:
    # Given a leg left with one follower (WeChat's mass/send takes 2..10,000 openids)
    world.wechat.tagged[2] = followers(1)
    world.sending(text_spec(BY_OPENIDS))
    # When it sends, twice (a retried task)
    world.engine.send(APP_ID, CID, "g0")
    step = world.engine.send(APP_ID, CID, "g0")
    # Then nothing went to WeChat; the leg and its one batch are failed, saying why
    assert step.next == "done"
    assert world.wechat.sends == []
    leg = world.leg("g0")
    assert leg.status is LegStatus.FAILED and leg.failure is not None
    assert leg.failure.code == "batch.one_follower" and "at least 2" in leg.reason
    assert (leg.errors, leg.failed_batches, leg.batches) == (1, 1, 1)
    (batch,) = world.campaigns.batches(APP_ID, CID, "g0")
    assert (batch.status, batch.size, batch.attempts) == (BatchStatus.FAILED, 1, 0)
    assert "at least 2" in batch.error


def test_a_leg_that_is_not_sending_sends_nothing(world: World) -> None:
    world.wechat.tagged[2] = followers(4)
    world.prepared(text_spec())  # queued, not started
    assert world.engine.send(APP_ID, CID, "g0").next == "done"
    assert world.wechat.sends == []
