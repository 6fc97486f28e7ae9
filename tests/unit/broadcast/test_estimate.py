"""Audience estimates before a campaign starts, and its references checked against the catalog."""

from __future__ import annotations

from typing import Any

from wxengage.broadcast.estimate import Estimate, estimate_audiences
from wxengage.broadcast.references import catalog_problems
from wxengage.broadcast.spec import CampaignSpec


def spec(*groups: dict[str, Any], source: str = "wechat") -> CampaignSpec:
    return CampaignSpec.model_validate(
        {"name": "双十二", "groups": list(groups), "audience_source": source}
    )


def text(name: str, audience: Any) -> dict[str, Any]:
    return {"name": name, "audience": audience, "content": {"type": "text", "content": "hi"}}


def ab(name: str, tags: list[int], ratios: tuple[float, ...], media: str = "M") -> dict[str, Any]:
    variants = [
        {
            "name": f"{chr(65 + i)}组",
            "content": {"type": "mpnews", "media_id": media},
            "ratio": r,
            "send_at": "2026-11-23T10:00:00",
        }
        for i, r in enumerate(ratios)
    ]
    return {"name": name, "audience": {"tags": tags}, "ab_test": {"variants": variants}}


# Ten followers whose tags the sync stored:
#   f1 f2 f3 -> 1; f4 -> 1, 2; f5 -> 2, 3; f6 -> 3; f7 -> 2; f8 f9 f10 -> none
KNOWN = {
    "f1": (1,),
    "f2": (1,),
    "f3": (1,),
    "f4": (1, 2),
    "f5": (2, 3),
    "f6": (3,),
    "f7": (2,),
    "f8": (),
    "f9": (),
    "f10": (),
}
COUNTS = {1: 4, 2: 3, 3: 2}


def rows(e: Estimate) -> dict[str, tuple[int | None, int | None, int | None]]:
    return {g.name: (g.estimated, g.upper_bound, g.removed_by_overlap) for g in e.groups}


def test_a_follower_goes_to_the_first_group_that_matches_them() -> None:
    # Given 会员 (tag 1), 活跃 (tags 2 or 3), then the rest; every follower's tags known
    campaign = spec(
        text("会员", {"tags": [1]}), text("活跃", {"tags": [2, 3]}), text("其他", "remaining")
    )
    # When estimated against WeChat's total of 10 (all known)
    e = estimate_audiences(campaign, KNOWN, followers_total=10, tag_counts=COUNTS)
    # Then 会员 = f1-f4; 活跃 matches f4 f5 f6 f7 and gives f4 up; the rest f8-f10 (7 taken)
    assert e.source == "synced_tags" and e.known_followers == 10
    assert rows(e) == {
        "会员": (4, 4, 0),
        "活跃": (3, 5, 1),  # upper bound: tag 2 (3) + tag 3 (2), before overlaps
        "其他": (3, 6, 7),  # upper bound: 10 less the largest tag another group takes (4)
    }
    assert [(o.first, o.second, o.followers) for o in e.overlaps] == [("会员", "活跃", 1)]


def test_the_order_decides_who_keeps_the_shared_followers() -> None:
    # Given the same groups the other way round
    campaign = spec(text("活跃", {"tags": [2, 3]}), text("会员", {"tags": [1]}))
    e = estimate_audiences(campaign, KNOWN, followers_total=10, tag_counts=COUNTS)
    # Then 活跃 keeps f4, and 会员 loses it
    assert rows(e)["活跃"] == (4, 5, 0)
    assert rows(e)["会员"] == (3, 4, 1)


def test_counts_are_scaled_to_wechats_total_and_capped_by_its_tag_counts() -> None:
    # Given the 10 known followers of 40 on WeChat, where tag 1 has 12 followers
    campaign = spec(
        text("会员", {"tags": [1]}), text("活跃", {"tags": [2]}), text("其他", "remaining")
    )
    e = estimate_audiences(campaign, KNOWN, followers_total=40, tag_counts={1: 12, 2: 10})
    # Then each count is x4: 会员 4 -> 16, above WeChat's 12: 12; 活跃 f5 f7 -> 8 (f4 went to 会员,
    # 1 -> 4 removed); the rest f6 f8 f9 f10 -> 16, the 6 others took -> 24
    assert e.source == "synced_tags_scaled" and e.followers_total == 40
    assert rows(e) == {"会员": (12, 12, 0), "活跃": (8, 10, 4), "其他": (16, 28, 24)}
    assert [(o.first, o.second, o.followers) for o in e.overlaps] == [("会员", "活跃", 4)]


def test_variant_samples_are_floored_as_the_draw_takes_them_and_the_rest_gets_the_winner() -> None:
    # Given an A/B test of 15 % and 25 % on tag 1 (4 known of 40: 16 estimated)
    campaign = spec(ab("会员", [1], (0.15, 0.25)))
    e = estimate_audiences(campaign, KNOWN, followers_total=40, tag_counts={1: 16})
    # Then floor(0.15 x 16) = 2, floor(0.25 x 16) = 4, the winner's rest 10
    [g] = e.groups
    assert g.estimated == 16
    assert [(v.name, v.ratio, v.estimated) for v in g.variants] == [
        ("A组", 0.15, 2),
        ("B组", 0.25, 4),
    ]
    assert g.rest_estimated == 10


def test_a_subscription_accounts_tag_sends_keep_their_overlaps() -> None:
    # Given two tag groups sharing f4 on a subscription account (sendall by tag reaches them all)
    campaign = spec(text("会员", {"tags": [1]}), text("活跃", {"tags": [2]}))
    e = estimate_audiences(campaign, KNOWN, followers_total=10, tag_counts=COUNTS, dedupe=False)
    # Then nobody is removed: f4 gets both, and the overlap still says so
    assert rows(e) == {"会员": (4, 4, 0), "活跃": (3, 3, 0)}
    assert e.overlaps[0].followers == 1


def test_before_the_tag_pass_only_wechats_counts_bound_the_groups() -> None:
    # Given tags and the total synced, but no follower's tags yet
    campaign = spec(text("会员", {"tags": [1, 2]}), text("其他", "remaining"))
    e = estimate_audiences(campaign, {}, followers_total=10, tag_counts=COUNTS)
    # Then no estimate, the upper bounds from WeChat's counts, overlaps unknown
    assert e.source == "wechat_counts"
    assert rows(e) == {"会员": (None, 7, None), "其他": (None, 6, None)}
    assert e.overlaps == []
    # And an all-followers send is WeChat's total
    everyone = estimate_audiences(spec(text("全部", "all")), {}, followers_total=10, tag_counts={})
    assert rows(everyone) == {"全部": (10, 10, None)}


def test_nothing_synced_gives_no_figure() -> None:
    e = estimate_audiences(
        spec(text("会员", {"tags": [1]})), {}, followers_total=None, tag_counts=None
    )
    assert e.source == "nothing_synced"
    assert rows(e) == {"会员": (None, None, None)}


def test_without_wechats_total_the_known_followers_are_counted_as_they_are() -> None:
    # Given known followers but no follower total from WeChat
    campaign = spec(text("会员", {"tags": [1]}), text("其他", "remaining"))
    e = estimate_audiences(campaign, KNOWN, followers_total=None, tag_counts=COUNTS)
    # Then the counts are the known followers', not scaled; the rest's bound is unknown
    assert e.source == "synced_tags" and e.followers_total is None
    assert rows(e) == {"会员": (4, 4, 0), "其他": (6, None, 4)}


def test_the_followers_this_engine_has_seen_are_counted_exactly() -> None:
    # Given audience_source store: every subscribed follower the engine has seen
    campaign = spec(text("全部", "all"), source="store")
    e = estimate_audiences(campaign, KNOWN, followers_total=999, tag_counts=COUNTS)
    # Then WeChat's total plays no part
    assert (e.source, e.followers_total) == ("store_followers", 10)
    assert rows(e) == {"全部": (10, 10, 0)}


def test_tags_and_drafts_the_catalog_does_not_hold_are_named_by_field() -> None:
    # Given tags 1 and 2 and draft M synced (P-1 a published item)
    campaign = spec(
        text("会员", {"tags": [1, 7]}),
        ab("活跃", [2], (0.1, 0.1), media="P-1"),
        {"name": "其他", "audience": "remaining", "content": {"type": "mpnews", "media_id": "X"}},
    )
    problems = catalog_problems(campaign, tag_ids={1, 2}, draft_ids={"M"}, published_ids={"P-1"})
    # Then each unknown id is named at its field
    assert [(p.field, p.type) for p in problems] == [
        ("groups.0.audience.tags.1", "unknown_tag"),
        ("groups.1.ab_test.variants.0.content.mpnews.media_id", "unknown_media"),
        ("groups.1.ab_test.variants.1.content.mpnews.media_id", "unknown_media"),
        ("groups.2.content.mpnews.media_id", "unknown_media"),
    ]
    assert "published article's article_id" in problems[1].message
    assert problems[3].message == "this media_id is not among the account's synced drafts"


def test_a_catalog_never_synced_checks_nothing() -> None:
    campaign = spec(text("会员", {"tags": [7]}), text("其他", "remaining"))
    assert catalog_problems(campaign, tag_ids=None, draft_ids=None) == []
    # And text content is never looked up
    assert catalog_problems(campaign, tag_ids={7}, draft_ids=set()) == []
