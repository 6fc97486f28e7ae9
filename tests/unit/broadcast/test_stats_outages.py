"""Statistics and mass/get outages delay a decision, never fail it; lost msg_data_ids are explained."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.broadcast.conftest import CID, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from tests.unit.broadcast.test_leg import VARIANTS_AT, WINNER_AT, reads, variants_sent
from wxengage import clock
from wxengage.broadcast.state import BatchStatus, LegStatus
from wxengage.broadcast.timing import MASS_GET_AFTER, RESULTS_EVERY, STATS_GIVE_UP
from wxengage.mass_jobs import MassJobResult, article_mid
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError

BUSY = WeChatApiError(-1, "system error", "/datacube/getarticletotaldetail")


def outage(world: World, monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    """Every statistics endpoint fails with `error`; returns the calls made."""
    calls: list[str] = []

    def fail(day: str) -> Any:
        calls.append(day)
        raise error

    for name in ("article_total_details", "article_reads", "article_totals"):
        monkeypatch.setattr(world.wechat, name, fail)
    return calls


def test_a_statistics_outage_waits_with_backoff_then_the_policy_applies(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given delivered variants and every statistics endpoint answering -1 at decision time
    variants_sent(world)
    calls = outage(world, monkeypatch, BUSY)
    world.clock.now = WINNER_AT
    # When the winner is to be decided, twice in a row
    first = world.engine.decide(APP_ID, CID, "g0w")
    world.clock.now = WINNER_AT + 60
    second = world.engine.decide(APP_ID, CID, "g0w")
    # Then nothing raises: it asks again after 1, then 2 minutes (backoff), the decision open
    assert (first.next, first.wake_at) == ("wait", clock.iso_z(WINNER_AT + 60))
    assert second.wake_at == clock.iso_z(WINNER_AT + 60 + 120)
    assert calls and world.leg("g0w").decision is None
    # And at the deadline the policy applies (stop: nothing sent), the campaign not failed
    world.clock.now = world.campaign().leg("g0w").send_at + STATS_GIVE_UP
    done = world.engine.decide(APP_ID, CID, "g0w")
    leg = world.leg("g0w")
    assert (done.next, leg.status) == ("done", LegStatus.SKIPPED)
    assert leg.reason.startswith("no clear winner: no read statistics for a, b")
    assert "statistics unavailable: 2026-11-22: getarticletotaldetail unavailable" in leg.reason


def test_empty_answers_everywhere_are_told_apart_from_zero_readers(world: World) -> None:
    # Given every endpoint answering an empty list for the send day, the legacy one included
    variants_sent(world)
    world.wechat.totals["2026-11-22"] = []
    # When the decision is asked for at its time, then at the deadline
    world.clock.now = WINNER_AT
    waiting = world.engine.decide(APP_ID, CID, "g0w")
    world.clock.now = world.campaign().leg("g0w").send_at + STATS_GIVE_UP
    world.engine.decide(APP_ID, CID, "g0w")
    # Then it waited (empty is not zero readers), and the decision says the answers were empty
    assert waiting.next == "wait"
    leg = world.leg("g0w")
    assert leg.reason.startswith("no clear winner: no read statistics for a, b (statistics empty")
    assert "getarticletotal empty (empty list (legacy, no longer maintained))" in leg.reason
    assert (world.leg("g0v0").readers, world.leg("g0v1").readers) == (None, None)


def test_network_errors_on_statistics_are_an_outage_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    variants_sent(world)
    outage(world, monkeypatch, WeChatTransportError("/datacube/x", maybe_delivered=True))
    world.clock.now = WINNER_AT
    step = world.engine.decide(APP_ID, CID, "g0w")
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(WINNER_AT + 60))


def test_the_maintained_endpoint_decides_when_the_legacy_one_answers_empty(world: World) -> None:
    # Given getarticletotal answering {"list": []} but getarticletotaldetail with the figures
    variants_sent(world)
    ids = {k: world.batches(k)[0].msg_data_id for k in ("g0v0", "g0v1")}
    world.wechat.totals["2026-11-22"] = []
    world.wechat.total_details["2026-11-22"] = {
        "list": [
            {"msgid": f"{ids['g0v0']}_1", "detail_list": [{"stat_date": "2026-11-22", "read_user": 1}]},
            {"msgid": f"{ids['g0v1']}_1", "detail_list": [{"stat_date": "2026-11-22", "read_user": 19}]},
        ],
        "is_delay": False,
    }  # fmt: skip
    world.clock.now = WINNER_AT
    # When the winner is decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then b wins on the maintained figures, with each rate's interval and b's lift over a
    decision = world.leg("g0w").decision
    assert step.next == "send" and decision is not None
    assert decision.winner == "b"
    assert [o.interval is not None for o in decision.outcomes] == [True, True]
    assert [x.over for x in decision.lifts] == ["a"]
    assert decision.lifts[0].difference.low > 0


def lost_answer_spec() -> dict[str, Any]:
    """Three 20% variants; the rest gets the winner."""
    spec = ab_spec(no_winner="stop")
    variants = spec["groups"][0]["ab_test"]["variants"]
    variants.append(dict(variants[1], name="c", content={"type": "mpnews", "media_id": "C"}))
    return spec


def test_a_variant_whose_answer_was_lost_is_left_out_and_named(world: World) -> None:
    # Given variant a's only batch recovered through 45065, whose answer has no msg_data_id
    world.wechat.tagged = {2: followers(100)}
    world.prepared(lost_answer_spec())
    world.clock.now = VARIANTS_AT
    world.wechat.send_answers = [
        WeChatApiError(45065, "clientmsgid exist", "/cgi-bin/message/mass/send", {"msg_id": 77})
    ]
    for key in ("g0v0", "g0v1", "g0v2"):
        assert world.engine.check(APP_ID, CID, key).next == "send"
        world.engine.send(APP_ID, CID, key)
        for b in world.batches(key):
            assert b.msg_id is not None
            world.mass_jobs.results[b.msg_id] = MassJobResult(
                app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
                filter_count=b.size, sent_count=b.size, error_count=0, reported_at=VARIANTS_AT,
            )  # fmt: skip
        world.engine.results(APP_ID, CID, key)
    assert world.batches("g0v0")[0].msg_data_id is None
    # And c read by 19 of 20, b by 1 of 20
    reads(world, {"g0v1": 1, "g0v2": 19})
    world.clock.now = WINNER_AT
    # When the winner is decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then c wins over b, and the decision names a's excluded batch and why
    decision = world.leg("g0w").decision
    assert step.next == "send" and decision is not None
    assert decision.winner == "c"
    assert "left out: a (no batch attributable)" in decision.reason
    assert len(decision.excluded) == 1
    assert decision.excluded[0].startswith("a batch 1 (")
    assert "45065" in decision.excluded[0]


def test_mass_get_outages_keep_a_batch_pending_until_it_answers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a sent leg with no job report, and mass/get answering -1 once, then 45011
    world.wechat.followers = followers(5)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    errors: list[Exception] = [
        WeChatApiError(-1, "system error", "/cgi-bin/message/mass/get"),
        WeChatApiError(45011, "api minute-quota reach limit", "/cgi-bin/message/mass/get"),
    ]
    real = world.wechat.mass_status

    def flaky(msg_id: int) -> str:
        if errors:
            raise errors.pop(0)
        return real(msg_id)

    monkeypatch.setattr(world.wechat, "mass_status", flaky)
    world.clock.advance(MASS_GET_AFTER)
    # When results are collected three times
    first = world.engine.results(APP_ID, CID, "g0")
    second = world.engine.results(APP_ID, CID, "g0")
    third = world.engine.results(APP_ID, CID, "g0")
    # Then the outages only delay it; the third answers and the leg succeeds
    assert (first.next, first.wake_at) == ("wait", clock.iso_z(int(world.clock()) + RESULTS_EVERY))
    assert second.next == "wait"
    assert third.next == "done"
    assert world.leg("g0").status is LegStatus.SUCCEEDED
    assert world.batches("g0")[0].status is BatchStatus.SUBMITTED


def test_the_winner_legs_readers_are_collected_after_it_sent(world: World) -> None:
    # Given b won and the winner leg sent b to the rest of the group, its report in
    variants_sent(world)
    reads(world, {"g0v0": 1, "g0v1": 19})
    world.clock.now = WINNER_AT
    assert world.engine.decide(APP_ID, CID, "g0w").next == "send"
    world.engine.send(APP_ID, CID, "g0w")
    for b in world.batches("g0w"):
        assert b.msg_id is not None
        world.mass_jobs.results[b.msg_id] = MassJobResult(
            app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
            filter_count=b.size, sent_count=b.size, error_count=0, reported_at=WINNER_AT,
        )  # fmt: skip
    # When its results are collected before WeChat's statistics have the send day
    waiting = world.engine.results(APP_ID, CID, "g0w")
    # Then the leg is closed but waits for its readers
    assert world.leg("g0w").status is LegStatus.SUCCEEDED
    assert waiting.next == "wait" and world.leg("g0w").readers is None
    # And once the statistics have the day, its readers are kept
    data_id = world.batches("g0w")[0].msg_data_id
    assert data_id is not None
    world.wechat.report_reads("2026-11-23", {data_id: 21})
    world.clock.advance(24 * 3600)
    assert world.engine.results(APP_ID, CID, "g0w").next == "done"
    assert world.leg("g0w").readers == 21


def test_a_45065_batch_gets_its_msg_data_id_back_from_the_job_report(world: World) -> None:
    # Given variant a's batch recovered through 45065 (no msg_data_id in the answer)
    world.wechat.tagged = {2: followers(100)}
    world.prepared(ab_spec())
    world.clock.now = VARIANTS_AT
    world.wechat.send_answers = [
        WeChatApiError(45065, "clientmsgid exist", "/cgi-bin/message/mass/send", {"msg_id": 77})
    ]
    for key in ("g0v0", "g0v1"):
        world.engine.check(APP_ID, CID, key)
        world.engine.send(APP_ID, CID, key)
    # When its MASSSENDJOBFINISH, whose article link names mid=4242, is collected
    url = "https://mp.weixin.qq.com/s?__biz=MzA&mid=4242&idx=1&sn=abc"
    for key in ("g0v0", "g0v1"):
        for b in world.batches(key):
            assert b.msg_id is not None
            world.mass_jobs.results[b.msg_id] = MassJobResult(
                app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
                filter_count=b.size, sent_count=b.size, error_count=0, reported_at=VARIANTS_AT,
                msg_data_id=article_mid(url) if key == "g0v0" else None,
            )  # fmt: skip
        world.engine.results(APP_ID, CID, key)
    # Then the batch is tied to its readers again, and a's reads count in the decision
    assert world.batches("g0v0")[0].msg_data_id == 4242
    reads(world, {"g0v0": 19, "g0v1": 1})
    world.clock.now = WINNER_AT
    world.engine.decide(APP_ID, CID, "g0w")
    decision = world.leg("g0w").decision
    assert decision is not None
    assert (decision.winner, decision.excluded) == ("a", [])


def test_an_article_link_without_a_numeric_mid_gives_nothing() -> None:
    assert article_mid("https://mp.weixin.qq.com/s/abcdef") is None
    assert article_mid(None) is None
    assert article_mid("https://mp.weixin.qq.com/s?mid=12&idx=1") == 12
