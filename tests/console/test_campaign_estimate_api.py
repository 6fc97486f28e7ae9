"""The designer's audience estimate: from the synced copy, overlaps removed in group order."""

from __future__ import annotations

from tests.console.conftest import Call
from tests.console.designer import (
    BASE,
    NEWCOMER,
    NOW,
    VIEWER,
    VIP,
    ab_spec,
    broken,
    follower,
    stored,
    synced,
)
from wxengage.settings import Settings


def test_the_estimate_removes_overlaps_in_group_order(stack: Settings, console: Call) -> None:
    # Given 8 subscribed followers whose tags were synced, of 16 on WeChat:
    #   o1 o2 o3: 会员 only; o4: 会员 and 新客; o5 o6: 新客 only; o7 o8: no tag
    # and o9 (会员, unsubscribed) and o10 (tags never synced), who do not count
    synced(stack, followers_total=16)
    for openid, tags in [
        ("o1", (VIP,)),
        ("o2", (VIP,)),
        ("o3", (VIP,)),
        ("o4", (VIP, NEWCOMER)),
        ("o5", (NEWCOMER,)),
        ("o6", (NEWCOMER,)),
        ("o7", ()),
        ("o8", ()),
    ]:
        follower(stack, openid, tags)
    follower(stack, "o9", (VIP,), subscribed=False)
    follower(stack, "o10", None)
    # When the A/B campaign is estimated
    answer = console("POST", f"{BASE}/estimate", VIEWER, body=ab_spec())
    # Then, counted on the 8 and scaled x2 to WeChat's 16:
    #   会员 o1-o4: 4 -> 8; 新客 o4-o6 less o4 (会员 has them): 2 -> 4, 1 removed -> 2;
    #   the rest o7 o8: 2 -> 4, the 6 others took -> 12; A组 and B组 floor(0.2 x 8) = 1 each,
    #   the winner's rest 6; 会员 and 新客 share o4: 1 -> 2
    assert answer.status == 200, answer.text
    body = answer.json()
    assert (body["followers_total"], body["known_followers"], body["source"]) == (
        16,
        8,
        "synced_tags_scaled",
    )
    assert body["synced_at"] == NOW - 60 and body["sampled"] is False
    figures = {
        g["name"]: (g["kind"], g["estimated"], g["upper_bound"], g["removed_by_overlap"])
        for g in body["groups"]
    }
    # upper bounds: WeChat's counts (8 and 6); the rest: 16 less the largest tag (8)
    assert figures == {
        "会员": ("tags", 8, 8, 0),
        "新客": ("tags", 4, 6, 2),
        "其他": ("remaining", 4, 8, 12),
    }
    vip = body["groups"][0]
    assert [(v["name"], v["estimated"]) for v in vip["variants"]] == [("A组", 1), ("B组", 1)]
    assert vip["rest_estimated"] == 6
    assert body["overlaps"] == [{"first": "会员", "second": "新客", "followers": 2}]
    assert (body["problems"], body["refusal"]) == ([], None)
    # And nothing was written
    assert stored(stack) == []


def test_an_account_never_synced_gets_no_figure_and_says_so(stack: Settings, console: Call) -> None:
    # Given an account whose catalog was never synced, with a follower the engine has seen
    follower(stack, "o1", None)
    # When a campaign is estimated
    answer = console("POST", f"{BASE}/estimate", VIEWER, body=ab_spec())
    # Then no figure, and the source says nothing was synced
    assert answer.status == 200, answer.text
    body = answer.json()
    assert (body["source"], body["followers_total"], body["synced_at"]) == (
        "nothing_synced",
        None,
        None,
    )
    assert [g["estimated"] for g in body["groups"]] == [None, None, None]
    assert body["groups"][0]["variants"][0] == {"name": "A组", "ratio": 0.2, "estimated": None}


def test_the_estimate_says_what_create_would_refuse(stack: Settings, console: Call) -> None:
    # Given a synced catalog, and a spec naming tag 999 with variants due in 30 minutes
    synced(stack)
    spec = broken(["groups", 0, "ab_test", "variants", 0, "send_at"], "2026-11-22T18:30:00")
    spec["groups"][1]["audience"]["tags"] = [999]
    # When estimated
    answer = console("POST", f"{BASE}/estimate", VIEWER, body=spec)
    # Then the figures come with the refusals create would give, and nothing is written
    assert answer.status == 200, answer.text
    body = answer.json()
    assert [(p["field"], p["type"]) for p in body["problems"]] == [
        ("groups.1.audience.tags.0", "unknown_tag")
    ]
    assert "variants must be at least 1 hour ahead" in body["refusal"]
    assert stored(stack) == []
