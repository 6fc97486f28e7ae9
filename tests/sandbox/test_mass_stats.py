"""The sandbox's read statistics behave like WeChat's: news mass sends, read at seeded rates, are
reported from 08:00 the next day in the account's time zone, one day per call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import FakeClock
from tests.sandbox.test_mass_send import (
    FOLLOWERS,
    NEWS,
    SAFE,
    SERVICE,
    SUBSCRIPTION,
    TEXT,
    World,
    running_world,
)

TOTAL = "/datacube/getarticletotal"
READ = "/datacube/getarticleread"
DAY = {"begin_date": "2026-11-22", "end_date": "2026-11-22"}
# The fixture's clock, 2026-11-22T10:00Z, is 18:00 in Shanghai; 08:00 next day there is 00:00Z.
NEXT_MORNING = 1_795_392_000  # 2026-11-23T00:00:00Z


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[World]:
    with running_world() as world:
        world.follow(SERVICE, *FOLLOWERS)
        yield world


def at(wx: World, fake_clock: FakeClock, ts: int) -> None:
    """Move the clock (tokens fetched before a jump of hours have expired)."""
    fake_clock.now = ts
    wx.forget_tokens()


def news(media_id: str) -> dict[str, Any]:
    return {"msgtype": "mpnews", "mpnews": {"media_id": media_id}}


def test_statistics_arrive_at_eight_the_next_morning(wx: World, fake_clock: FakeClock) -> None:
    # Given news sent to 5 followers on the 22nd (Shanghai) and a seeded read rate of 40%
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    sent = wx.send(FOLLOWERS, "n-1", NEWS)
    # When the 22nd is asked for the same evening, at 07:59 and at 08:00 next day (Shanghai)
    same_day = wx.wechat(TOTAL, DAY)
    at(wx, fake_clock, NEXT_MORNING - 60)
    early = wx.wechat(TOTAL, DAY)
    fake_clock.advance(60)
    ready = wx.wechat(TOTAL, DAY)
    # Then the day is not over on the evening; at 07:59 it is still being counted (empty);
    # at 08:00 the job is there: 2 of 5 read it, under the msg_data_id the send answered
    assert (same_day["errcode"], same_day["errmsg"]) == (61501, "date range error")
    assert early == {"list": []}
    (row,) = ready["list"]
    assert (row["ref_date"], row["msgid"], row["title"]) == (
        "2026-11-22",
        f"{sent['msg_data_id']}_1",
        "M1",
    )
    (detail,) = row["details"]
    assert detail["stat_date"] == "2026-11-22"
    assert (detail["target_user"], detail["int_page_read_user"]) == (5, 2)


def test_readers_are_the_rate_of_those_reached_and_unseeded_news_is_unread(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given a 50% rate for M1 everywhere, 25% for M1 on this account alone, M2 never seeded,
    # and o4 gone (so the first batch reaches 4 of its 6 openids)
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.5})
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.25, "app_id": SERVICE})
    wx.play("o4", "unsubscribe")
    first = wx.send([*FOLLOWERS, "x-1"], "n-1", NEWS)
    second = wx.send(["o0", "o1"], "n-2", news("M2"))
    wx.send(["o2", "o3"], "t-1", TEXT)
    # And the other account's M1 news to 4 followers
    wx.follow(SAFE, "s0", "s1", "s2", "s3")
    elsewhere = wx.send(["s0", "s1", "s2", "s3"], "n-3", NEWS, app_id=SAFE)
    # When each account reads the 22nd's figures the next morning
    at(wx, fake_clock, NEXT_MORNING)
    rows = {r["msgid"]: r["details"][-1] for r in wx.wechat(TOTAL, DAY)["list"]}
    other = wx.wechat(TOTAL, DAY, app_id=SAFE)["list"]
    # Then readers = round(rate x followers reached), per account where seeded; text is absent
    assert {k: (d["target_user"], d["int_page_read_user"]) for k, d in rows.items()} == {
        f"{first['msg_data_id']}_1": (4, 1),
        f"{second['msg_data_id']}_1": (2, 0),
    }
    assert [r["msgid"] for r in other] == [f"{elsewhere['msg_data_id']}_1"]
    assert other[0]["details"][0]["int_page_read_user"] == 2


def test_an_article_is_followed_for_seven_days(wx: World, fake_clock: FakeClock) -> None:
    # Given news sent on the 22nd and read by half its followers
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.5})
    wx.send(["o0", "o1", "o2", "o3"], "n-1", NEWS)
    # When the 22nd is asked for on the 25th, and ten days on
    at(wx, fake_clock, NEXT_MORNING + 2 * 86400)
    three = wx.wechat(TOTAL, DAY)["list"][0]["details"]
    at(wx, fake_clock, NEXT_MORNING + 10 * 86400)
    seven = wx.wechat(TOTAL, DAY)["list"][0]["details"]
    # Then there is one cumulative detail per day since the send, at most seven
    assert [d["stat_date"] for d in three] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert [d["stat_date"] for d in seven][-1] == "2026-11-28" and len(seven) == 7
    assert {d["int_page_read_user"] for d in seven} == {2}


def test_the_day_is_the_accounts_own(wx: World, fake_clock: FakeClock) -> None:
    # Given a New York account sending news at 22:00 on the 22nd there (03:00Z on the 23rd)
    wx.follow(SUBSCRIPTION, "n0", "n1", "n2", "n3")
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.5})
    at(wx, fake_clock, 1_795_402_800)  # 2026-11-23T03:00:00Z
    sent = wx.sendall("n-1", NEWS, app_id=SUBSCRIPTION)  # a subscription account: sendall
    # When the 22nd and the 23rd are asked for at 07:59 and 08:00 New York on the 23rd
    at(wx, fake_clock, 1_795_438_740)  # 2026-11-23T12:59:00Z
    early = wx.wechat(TOTAL, DAY, app_id=SUBSCRIPTION)
    fake_clock.advance(60)
    ready = wx.wechat(TOTAL, DAY, app_id=SUBSCRIPTION)
    today = {"begin_date": "2026-11-23", "end_date": "2026-11-23"}
    not_over = wx.wechat(TOTAL, today, app_id=SUBSCRIPTION)
    # Then the send counts on New York's 22nd, ready at 08:00 there; the 23rd is not over
    assert early == {"list": []}
    assert [r["msgid"] for r in ready["list"]] == [f"{sent['msg_data_id']}_1"]
    assert not_over["errcode"] == 61501


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"begin_date": "2026/11/20", "end_date": "2026/11/20"}, 61500),
        ({"begin_date": "20261120", "end_date": "20261120"}, 61500),
        ({"begin_date": "2026-11-31", "end_date": "2026-11-31"}, 61500),
        ({"end_date": "2026-11-20"}, 61500),
        ({"begin_date": "2026-11-21", "end_date": "2026-11-20"}, 61501),
        ({"begin_date": "2026-11-19", "end_date": "2026-11-20"}, 61501),
        ({"begin_date": "2026-11-30", "end_date": "2026-11-30"}, 61501),
    ],
    ids=["slashes", "compact", "no-such-day", "no-begin", "backwards", "two-days", "future"],
)
@pytest.mark.parametrize("api", [TOTAL, READ])
def test_bad_date_ranges_get_wechats_errcodes(
    wx: World, api: str, body: dict[str, str], errcode: int
) -> None:
    assert wx.wechat(api, body)["errcode"] == errcode


def test_getarticleread_lists_the_articles_read_that_day(wx: World, fake_clock: FakeClock) -> None:
    # Given two news sends on the 22nd, one read by 40% and one by nobody
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    read = wx.send(FOLLOWERS, "n-1", NEWS)
    wx.send(["o0", "o1"], "n-2", news("M2"))
    # When the 22nd and the 23rd are asked for once they are ready
    at(wx, fake_clock, NEXT_MORNING + 86400)
    day = wx.wechat(READ, DAY)
    after = wx.wechat(READ, {"begin_date": "2026-11-23", "end_date": "2026-11-23"})
    # Then the 22nd lists the article that was read, with its readers; the 23rd lists none
    assert day == {
        "list": [
            {
                "ref_date": "2026-11-22",
                "msgid": f"{read['msg_data_id']}_1",
                "detail": {"read_user": 2},
            }
        ],
        "is_delay": False,
    }
    assert after == {"list": [], "is_delay": False}


def test_faults_hit_the_statistics_apis_too(wx: World, fake_clock: FakeClock) -> None:
    # Given the next getarticletotal failing with "system busy"
    wx.control("POST", "faults", {"api": TOTAL, "errcode": -1})
    at(wx, fake_clock, NEXT_MORNING)
    # When it is asked twice / Then the first fails and the second answers
    assert wx.wechat(TOTAL, DAY)["errcode"] == -1
    assert wx.wechat(TOTAL, DAY) == {"list": []}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"media_id": "M1", "rate": 1.5}, 400),
        ({"media_id": "M1", "rate": -0.1}, 400),
        ({"media_id": "", "rate": 0.1}, 400),
        ({"rate": 0.1}, 400),
        ({"media_id": "M1", "rate": 0.1, "app_id": "wxffffffffffffffff"}, 404),
        ({"media_id": "M1", "rate": 0.1, "extra": 1}, 400),
        ({"media_id": "M1", "rate": True}, 400),
        ({"media_id": "M1", "rate": "0.1"}, 400),
    ],
    ids=[
        "above-1",
        "negative",
        "empty-media",
        "no-media",
        "unknown-app",
        "extra-field",
        "bool",
        "string",
    ],
)
def test_impossible_read_rates_are_refused(wx: World, body: dict[str, Any], status: int) -> None:
    resp = requests.post(f"{wx.url}/_sandbox/reads", json=body, timeout=5)
    assert resp.status_code == status, resp.text
    assert wx.control("GET", "reads")["reads"] == []


def test_seeded_rates_are_listed(wx: World) -> None:
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.12})
    wx.control("POST", "reads", {"media_id": "M2", "rate": 0.3, "app_id": SERVICE})
    assert wx.control("GET", "reads")["reads"] == [
        {"app_id": "*", "media_id": "M1", "rate": 0.12},
        {"app_id": SERVICE, "media_id": "M2", "rate": 0.3},
    ]
