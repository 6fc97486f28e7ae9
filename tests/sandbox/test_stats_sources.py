"""The sandbox's maintained statistics endpoint, its empty legacy mode, and datacube outages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from tests.conftest import FakeClock
from tests.sandbox.test_mass_send import FOLLOWERS, NEWS, SERVICE, World, running_world
from tests.sandbox.test_mass_stats import DAY, NEXT_MORNING, TOTAL, at
from wxengage_cli.main import cli
from wxengage_local.sandbox.stats import Legacy

DETAIL = "/datacube/getarticletotaldetail"


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[World]:
    with running_world() as world:
        world.follow(SERVICE, *FOLLOWERS)
        yield world


def test_getarticletotaldetail_lists_the_days_news_with_cumulative_readers(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given news sent to 5 followers on the 22nd, read at 40%
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    sent = wx.send(FOLLOWERS, "n-1", NEWS)
    # When the maintained endpoint is asked for the 22nd the evening itself and next morning
    same_day = wx.wechat(DETAIL, DAY)
    at(wx, fake_clock, NEXT_MORNING)
    answer = wx.wechat(DETAIL, DAY)
    # Then the day is not over that evening (61501); next morning the article is listed under
    # its msg_data_id with one cumulative detail for the 22nd: 2 readers
    assert same_day["errcode"] == 61501
    assert answer["is_delay"] is False
    (row,) = answer["list"]
    assert (row["ref_date"], row["msgid"]) == ("2026-11-22", f"{sent['msg_data_id']}_1")
    assert [(d["stat_date"], d["read_user"]) for d in row["detail_list"]] == [("2026-11-22", 2)]


def test_the_legacy_endpoint_answers_empty_when_told_while_the_maintained_one_answers(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given read news and the legacy endpoint set to answer as it has been seen to
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    wx.send(FOLLOWERS, "n-1", NEWS)
    wx.control("POST", "stats", {"legacy": "empty"})
    # When both are asked for the day next morning
    at(wx, fake_clock, NEXT_MORNING)
    legacy, maintained = wx.wechat(TOTAL, DAY), wx.wechat(DETAIL, DAY)
    # Then getarticletotal says {"list": []} with no errcode; getarticletotaldetail has the reads
    assert legacy == {"list": []}
    assert maintained["list"][0]["detail_list"][0]["read_user"] == 2
    # And set back to served, the legacy endpoint answers again
    wx.control("POST", "stats", {"legacy": "served"})
    assert wx.wechat(TOTAL, DAY)["list"]


def test_a_datacube_fault_answers_its_errcode_then_the_endpoint_recovers(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given two -1 faults planned on the maintained endpoint
    wx.send(FOLLOWERS, "n-1", NEWS)
    wx.control("POST", "faults", {"api": DETAIL, "errcode": -1, "times": 2})
    at(wx, fake_clock, NEXT_MORNING)
    # When it is called three times
    answers = [wx.wechat(DETAIL, DAY) for _ in range(3)]
    # Then the first two answer -1 and the third the figures
    assert [a.get("errcode") for a in answers[:2]] == [-1, -1]
    assert len(answers[2]["list"]) == 1


def test_the_cli_switches_the_legacy_endpoint_and_refuses_an_unknown_mode(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given read news of the 22nd
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    wx.send(FOLLOWERS, "n-1", NEWS)
    at(wx, fake_clock, NEXT_MORNING)
    # When the operator sets the legacy endpoint empty for this account, then tries a bad mode
    result = CliRunner().invoke(
        cli, ["sandbox", "--sandbox-url", wx.url, "legacy-stats", "empty", "--app-id", SERVICE]
    )
    bad = CliRunner().invoke(cli, ["sandbox", "--sandbox-url", wx.url, "legacy-stats", "gone"])
    # Then it says so and getarticletotal answers empty; the bad mode is refused by click
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"getarticletotal now answers {SERVICE}'s statistics: empty"
    assert wx.wechat(TOTAL, DAY) == {"list": []}
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_the_control_endpoint_refuses_a_bad_mode_and_changes_nothing(wx: World) -> None:
    resp = requests.post(f"{wx.url}/_sandbox/stats", json={"legacy": "off"}, timeout=5)
    assert resp.status_code == 400
    assert wx.sandbox.reads.legacy(SERVICE) is Legacy.SERVED
