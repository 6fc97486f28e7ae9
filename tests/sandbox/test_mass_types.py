"""The sandbox's mass send by account type, history, and the account's daily and per-minute calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import FakeClock
from tests.sandbox.test_mass_send import FOLLOWERS, SERVICE, SUBSCRIPTION, World, running_world

BEIJING_MIDNIGHT = 1_795_363_200  # 2026-11-23T00:00+08:00; the fixture's clock is 18:00 there


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[World]:
    with running_world() as world:
        world.follow(SERVICE, *FOLLOWERS, tags=[100])
        world.follow(SUBSCRIPTION, "n0", "n1", "n2", tags=[100])
        yield world


def test_mass_send_is_for_service_accounts_only(wx: World) -> None:
    # When a subscription account sends to an openid list
    answer = wx.send(["n0", "n1"], "s-1", app_id=SUBSCRIPTION)
    # Then WeChat says the API is not authorised for it, and nothing is sent
    assert (answer["errcode"], answer["errmsg"]) == (48001, "api unauthorized")
    assert wx.masses(SUBSCRIPTION) == []
    # And sendall by tag works for it
    assert wx.sendall("s-2", app_id=SUBSCRIPTION, tag=100)["errcode"] == 0
    assert wx.masses(SUBSCRIPTION)[0]["delivered"] == ["n0", "n1", "n2"]


def test_only_sendall_to_all_lands_in_the_history(wx: World) -> None:
    wx.send(["o0", "o1"], "h-1")
    wx.sendall("h-2", tag=100)
    wx.sendall("h-3")
    jobs = {j["clientmsgid"]: (j["target"], j["in_history"]) for j in wx.masses(SERVICE)}
    assert jobs == {
        "h-1": ("openids", False),
        "h-2": ("tag:100", False),
        "h-3": ("all", True),
    }


def test_a_service_account_has_4_history_sends_a_month(wx: World, fake_clock: FakeClock) -> None:
    # Given a service account that sent to all four times this month (a day apart)
    for n in range(4):
        assert wx.sendall(f"a-{n}")["errcode"] == 0
        fake_clock.advance(86_400)
        wx.forget_tokens()
    # When it sends to all a fifth time, and by tag
    fifth = wx.sendall("a-5")
    tagged = wx.sendall("t-1", tag=100)
    # Then the fifth is refused (no mass-send quota), the tag send is not a history send
    assert fifth["errcode"] == 45028
    assert tagged["errcode"] == 0


def test_mass_calls_are_capped_per_day_in_beijing_time(wx: World, fake_clock: FakeClock) -> None:
    # Given an account allowed 3 mass calls a day
    wx.sandbox.mass.limits[SERVICE] = (3, 60)
    # When it makes 4 calls this evening, then one after midnight Beijing time
    answers = [wx.send(["o0", "o1"], f"d-{n}")["errcode"] for n in range(3)]
    fourth = wx.sendall("d-4")
    fake_clock.now = BEIJING_MIDNIGHT
    wx.forget_tokens()
    tomorrow = wx.send(["o2", "o3"], "d-5")
    # Then the fourth is refused with 45009 and sends nothing; the next day starts afresh
    assert answers == [0, 0, 0]
    assert (fourth["errcode"], fourth["errmsg"]) == (45009, "reach max api daily quota limit")
    assert tomorrow["errcode"] == 0
    assert [j["clientmsgid"] for j in wx.masses(SERVICE)] == ["d-0", "d-1", "d-2", "d-5"]


def test_mass_calls_are_capped_per_minute(wx: World, fake_clock: FakeClock) -> None:
    # Given an account allowed 2 mass calls a minute (WeChat: 60)
    wx.sandbox.mass.limits[SERVICE] = (100, 2)
    fake_clock.now = BEIJING_MIDNIGHT - 3600  # on a minute's start
    wx.forget_tokens()
    first = [wx.send(["o0", "o1"], f"m-{n}")["errcode"] for n in range(3)]
    fake_clock.advance(60)
    later = wx.send(["o0", "o1"], "m-2")["errcode"]
    assert first == [0, 0, 45011]
    assert later == 0
