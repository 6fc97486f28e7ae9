"""A leg's own failure: recorded on that leg by its Catch, and a winner whose variants failed."""

from __future__ import annotations

import json

from tests.unit.broadcast.conftest import CID, EXECUTION, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from tests.unit.broadcast.test_leg import VARIANTS_AT, WINNER_AT, reads, variants_sent
from wxengage.broadcast.reasons import from_wechat
from wxengage.broadcast.state import LegStatus
from wxengage.mass_jobs import MassJobResult


def _caught(message: str, error_type: str = "WeChatRefusedError") -> str:
    trace = ['  File "/var/task/wxengage/broadcast/leg.py", line 88, in decide\n']
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": trace})


def test_a_caught_leg_error_fails_that_leg_with_its_readable_reason(world: World) -> None:
    # Given a campaign with a queued leg
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    refused = from_wechat(48001, "/datacube/getarticletotal").model_dump_json()
    # When the leg's Catch reports WeChat's refusal
    out = world.engine.leg_failed(
        APP_ID, CID, "g0", EXECUTION, "WeChatRefusedError", _caught(refused)
    )
    # Then that leg failed with the code, sentence and what to do, and no trace
    leg = world.leg("g0")
    assert out["status"] == "failed" and leg.status is LegStatus.FAILED
    assert leg.failure is not None and leg.failure.code == "wechat.48001"
    assert "/var/task" not in leg.reason and "read statistics" in leg.reason


def test_a_stopped_runs_catch_changes_nothing(world: World) -> None:
    # Given a campaign now run by another execution (rescheduled)
    world.wechat.followers = followers(4)
    world.prepared(text_spec())
    before = world.leg("g0")
    # When the old run's Catch fires (moto reports a stop inside a Map as an error)
    world.engine.leg_failed(APP_ID, CID, "g0", "old-run", "AttributeError", _caught("x", "AttributeError"))  # fmt: skip
    # Then the leg is untouched
    assert world.leg("g0") == before


def test_a_winner_whose_variants_all_failed_fails_without_asking_for_statistics(
    world: World,
) -> None:
    # Given both variants failed
    variants_sent(world)
    for key in ("g0v0", "g0v1"):
        leg = world.leg(key)
        world.campaigns.save(leg.finished(LegStatus.FAILED, from_wechat(40007), now=WINNER_AT))
    world.clock.now = WINNER_AT
    # When the winner is to be decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then it fails by our rule (a test needs two variants that went out), saying which failed
    winner = world.leg("g0w")
    assert step.next == "done"
    assert winner.status is LegStatus.FAILED and winner.failure is not None
    assert winner.failure.code == "leg.variants_failed"
    assert "only 0 variant(s) went out (a, b failed)" in winner.reason
    assert winner.decision is None  # resume decides it later


def test_with_two_variants_still_out_the_test_decides_among_them_and_says_who_was_left_out(
    world: World,
) -> None:
    # Given three variants, of which c failed and a and b went out (b read far more)
    spec = ab_spec(no_winner="stop")
    test = spec["groups"][0]["ab_test"]
    test["variants"].append({**test["variants"][1], "name": "c", "content": {"type": "mpnews", "media_id": "C"}})  # fmt: skip
    world.wechat.tagged = {2: followers(100)}
    world.prepared(spec)
    world.clock.now = VARIANTS_AT
    for key in ("g0v0", "g0v1"):
        world.engine.check(APP_ID, CID, key)
        world.engine.send(APP_ID, CID, key)
        for b in world.batches(key):
            assert b.msg_id is not None
            world.mass_jobs.results[b.msg_id] = MassJobResult(
                app_id=APP_ID, msg_id=b.msg_id, status="send success", total_count=b.size,
                filter_count=b.size, sent_count=b.size, error_count=0, reported_at=VARIANTS_AT,
            )  # fmt: skip
        world.engine.results(APP_ID, CID, key)
    c_leg = world.leg("g0v2")
    world.campaigns.save(c_leg.finished(LegStatus.FAILED, from_wechat(40007), now=VARIANTS_AT))
    reads(world, {"g0v0": 1, "g0v1": 19})
    world.clock.now = WINNER_AT
    # When the winner is decided
    step = world.engine.decide(APP_ID, CID, "g0w")
    # Then b wins among a and b, and the decision names the failed variant it left out
    decision = world.leg("g0w").decision
    assert step.next == "send" and decision is not None
    assert decision.winner == "b" and [o.name for o in decision.outcomes] == ["a", "b"]
    assert decision.reason.endswith("(failed variants left out: c)")
