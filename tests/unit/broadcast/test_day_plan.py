"""The day-by-day plan of a draft's mass calls (`campaign start` prints it, the console shows it)."""

from __future__ import annotations

import pytest

from wxengage.accounts import AccountSettings, AccountType, MassBudget
from wxengage.broadcast.budget import AccountTypeError
from wxengage.broadcast.day_plan import AudienceCounts, day_plan, needs_tag_counts
from wxengage.broadcast.schedule import ScheduleError
from wxengage.broadcast.spec import CampaignSpec

APP = "wx0123456789abcdef"
NOW = 1_795_341_600  # 2026-11-22 10:00 UTC, 18:00 in Shanghai


def spec(tags: list[int] | None = None, at: str = "2026-11-22T21:00:00") -> CampaignSpec:
    audience: object = {"tags": tags} if tags else "all"
    return CampaignSpec.model_validate(
        {
            "name": "会员日",
            "groups": [
                {
                    "name": "会员",
                    "audience": audience,
                    "content": {"type": "mpnews", "media_id": "MA"},
                    "send_at": at,
                }
            ],
        }
    )


def counts(followers: int, tags: dict[int, int] | None = None) -> AudienceCounts:
    return AudienceCounts(followers=followers, tags=tags or {}, source="the counts")


def test_a_group_too_big_for_todays_budget_continues_the_next_day() -> None:
    # Given an account allowed 3 calls a day, 2 already used, and 25,000 followers under tag 7
    settings = AccountSettings(app_id=APP, mass=MassBudget(calls_per_day=3))
    # When the plan is made (batches of 10,000 openids: 3 calls)
    plan = day_plan(spec([7]), settings, now=NOW, used=(2, 0), counts=counts(30_000, {7: 25_000}))
    # Then one call goes today, two tomorrow from 00:00 Beijing time
    assert plan.shares is not None
    assert [(s.day, s.calls) for s in plan.shares] == [("2026-11-22", 1), ("2026-11-23", 2)]
    assert plan.days == ["2026-11-22", "2026-11-23"]
    assert plan.header() == (
        "plan of mass calls (budget 3/day and 60/min shared by every campaign; 2 used today; "
        "audiences estimated from the counts; days are WeChat's, in Beijing time):"
    )


def test_without_counts_the_plan_says_why_as_start_printed_it() -> None:
    plan = day_plan(
        spec(),
        AccountSettings(app_id=APP),
        now=NOW,
        used=(0, 0),
        counts=None,
        unknown="WeChat's follower counts could not be read from here",
    )
    assert plan.shares is None
    assert plan.header() == (
        "plan of mass calls (budget 100/day and 60/min shared by every campaign; 0 used today): "
        "audience sizes unknown (WeChat's follower counts could not be read from here)"
    )


def test_a_subscription_account_counts_its_one_send_of_the_day() -> None:
    # Given a subscription account that already sent today
    settings = AccountSettings(app_id=APP, type=AccountType.SUBSCRIPTION)
    plan = day_plan(spec(), settings, now=NOW, used=(1, 1), counts=counts(500))
    # Then its send waits for tomorrow, and the budget line says today's send is used
    assert plan.shares is not None and [s.day for s in plan.shares] == ["2026-11-23"]
    assert plan.sends_today == 1 and "1 of today's one send" in plan.header()


def test_refusals_come_first_as_start_refuses() -> None:
    with pytest.raises(ScheduleError):
        day_plan(
            spec(at="2026-11-22T17:00:00"),
            AccountSettings(app_id=APP),
            now=NOW,
            used=(0, 0),
            counts=counts(10),
        )
    subscription = AccountSettings(app_id=APP, type=AccountType.SUBSCRIPTION)
    with pytest.raises(AccountTypeError):
        day_plan(spec([1, 2]), subscription, now=NOW, used=(0, 0), counts=counts(10))


def test_only_tag_audiences_need_tag_counts() -> None:
    assert needs_tag_counts(spec([7])) and not needs_tag_counts(spec())
