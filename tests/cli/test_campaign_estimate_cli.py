"""`wxengage campaign estimate`: the console designer's estimate, printed from a campaign file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import FakeClock
from tests.console.designer import NEWCOMER, VIP, ab_spec, follower, synced
from tests.support.callbacks import APP_ID, register
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.main import cli


def test_the_estimate_is_printed_per_group_variant_and_overlap(
    stack: Settings, fake_clock: FakeClock, tmp_path: Path
) -> None:
    # Given 5 followers whose tags were synced, of 20 on WeChat: o1 会员, o2 会员 and 新客, o3 新客,
    # o4 o5 no tag (WeChat counts 8 under 会员, 6 under 新客)
    register(stack)
    synced(stack, followers_total=20)
    for openid, tags in [
        ("o1", (VIP,)),
        ("o2", (VIP, NEWCOMER)),
        ("o3", (NEWCOMER,)),
        ("o4", ()),
        ("o5", ()),
    ]:
        follower(stack, openid, tags)
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(ab_spec(), ensure_ascii=False), encoding="utf-8")
    args = ["campaign", "estimate", "--app-id", APP_ID, "--file", str(path)]
    # When estimated from the CLI
    text = CliRunner().invoke(cli, args, catch_exceptions=False)
    as_json = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    # Then x4: 会员 o1 o2 -> 8; 新客 o3 -> 4 (o2 went to 会员: 4 removed); the rest o4 o5 -> 8
    # (the 3 others took -> 12; at most 20 less 会员's 8); A组 and B组 floor(0.2 x 8) = 1 each,
    # the winner 6; times in the account's zone
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert "scaled to WeChat's total: 5 counted of 20 followers" in lines[0]
    assert "tags synced 2026-11-22 17:59" in lines[1]
    assert lines[2].split() == [
        "GROUP",
        "KIND",
        "ESTIMATED",
        "UPPER",
        "BOUND",
        "OVERLAP",
        "REMOVED",
    ]
    assert lines[3].split() == ["会员", "tags", "8", "8", "0"]
    assert lines[4].split() == ["会员/A组", "20%", "1"]
    assert lines[6].split() == ["会员/winner", "rest", "6"]
    assert lines[7].split() == ["新客", "tags", "4", "6", "4"]
    assert lines[8].split() == ["其他", "remaining", "8", "12", "12"]
    assert lines[9] == "overlap 会员 and 新客: 4 followers"
    assert len(lines) == 10  # nothing create or start would refuse
    body = json.loads(as_json.stdout)
    assert [g["estimated"] for g in body["groups"]] == [8, 4, 8]
    # And nothing was written
    assert CampaignStore(stack).all(APP_ID) == []
