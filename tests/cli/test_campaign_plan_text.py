"""`campaign start` prints the broadcast feature's day plan as it always printed its own."""

from __future__ import annotations

import pytest

from wxengage.accounts import AccountSettings, MassBudget
from wxengage.broadcast.day_plan import AudienceCounts, day_plan
from wxengage.broadcast.spec import CampaignSpec
from wxengage_cli.campaign_plan import echo_plan
from wxengage_cli.localtime import Times

NOW = 1_795_341_600  # 2026-11-22 10:00 UTC, 18:00 in Shanghai
SPEC = CampaignSpec.model_validate(
    {
        "name": "会员日",
        "groups": [
            {
                "name": "会员",
                "audience": {"tags": [7]},
                "content": {"type": "mpnews", "media_id": "MA"},
                "send_at": "2026-11-22T21:00:00",
            }
        ],
    }
)


def test_the_plan_prints_each_days_calls_in_the_accounts_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given 25,000 followers under tag 7 and a budget of 2 calls a day, 1 used
    settings = AccountSettings(app_id="wx0123456789abcdef", mass=MassBudget(calls_per_day=2))
    counts = AudienceCounts(
        followers=30_000, tags={7: 25_000}, source="WeChat's follower and tag counts"
    )
    plan = day_plan(SPEC, settings, now=NOW, used=(1, 0), counts=counts)
    # When start prints it
    echo_plan(plan, Times("Asia/Shanghai"))
    lines = capsys.readouterr().out.splitlines()
    # Then the header, one call today at 21:00 Shanghai, two tomorrow from midnight, and the note
    assert lines[0] == (
        "plan of mass calls (budget 2/day and 60/min shared by every campaign; 1 used today; "
        "audiences estimated from WeChat's follower and tag counts; days are WeChat's, in "
        "Beijing time):"
    )
    assert lines[1].split()[:5] == ["2026-11-22", "g0", "会员", "1", "call"]
    assert "2026-11-22 21:00" in lines[1]
    assert lines[2].split()[:5] == ["2026-11-23", "g0", "会员", "2", "calls"]
    assert "2026-11-23 00:00" in lines[2]
    assert lines[3].startswith("  (what does not fit in a day continues the next day")


def test_unknown_sizes_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    settings = AccountSettings(app_id="wx0123456789abcdef")
    plan = day_plan(SPEC, settings, now=NOW, used=(0, 0), counts=None, unknown="no route")
    echo_plan(plan, Times("Asia/Shanghai"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("audience sizes unknown (no route)")
    assert "once its audience is resolved" in out[1]
