"""Legs by name, offline planned over every send of the news, read rates kept after a cancel."""

from __future__ import annotations

import pytest

from tests.unit.broadcast.conftest import CID, NOW, World, ab_spec, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID
from tests.unit.broadcast.test_status_report import (
    VARIANTS_AT,
    ab_sent_and_won_late,
    finish_from_webhook,
    leg_rows,
    report,
)
from wxengage.broadcast.batch import BatchState, BatchStatus
from wxengage.broadcast.legnames import UnknownLegError, resolve_leg
from wxengage.broadcast.offline import NothingOfflineError, Sends, offline_plan
from wxengage.broadcast.progress import CampaignConflictError
from wxengage.broadcast.schedule import Leg, LegKind
from wxengage.broadcast.spec import CampaignSpec, MpNews
from wxengage.broadcast.state import Campaign, LegState, LegStatus
from wxengage.wechat.targets import PreviewTarget

# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [("fans/a", "g0v0"), ("fans/b", "g0v1"), ("fans/winner", "g0w"), ("g0v1", "g0v1"),
     ("FANS/A", "g0v0"), (" fans/winner ", "g0w")],
)  # fmt: skip
def test_a_leg_answers_to_its_name_and_its_id(world: World, name: str, key: str) -> None:
    assert resolve_leg(world.draft(ab_spec()).spec, name) == key


def test_an_ab_groups_bare_name_or_an_unknown_one_lists_the_legs(world: World) -> None:
    spec = world.draft(ab_spec()).spec
    with pytest.raises(UnknownLegError, match="has an A/B test: name one of its legs"):
        resolve_leg(spec, "fans")
    with pytest.raises(UnknownLegError, match=r"its legs are fans/a \(g0v0\), fans/b \(g0v1\)"):
        resolve_leg(spec, "fans/c")


def test_a_preview_by_name_sends_that_legs_content(world: World) -> None:
    world.draft(ab_spec())
    out = world.engine.preview(APP_ID, CID, [PreviewTarget("touser", "o1")], "fans/b")
    assert out["previews"] == [{"leg": "fans/b", "to": "o1"}]


# --- offline ---------------------------------------------------------------------------


def test_offline_of_the_winner_names_and_takes_down_the_variant_that_sent_its_news(
    world: World,
) -> None:
    # Given b won and the winner send went out with b's news
    ab_sent_and_won_late(world)
    legs = world.campaigns.legs(APP_ID, CID)
    batches = {s.key: world.batches(s.key) for s in legs}
    # When the winner leg's news is planned offline by name
    key = resolve_leg(world.campaign().spec, "fans/winner")
    [article] = offline_plan(Sends(world.campaign(), legs, batches), key)
    # Then the plan names every batch that sent B, in b and in the winner, and nothing of a
    assert article.media_id == "B"
    assert article.legs(CID) == ["fans/b", "fans/winner"]
    assert {b.leg for b in article.batches} == {"g0v1", "g0w"}
    # And taking it offline deletes once, marks exactly those batches offline, and status says so
    out = world.engine.offline(APP_ID, CID, "fans/winner", 0)
    assert world.wechat.deleted == [(article.delete_with, 0)]
    assert out["deleted"] == [article.delete_with]
    rows = leg_rows(world)
    assert [b["status"] for b in rows["g0v1"]["batch_details"]] == ["offline"]
    assert rows["g0v1"]["offline_batches"] == 1 and rows["g0w"]["offline_batches"] == 1
    assert [b["status"] for b in rows["g0v0"]["batch_details"]] == ["succeeded"]


def test_offline_of_a_leg_that_sent_no_news_deletes_nothing(world: World) -> None:
    # Given an A/B test whose variants went out, but not the winner
    ab_sent_and_won_late(world)
    c = world.campaign()
    legs = [s for s in world.campaigns.legs(APP_ID, CID) if s.key != "g0w"]
    # Then planning the unsent winner's news offline is refused
    with pytest.raises(NothingOfflineError, match="no sent news in leg g0w"):
        offline_plan(Sends(c, legs, {s.key: world.batches(s.key) for s in legs}), "g0w")
    # And an unknown leg name is refused by the engine before any delete
    with pytest.raises(UnknownLegError):
        world.engine.offline(APP_ID, CID, "fans/z", 0)
    assert world.wechat.deleted == []


def test_offline_with_no_news_sent_is_a_conflict_and_deletes_nothing(world: World) -> None:
    world.wechat.followers = followers(4)
    world.sending(text_spec())
    world.engine.send(APP_ID, CID, "g0")
    with pytest.raises(CampaignConflictError, match="no sent news"):
        world.engine.offline(APP_ID, CID, "all", 0)
    assert world.wechat.deleted == []
    assert [b.offline_at for b in world.batches("g0")] == [None]


# --- results after a cancel --------------------------------------------------------------


def cancelled_after_the_variants(world: World) -> dict[str, int]:
    """Both variants sent and reported, then the campaign cancelled before its decision."""
    world.wechat.tagged = {2: followers(100)}
    world.prepared(ab_spec())
    world.clock.now = VARIANTS_AT
    for key in ("g0v0", "g0v1"):
        assert world.engine.check(APP_ID, CID, key).next == "send"
        world.engine.send(APP_ID, CID, key)
    finish_from_webhook(world, "g0v0")
    finish_from_webhook(world, "g0v1")
    for key in ("g0v0", "g0v1"):
        assert world.engine.results(APP_ID, CID, key).next == "done"
    c = world.campaign()
    world.campaigns.save(c.cancelled(now=VARIANTS_AT + 600))
    assert world.engine.check(APP_ID, CID, "g0w").next == "done"  # the winner stands down
    return {k: world.batches(k)[0].msg_data_id or 0 for k in ("g0v0", "g0v1")}


def test_a_test_cancelled_before_its_decision_keeps_its_read_rates_once_fetched(
    world: World,
) -> None:
    # Given an A/B test cancelled after its variants went out
    data = cancelled_after_the_variants(world)
    # Then status says the reads are not fetched, and fetching before WeChat has them waits
    assert report(world)["groups"][0]["reads_not_fetched"] is True
    early = world.engine.read_rates(APP_ID, CID)
    assert early["groups"][0]["fetched"] is False
    assert leg_rows(world)["g0v0"]["readers"] is None
    # When WeChat has the reads and they are fetched
    world.wechat.report_reads("2026-11-22", {data["g0v0"]: 4, data["g0v1"]: 10})
    out = world.engine.read_rates(APP_ID, CID)
    # Then each variant keeps its readers and read rate, and status shows them
    assert [(v["variant"], v["readers"]) for v in out["groups"][0]["variants"]] == [
        ("a", 4),
        ("b", 10),
    ]
    legs = leg_rows(world)
    assert (legs["g0v0"]["read_rate"], legs["g0v1"]["read_rate"]) == (0.2, 0.5)
    assert report(world)["groups"][0]["reads_not_fetched"] is False


def test_a_decided_test_keeps_the_decisions_figures(world: World) -> None:
    # Given a test decided (b won)
    ab_sent_and_won_late(world)
    before = leg_rows(world)["g0v1"]["readers"]
    # When its read rates are fetched again / Then nothing changes
    out = world.engine.read_rates(APP_ID, CID)
    assert out["groups"] == [
        {"group": "fans", "fetched": False, "why": "decided: the decision's figures stand"}
    ]
    assert leg_rows(world)["g0v1"]["readers"] == before == 19


def test_news_already_offline_is_not_deleted_again(world: World) -> None:
    # Given the winner's news taken offline once
    ab_sent_and_won_late(world)
    world.engine.offline(APP_ID, CID, "fans/b", 0)
    # When it is asked again / Then it is refused and WeChat gets no second delete
    with pytest.raises(CampaignConflictError, match="already offline"):
        world.engine.offline(APP_ID, CID, "fans/winner", 0)
    assert len(world.wechat.deleted) == 1
    # And a's news, never taken down, still can be
    assert world.engine.offline(APP_ID, CID, None, 0)["offline"] == [
        {"campaign_id": CID, "leg": "g0v0", "label": "fans/a", "batch": 1,
         "msg_id": world.batches("g0v0")[0].msg_id}
    ]  # fmt: skip


def another_campaign_sent(world: World, media_id: str, cid: str = "c0000000000b") -> None:
    """A second campaign of the account whose one group sent `media_id` in one batch."""
    spec = {
        "name": "again",
        "groups": [
            {"name": "all", "audience": "all", "content": {"type": "mpnews", "media_id": media_id}}
        ],
    }
    c = Campaign(
        app_id=APP_ID,
        campaign_id=cid,
        spec=CampaignSpec.model_validate(spec),
        created_at=NOW + 1,
        updated_at=NOW + 1,
        legs=[Leg(key="g0", group="all", kind=LegKind.GROUP, send_at=NOW)],
    )
    world.campaigns.create(c)
    world.campaigns.create(
        LegState(
            app_id=APP_ID,
            campaign_id=cid,
            key="g0",
            group="all",
            kind=LegKind.GROUP,
            content=MpNews(type="mpnews", media_id=media_id),
            status=LegStatus.SUCCEEDED,
        )
    )
    world.campaigns.create(BatchState(app_id=APP_ID, campaign_id=cid, leg="g0", number=1,
                                      start=0, size=5, clientmsgid=f"{cid}-g0-1",
                                      status=BatchStatus.SUBMITTED, msg_id=9001,
                                      result="send success", submitted_at=NOW))  # fmt: skip


def test_offline_takes_down_the_same_news_in_the_accounts_other_campaigns(world: World) -> None:
    # Given b's news also went out in another campaign, and A's in none
    ab_sent_and_won_late(world)
    another_campaign_sent(world, "B")
    # When the winner's news is taken offline
    out = world.engine.offline(APP_ID, CID, "fans/winner", 0)
    # Then one delete, and the other campaign's batch is on record as offline too
    assert len(world.wechat.deleted) == 1
    assert {(o["campaign_id"], o["leg"]) for o in out["offline"]} == {
        (CID, "g0v1"), (CID, "g0w"), ("c0000000000b", "g0")
    }  # fmt: skip
    [other] = world.campaigns.batches(APP_ID, "c0000000000b", "g0")
    assert other.offline_at is not None


def test_a_test_cancelled_before_its_variants_has_no_reads_to_fetch(world: World) -> None:
    # Given an A/B campaign cancelled while its variants wait
    world.wechat.tagged = {2: followers(100)}
    world.prepared(ab_spec())
    world.campaigns.save(world.campaign().cancelled(now=VARIANTS_AT - 600))
    for key in ("g0v0", "g0v1", "g0w"):
        world.engine.check(APP_ID, CID, key)
    # Then status asks for no fetch, and a fetch says why there is nothing
    assert report(world)["groups"][0]["reads_not_fetched"] is False
    out = world.engine.read_rates(APP_ID, CID)
    assert out["groups"][0]["fetched"] is False and "none went out" in out["groups"][0]["why"]
