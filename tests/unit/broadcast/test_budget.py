"""The mass-call budget's policies: routes by account type, calls per leg, the day-by-day plan."""

from __future__ import annotations

from typing import Any

import pytest

from wxengage.accounts import AccountType, MassBudget
from wxengage.broadcast.budget import (
    AccountTypeError,
    LegCalls,
    Route,
    Slot,
    Target,
    budget_day,
    calls_needed,
    check_account_type,
    estimate_group_sizes,
    estimate_leg_calls,
    next_day,
    one_send_a_day,
    plan_days,
    resume_at,
    target,
    waiting_reason,
)
from wxengage.broadcast.schedule import Leg, LegKind, plan_legs
from wxengage.broadcast.spec import CampaignSpec, Group

NOW = 1_795_341_600  # 2026-11-22T10:00:00Z = 18:00 in Beijing
DAY = 86_400
MIDNIGHT = 1_795_363_200  # 2026-11-23T00:00:00+08:00


def group(audience: Any) -> Group:
    return Group.model_validate(
        {"name": "g", "audience": audience, "content": {"type": "text", "content": "hi"}}
    )


def spec(*groups: dict[str, Any]) -> CampaignSpec:
    return CampaignSpec.model_validate({"name": "c", "groups": list(groups)})


def text_group(name: str, audience: Any) -> dict[str, Any]:
    return {"name": name, "audience": audience, "content": {"type": "text", "content": "hi"}}


def ab_group() -> dict[str, Any]:
    variant = {"content": {"type": "mpnews", "media_id": "M"}, "ratio": 0.2}
    return {
        "name": "ab",
        "audience": {"tags": [2]},
        "ab_test": {
            "variants": [
                {"name": "a", "send_at": "2026-11-23T10:00:00+08:00", **variant},
                {"name": "b", "send_at": "2026-11-23T10:00:00+08:00", **variant},
            ]
        },
    }


@pytest.mark.parametrize("account_type", list(AccountType))
def test_an_all_group_goes_out_as_one_sendall_to_all_on_either_type(
    account_type: AccountType,
) -> None:
    tgt = target(group("all"), account_type)
    assert (tgt.route, tgt.filter()) == (Route.TO_ALL, {"is_to_all": True})
    assert tgt.one_a_day is (account_type is AccountType.SUBSCRIPTION)


def test_tags_go_out_as_openid_batches_on_a_service_account_and_by_tag_on_a_subscription() -> None:
    assert target(group({"tags": [5]}), AccountType.SERVICE).route is Route.OPENIDS
    tgt = target(group({"tags": [5]}), AccountType.SUBSCRIPTION)
    assert (tgt.route, tgt.filter(), tgt.one_a_day) == (
        Route.TAG,
        {"is_to_all": False, "tag_id": 5},
        True,
    )


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        ([ab_group()], "cannot run A/B tests"),
        ([text_group("a", {"tags": [2]}), text_group("r", "remaining")], "'remaining'"),
        ([text_group("a", {"tags": [2, 3]})], "one tag per send"),
    ],
)
def test_a_subscription_account_refuses_what_sendall_cannot_do_and_says_why(
    groups: list[dict[str, Any]], words: str
) -> None:
    with pytest.raises(AccountTypeError, match=words):
        check_account_type(spec(*groups), AccountType.SUBSCRIPTION)
    # And a service account takes the same campaign
    check_account_type(spec(*groups), AccountType.SERVICE)


def test_a_subscription_account_takes_one_tag_per_group_and_all() -> None:
    check_account_type(
        spec(text_group("a", {"tags": [2]}), text_group("b", {"tags": [3]})),
        AccountType.SUBSCRIPTION,
    )
    check_account_type(spec(text_group("a", "all")), AccountType.SUBSCRIPTION)


def test_calls_are_one_per_batch_for_openids_and_one_for_a_sendall() -> None:
    openids, to_all = Target(route=Route.OPENIDS), Target(route=Route.TO_ALL)
    assert [calls_needed(n, openids) for n in (0, 1, 2, 10_000, 10_001, 1_000_000)] == [
        0,
        0,
        1,
        1,
        2,
        100,
    ]
    assert [calls_needed(n, to_all) for n in (0, 1, 1_000_000)] == [0, 1, 1]


def test_days_are_beijing_days_and_resume_times_follow_the_slot() -> None:
    assert budget_day(MIDNIGHT - 1) == "2026-11-22"
    assert budget_day(MIDNIGHT) == "2026-11-23"
    assert next_day(NOW) == MIDNIGHT
    assert resume_at(Slot.MINUTE_FULL, NOW + 30) == NOW + 60
    assert resume_at(Slot.DAY_FULL, NOW) == MIDNIGHT
    assert resume_at(Slot.SEND_USED, NOW) == MIDNIGHT
    assert waiting_reason(Slot.DAY_FULL, NOW, "Europe/Paris") == (
        "the account's daily mass-call budget is used: continues 2026-11-22 17:00 (Europe/Paris)"
    )


def test_a_leg_larger_than_what_is_left_today_continues_tomorrow() -> None:
    # Given 30 calls already used today of 100, and a leg of 250 calls due now
    legs = [LegCalls(key="g0", label="g", send_at=NOW, calls=250)]
    # When it is planned
    plan = plan_days(legs, MassBudget(), now=NOW, used_today=30)
    # Then 70 go today, 100 tomorrow from 00:00 and 80 the day after
    assert [(s.day, s.calls, s.at) for s in plan] == [
        ("2026-11-22", 70, NOW),
        ("2026-11-23", 100, MIDNIGHT),
        ("2026-11-24", 80, MIDNIGHT + DAY),
    ]


def test_legs_share_the_day_in_time_order() -> None:
    # Given two legs the same day on a budget of 10 calls a day
    legs = [
        LegCalls(key="g1", label="late", send_at=NOW + 3600, calls=6),
        LegCalls(key="g0", label="early", send_at=NOW, calls=6),
    ]
    plan = plan_days(legs, MassBudget(calls_per_day=10), now=NOW)
    # Then the earlier leg takes 6, the later one 4 today and 2 tomorrow
    assert [(s.key, s.day, s.calls) for s in plan] == [
        ("g0", "2026-11-22", 6),
        ("g1", "2026-11-22", 4),
        ("g1", "2026-11-23", 2),
    ]


def test_a_subscription_account_sends_one_leg_a_day() -> None:
    # Given three sendall legs due today, and today's send already used by another campaign
    legs = [LegCalls(key=f"g{i}", label=f"g{i}", send_at=NOW + i, calls=1) for i in range(3)]
    plan = plan_days(legs, MassBudget(), now=NOW, used_today=1, sends_today=1, sends_per_day=1)
    # Then they go on the three following days, one each, at 00:00
    assert [(s.key, s.day, s.at) for s in plan] == [
        ("g0", "2026-11-23", MIDNIGHT),
        ("g1", "2026-11-24", MIDNIGHT + DAY),
        ("g2", "2026-11-25", MIDNIGHT + 2 * DAY),
    ]


def test_a_leg_with_no_call_is_not_planned() -> None:
    assert (
        plan_days([LegCalls(key="g0", label="g", send_at=NOW, calls=0)], MassBudget(), now=NOW)
        == []
    )


def test_all_of_the_followers_this_engine_has_seen_is_an_openid_list() -> None:
    # On a service account: sendall to all would reach followers the engine never saw
    assert target(group("all"), AccountType.SERVICE, "store").route is Route.OPENIDS
    # On a subscription account: refused, there are no openid lists
    seen = CampaignSpec.model_validate(
        {"name": "c", "groups": [text_group("a", "all")], "audience_source": "store"}
    )
    with pytest.raises(AccountTypeError, match="audience_source store"):
        check_account_type(seen, AccountType.SUBSCRIPTION)


def test_group_sizes_are_estimated_from_wechats_counts() -> None:
    campaign = spec(
        text_group("vip", {"tags": [1, 2]}),
        text_group("new", {"tags": [3]}),
        text_group("rest", "remaining"),
    )
    sizes = estimate_group_sizes(campaign, 50_000, {1: 12_000, 2: 3_000, 3: 5_000})
    assert sizes == {"vip": 15_000, "new": 5_000, "rest": 30_000}
    # A tag count above the followers (stale counts) is capped at the followers
    assert estimate_group_sizes(spec(text_group("a", {"tags": [1]})), 10, {1: 99}) == {"a": 10}


def test_leg_calls_follow_the_variants_ratios_and_the_account_type() -> None:
    # Given an A/B group of 100,000 with two 20% variants, and the legs start would plan
    campaign = spec(ab_group())
    legs = plan_legs(campaign, "Asia/Shanghai", NOW)
    # When the calls are estimated
    calls = estimate_leg_calls(campaign, legs, {"ab": 100_000}, AccountType.SERVICE)
    # Then each variant takes 2 batches of its 20,000 and the winner 6 of the 60,000 left
    assert [(c.key, c.calls) for c in calls] == [("g0v0", 2), ("g0v1", 2), ("g0w", 6)]
    # And an `all` group is one call, whatever its size, on either type
    everyone = spec(text_group("all", "all"))
    for account_type in AccountType:
        (leg,) = estimate_leg_calls(
            everyone, plan_legs(everyone, "Asia/Shanghai", NOW), {"all": 10**6}, account_type
        )
        assert leg.calls == 1


def test_a_subscription_accounts_legs_go_on_separate_days_at_their_time_of_day() -> None:
    # Given three groups due now and one due tomorrow at 09:00 Beijing time
    tomorrow_9 = MIDNIGHT + 9 * 3600
    legs = [
        Leg(key="g0", group="a", kind=LegKind.GROUP, send_at=NOW),
        Leg(key="g1", group="b", kind=LegKind.GROUP, send_at=NOW),
        Leg(key="g2", group="c", kind=LegKind.GROUP, send_at=tomorrow_9),
        Leg(key="g3", group="d", kind=LegKind.GROUP, send_at=NOW),
    ]
    # When they are spread one a day
    moved = one_send_a_day(legs)
    # Then, first come by time: g0 keeps today, g1 and g3 (due now) take the next two days at
    # 18:00, and g2 (due tomorrow 09:00) the first day left, at 09:00
    assert [(leg.key, budget_day(leg.send_at)) for leg in moved] == [
        ("g0", "2026-11-22"),
        ("g1", "2026-11-23"),
        ("g2", "2026-11-25"),
        ("g3", "2026-11-24"),
    ]
    assert (moved[1].send_at, moved[2].send_at) == (NOW + DAY, tomorrow_9 + 2 * DAY)
    assert moved[0] == legs[0]
