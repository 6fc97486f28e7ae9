"""`wxengage sandbox followers|sent|fail|faults|reset` against a running sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, SEND, Harness, running_sandbox
from wxengage_cli.main import cli


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        yield harness


def run(wx: Harness, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sandbox", "--sandbox-url", wx.url, *args])
    return result.exit_code, result.output


def test_followers_add_and_list_show_tags_and_windows(wx: Harness) -> None:
    # Given a follower added with two tags, and another who followed through the sandbox
    code, out = run(
        wx,
        "followers",
        "add",
        "--app-id",
        APP_ID,
        "--openid",
        "o-ann",
        "--tag",
        "2",
        "--tag",
        "100",
    )
    assert code == 0, out
    assert "o-ann" in out and "tags 2,100" in out and "no window" in out
    run(wx, "follow", "--app-id", APP_ID, "--openid", "o-bob")
    # When the followers are listed, as text and as JSON
    code, text = run(wx, "followers", "list", "--app-id", APP_ID)
    _, as_json = run(wx, "followers", "list", "--app-id", APP_ID, "--json")
    # Then both show, bob with the follow's window, and the tags reach WeChat's API
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0].startswith("o-ann  subscribed  tags 2,100  no window")
    assert lines[1].startswith("o-bob  subscribed  tags -  window open until 2026-11-22T10:01:00Z")
    assert "3 left" in lines[1]
    assert [f["tags"] for f in json.loads(as_json)] == [[2, 100], []]
    assert wx.wechat("/cgi-bin/tags/getidlist", {"openid": "o-ann"}) == {"tagid_list": [2, 100]}


def test_sent_prints_one_line_per_send(wx: Harness) -> None:
    # Given a follower who wrote, and the engine's answers to them
    wx.play("o-ann", "say", text="hello")
    wx.send_text("o-ann", "Thanks for\nwriting!")
    news = {"articles": [{"title": "Our news", "url": "https://x.test/a"}]}
    wx.wechat(SEND, {"touser": "o-ann", "msgtype": "news", "news": news})
    # When the sends are listed, as text and as JSON
    code, text = run(wx, "sent", "--app-id", APP_ID)
    _, as_json = run(wx, "sent", "--app-id", APP_ID, "--json")
    # Then each send is a line with its UTC time, openid, type and gist
    assert code == 0, text
    assert text.splitlines() == [
        "2026-11-22T10:00:00Z  o-ann  text  Thanks for writing!",
        "2026-11-22T10:00:00Z  o-ann  news  Our news https://x.test/a",
    ]
    assert [s["msgtype"] for s in json.loads(as_json)] == ["text", "news"]


def test_sent_says_so_when_nothing_was_sent(wx: Harness) -> None:
    code, out = run(wx, "sent", "--app-id", APP_ID)
    assert (code, out.strip()) == (0, f"nothing sent for {APP_ID} yet")


def test_fail_plans_faults_that_the_next_calls_suffer(wx: Harness) -> None:
    # Given a follower with an open window
    wx.play("o-ann", "say", text="hello")
    # When an errcode fault and an applied timeout are planned through the CLI
    code, out = run(wx, "fail", "--api", SEND, "--errcode", "45011", "--times", "2")
    assert (code, out.strip()) == (0, f"the next 2 calls of {SEND} answer errcode 45011")
    code, out = run(wx, "fail", "--api", SEND, "--timeout", "0.2", "--applied")
    assert (code, out.strip()) == (
        0,
        f"the next call of {SEND} answers after 0.2s (the call still takes effect)",
    )
    _, pending = run(wx, "faults")
    # Then both are pending, and the sends suffer them in order
    assert pending.splitlines() == [
        f"{SEND}  errcode 45011  x2",
        f"{SEND}  timeout 0.2s applied  x1",
    ]
    assert [wx.send_text("o-ann") for _ in range(4)] == [45011, 45011, 0, 0]
    assert run(wx, "faults")[1].strip() == "no faults pending"


@pytest.mark.parametrize(
    "args",
    [
        ("--api", SEND),
        ("--api", SEND, "--errcode", "1", "--timeout", "1"),
        ("--api", SEND, "--errcode", "1", "--applied"),
    ],
)
def test_fail_needs_exactly_one_kind_of_fault(wx: Harness, args: tuple[str, ...]) -> None:
    code, out = run(wx, "fail", *args)
    assert code == 2 and "--" in out


def test_a_refused_request_is_one_clear_line(wx: Harness) -> None:
    code, out = run(wx, "followers", "add", "--app-id", "wxffffffffffffffff", "--openid", "o-1")
    assert code == 1 and "sandbox refused: no account wxffffffffffffffff is registered" in out


def test_no_sandbox_is_reported_with_how_to_start_one() -> None:
    result = CliRunner().invoke(
        cli, ["sandbox", "--sandbox-url", "http://127.0.0.1:9", "sent", "--app-id", APP_ID]
    )
    assert result.exit_code == 1 and "wxengage local up" in result.output


def test_reset_forgets_the_sends(wx: Harness) -> None:
    wx.play("o-ann", "say", text="hello")
    wx.send_text("o-ann")
    code, out = run(wx, "reset")
    assert (code, out.strip()) == (0, "sandbox reset (all apps)")
    assert wx.control("GET", "sent") == []
