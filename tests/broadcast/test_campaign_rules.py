"""Campaign validation: the rules DESIGN.md sets, each refused with a message that says why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from wxengage.broadcast.schedule import LegKind, ScheduleError, plan_legs, reschedule
from wxengage.broadcast.spec import CampaignSpec

SHANGHAI = "Asia/Shanghai"
NOW = int(datetime(2026, 11, 22, 10, 0, tzinfo=UTC).timestamp())  # 18:00 in Shanghai


def news(media: str) -> dict[str, str]:
    return {"type": "mpnews", "media_id": media}


def ab_group(
    audience: Any = None,
    a_at: str = "2026-11-22T20:00:00",
    b_at: str = "2026-11-22T21:00:00",
    **winner: Any,
) -> dict[str, Any]:
    return {
        "name": "vip",
        "audience": audience or {"tags": [101]},
        "ab_test": {
            "variants": [
                {"name": "A", "content": news("MA"), "ratio": 0.1, "send_at": a_at},
                {"name": "B", "content": news("MB"), "ratio": 0.1, "send_at": b_at},
            ],
            "winner": winner,
        },
    }


def spec(*groups: dict[str, Any]) -> CampaignSpec:
    return CampaignSpec.model_validate({"name": "november", "groups": list(groups)})


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as err:
        CampaignSpec.model_validate(data)
    return str(err.value)


def test_an_ab_test_on_all_followers_is_refused() -> None:
    # Given an A/B test whose audience is every follower
    data = {"name": "n", "groups": [ab_group(audience="all")]}
    # When it is validated / Then it is refused, naming the group and the rule
    assert "group 'vip': A/B tests are not allowed for 'all followers' sends" in error_of(data)


def test_a_variant_less_than_an_hour_ahead_is_refused() -> None:
    # Given variant A at 18:30 Shanghai while it is 18:00 there
    campaign = spec(ab_group(a_at="2026-11-22T18:30:00"))
    # When the schedule is planned / Then it names the variant and the earliest allowed time
    with pytest.raises(ScheduleError) as err:
        plan_legs(campaign, SHANGHAI, NOW)
    assert (
        "variant 'A' sends at 2026-11-22T18:30:00+08:00: variants must be at least 1 hour ahead"
        in str(err.value)
    )
    assert "not before 2026-11-22T19:00:00+08:00" in str(err.value)


def test_a_winner_before_ten_the_next_day_is_refused() -> None:
    # Given the last variant at 21:00 on the 22nd and the winner at 09:30 on the 23rd (Shanghai)
    campaign = spec(ab_group(decide_at="2026-11-23T09:30:00"))
    # When planned / Then refused, the times in the account's zone (Shanghai)
    with pytest.raises(ScheduleError) as err:
        plan_legs(campaign, SHANGHAI, NOW)
    assert "winner time 2026-11-23T09:30:00+08:00 is before 10:00 (Asia/Shanghai)" in str(err.value)
    assert "not before 2026-11-23T10:00:00+08:00" in str(err.value)


def test_the_default_winner_time_is_ten_the_day_after_the_last_variant() -> None:
    # Given variants at 20:00 and 21:00 Shanghai with no decide_at
    legs = plan_legs(spec(ab_group()), SHANGHAI, NOW)
    # When planned / Then the winner leg is 10:00 Shanghai on the 23rd, after both variants
    winner = next(leg for leg in legs if leg.kind is LegKind.WINNER)
    assert datetime.fromtimestamp(winner.send_at, UTC).isoformat() == "2026-11-23T02:00:00+00:00"
    assert [leg.key for leg in legs] == ["g0v0", "g0v1", "g0w"]


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            [
                {"name": "a", "audience": "all", "content": {"type": "text", "content": "hi"}},
                {
                    "name": "b",
                    "audience": "remaining",
                    "content": {"type": "text", "content": "hi"},
                },
            ],
            "an 'all' audience must be the campaign's only group",
        ),
        (
            [{"name": "a", "audience": "remaining", "content": {"type": "text", "content": "hi"}}],
            "'remaining' needs other groups to be the rest of",
        ),
        ([{"name": "a", "audience": {"tags": [1]}}], "group 'a' needs content (or an ab_test)"),
        (
            [
                {
                    **ab_group(),
                    "ab_test": {
                        **ab_group()["ab_test"],
                        "variants": [
                            {
                                "name": "A",
                                "content": {"type": "text", "content": "x"},
                                "ratio": 0.1,
                                "send_at": "2026-11-23T10:00:00",
                            },
                            {
                                "name": "B",
                                "content": news("MB"),
                                "ratio": 0.1,
                                "send_at": "2026-11-23T10:00:00",
                            },
                        ],
                    },
                }
            ],
            "A/B variants must be mpnews",
        ),
        (
            [
                {
                    **ab_group(),
                    "ab_test": {
                        **ab_group()["ab_test"],
                        "variants": [
                            {
                                "name": "A",
                                "content": news("MA"),
                                "ratio": 0.6,
                                "send_at": "2026-11-23T10:00:00",
                            },
                            {
                                "name": "B",
                                "content": news("MB"),
                                "ratio": 0.4,
                                "send_at": "2026-11-23T10:00:00",
                            },
                        ],
                    },
                }
            ],
            "variant ratios must add up to less than 1",
        ),
        ([ab_group(no_winner="variant")], "no_winner 'variant' needs default_variant"),
        ([ab_group(no_winner="variant", default_variant="C")], "default_variant 'C' is not one of"),
    ],
)
def test_invalid_campaigns_say_what_is_wrong(groups: list[dict[str, Any]], message: str) -> None:
    # Given a campaign breaking one rule / When validated / Then the message names the rule
    assert message in error_of({"name": "n", "groups": groups})


def test_reschedule_keeps_spacing_and_moves_the_winner_past_the_rule() -> None:
    # Given the A/B legs planned for the 22nd
    legs = plan_legs(spec(ab_group()), SHANGHAI, NOW)
    # When every waiting leg moves so the first goes at 20:00 Shanghai on the 24th
    to = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())
    moved = {
        leg.key: leg.send_at
        for leg in reschedule(legs, started=set(), to=to, only=None, now=NOW, timezone=SHANGHAI)
    }
    # Then B is still an hour after A, and the winner is 10:00 Shanghai on the 25th
    assert moved["g0v1"] - moved["g0v0"] == 3600
    assert datetime.fromtimestamp(moved["g0w"], UTC).isoformat() == "2026-11-25T02:00:00+00:00"


def test_reschedule_of_a_started_leg_is_refused() -> None:
    # Given variant A already sending
    legs = plan_legs(spec(ab_group()), SHANGHAI, NOW)
    # When only A is moved / Then refused
    with pytest.raises(ScheduleError, match="leg 'g0v0' has already started"):
        reschedule(legs, started={"g0v0"}, to=NOW + 7200, only="g0v0", now=NOW, timezone=SHANGHAI)
