"""`wxengage sandbox reads|masses|hold-reports` and `fail --drop` against a running sandbox."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from tests.conftest import FakeClock
from tests.sandbox.test_mass_send import FOLLOWERS, NEWS, SEND, SERVICE, World, running_world
from wxengage_cli.main import cli


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[World]:
    with running_world() as world:
        world.follow(SERVICE, *FOLLOWERS)
        yield world


def run(wx: World, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sandbox", "--sandbox-url", wx.url, *args])
    return result.exit_code, result.output


def test_reads_seeds_a_rate_for_every_account_or_one(wx: World) -> None:
    # When rates are seeded for every account and for one
    code, everywhere = run(wx, "reads", "--media-id", "M1", "--rate", "0.12")
    _, one = run(wx, "reads", "--media-id", "M2", "--rate", "0.5", "--app-id", SERVICE)
    # Then both are said plainly and the sandbox has them
    assert code == 0, everywhere
    assert (
        everywhere.strip() == "M1: 12.00% of the followers every account's sends reach will read it"
    )
    assert one.strip() == f"M2: 50.00% of the followers {SERVICE}'s sends reach will read it"
    assert [r["app_id"] for r in wx.control("GET", "reads")["reads"]] == ["*", SERVICE]


@pytest.mark.parametrize(
    "args",
    [
        ("--media-id", "M1", "--rate", "1.5"),
        ("--media-id", "M1"),
        ("--rate", "0.1"),
    ],
    ids=["rate-above-1", "no-rate", "no-media"],
)
def test_reads_refuses_what_cannot_be(wx: World, args: tuple[str, ...]) -> None:
    code, out = run(wx, "reads", *args)
    assert code == 2 and "--" in out
    assert wx.control("GET", "reads")["reads"] == []


def test_reads_for_an_unknown_account_is_one_clear_line(wx: World) -> None:
    code, out = run(
        wx, "reads", "--media-id", "M1", "--rate", "0.1", "--app-id", "wxffffffffffffffff"
    )
    assert code == 1 and "sandbox refused: no account wxffffffffffffffff is registered" in out


def test_masses_lists_jobs_as_a_table_and_as_json(wx: World) -> None:
    # Given a news job to 4 openids, one of them a stranger, and a text job
    news = wx.send(["o0", "o1", "o2", "x-1"], "camp-1-g0-b0", NEWS)
    wx.send(["o3", "o4"], None, {"msgtype": "text", "text": {"content": "Hello\nthere"}})
    wx.webhook.wait_for(reports=2)
    # When they are listed, as a table and as JSON (the sandbox marks a report delivered once
    # the webhook has answered it, a moment after the webhook saw it: a busy machine shows it)
    deadline = time.monotonic() + 10
    code, table = run(wx, "masses", "--app-id", SERVICE)
    while table.count("delivered") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        code, table = run(wx, "masses", "--app-id", SERVICE)
    _, as_json = run(wx, "masses", "--app-id", SERVICE, "--json")
    # Then each job is a line with its counts, status and report; JSON has the recipients
    assert code == 0, table
    header, first, second = table.splitlines()
    assert header.split() == [
        "MSG_ID",
        "CLIENTMSGID",
        "TYPE",
        "CONTENT",
        "TOTAL",
        "SENT",
        "FILTERED",
        "STATUS",
        "REPORT",
        "SUBMITTED",
    ]
    *fields, submitted = first.split()
    assert fields == [
        str(news["msg_id"]),
        "camp-1-g0-b0",
        "mpnews",
        "M1",
        "4",
        "3",
        "1",
        "SEND_SUCCESS",
        "delivered",
    ]
    # (the sandbox stamps its own clock, which may tick a second on a busy machine)
    assert submitted.startswith("2026-11-22T10:00:0") and submitted.endswith("Z"), submitted
    assert second.split()[1:5] == ["-", "text", "Hello", "there"]
    jobs = json.loads(as_json)
    assert [j["delivered"] for j in jobs] == [["o0", "o1", "o2"], ["o3", "o4"]]


def test_masses_says_so_when_there_are_none(wx: World) -> None:
    assert run(wx, "masses", "--app-id", SERVICE) == (0, f"no mass jobs for {SERVICE}\n")


def test_hold_reports_holds_then_releases_late(wx: World) -> None:
    # Given reports held with jobs left SENDING
    code, out = run(wx, "hold-reports", "--keep-sending")
    assert (code, out.strip()) == (
        0,
        "MASSSENDJOBFINISH held back from now: jobs stay SENDING, mass/get tells",
    )
    answer = wx.send(["o0", "o1"], "c-1")
    assert wx.status(answer["msg_id"]) == "SENDING"
    # When the hold is lifted with the held reports released
    code, out = run(wx, "hold-reports", "--off", "--release")
    # Then the report arrives, late
    assert (code, out.strip()) == (0, "MASSSENDJOBFINISH resumed; 1 held report(s) sent late")
    wx.webhook.wait_for(reports=1)
    assert wx.status(answer["msg_id"]) == "SEND_SUCCESS"


@pytest.mark.parametrize(
    "args", [("--release",), ("--off", "--keep-sending")], ids=["release-on", "keep-off"]
)
def test_hold_reports_refuses_contradictions(wx: World, args: tuple[str, ...]) -> None:
    code, out = run(wx, "hold-reports", *args)
    assert code == 2 and "--" in out


def test_fail_drop_loses_the_answer_of_an_applied_send(wx: World) -> None:
    # When a dropped-but-applied mass send is planned through the CLI
    code, out = run(wx, "fail", "--api", SEND, "--drop", "--applied")
    assert (code, out.strip()) == (
        0,
        f"the next call of {SEND} gets no answer at all (the call still takes effect)",
    )
    assert run(wx, "faults")[1].strip() == f"{SEND}  drop applied  x1"
    # Then the send is made but its caller hears nothing
    with pytest.raises(requests.ConnectionError):
        wx.send(["o0", "o1"], "c-1")
    assert len(wx.masses()) == 1


@pytest.mark.parametrize(
    "args",
    [("--drop", "--errcode", "1"), ("--drop", "--timeout", "1"), ("--errcode", "1", "--applied")],
    ids=["drop-and-errcode", "drop-and-timeout", "applied-errcode"],
)
def test_fail_takes_one_kind_of_fault(wx: World, args: tuple[str, ...]) -> None:
    code, out = run(wx, "fail", "--api", SEND, *args)
    assert code == 2 and "--" in out
    assert wx.control("GET", "faults") == []
