"""`wxengage rules` and `wxengage recall sweep` against the template deployed into moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.support.callbacks import APP_ID, register, snapshot
from wxengage.settings import Settings
from wxengage_cli.main import cli

GOOD = {
    "name": "welcome-back",
    "lead_minutes": 30,
    "content": {"kind": "custom", "replies": [{"type": "text", "text": "hello again"}]},
}


def wx(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def rule_file(tmp_path: Path, data: dict[str, object], name: str = "rule.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_the_examples_are_valid_rules(stack: Settings) -> None:
    # Given an enterprise account
    register(stack)
    assert wx("accounts", "set", "--app-id", APP_ID, "--plan", "enterprise")[0] == 0
    # When every example rule is put
    for path in sorted((ROOT / "examples/rules").glob("*.yaml")):
        code, out = wx("rules", "put", "--app-id", APP_ID, "--file", str(path))
        # Then each is created
        assert code == 0 and "created" in out, out


def test_put_list_show_disable_enable_delete(stack: Settings, tmp_path: Path) -> None:
    # Given an account
    register(stack)
    path = rule_file(tmp_path, GOOD)
    # When a rule goes through its life
    steps = [
        wx("rules", "put", "--app-id", APP_ID, "--file", path),
        wx("rules", "put", "--app-id", APP_ID, "--file", path),
        wx("rules", "list", "--app-id", APP_ID),
        wx("rules", "show", "--app-id", APP_ID, "--name", "welcome-back", "--json"),
        wx("rules", "disable", "--app-id", APP_ID, "--name", "welcome-back"),
        wx("rules", "enable", "--app-id", APP_ID, "--name", "welcome-back"),
        wx("rules", "delete", "--app-id", APP_ID, "--name", "welcome-back", "--yes"),
        wx("rules", "list", "--app-id", APP_ID, "--json"),
    ]
    # Then each step says what it did
    assert [c for c, _ in steps] == [0] * 8
    assert "created" in steps[0][1] and "replaced" in steps[1][1]
    assert "welcome-back" in steps[2][1]
    assert json.loads(steps[3][1])["lead_minutes"] == 30
    assert json.loads(steps[7][1]) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lead_minutes": 5}, "lead_minutes"),
        ({"lead_minutes": 3000}, "lead_minutes"),
        ({"name": "has space"}, "name"),
        ({"holdout_percent": 101}, "holdout_percent"),
        ({"include_tags": [1], "exclude_tags": [1]}, "both included and excluded"),
        ({"content": {"kind": "custom", "replies": []}}, "replies"),
        (
            {
                "content": {
                    "kind": "custom",
                    "replies": [{"type": "news", "title": "t", "url": "not a url"}],
                }
            },
            "url",
        ),
        (
            {"content": {"kind": "custom", "replies": [{"type": "video", "media_id": "x"}]}},
            "replies",
        ),
        (
            {
                "content": {
                    "kind": "custom",
                    "replies": [
                        {
                            "type": "msgmenu",
                            "options": [{"id": "1", "content": "a"}, {"id": "1", "content": "b"}],
                        }
                    ],
                }
            },
            "unique",
        ),
        (
            {
                "content": {
                    "kind": "custom",
                    "replies": [
                        {
                            "type": "miniprogrampage",
                            "title": "t",
                            "appid": "nope",
                            "pagepath": "p",
                            "thumb_media_id": "m",
                        }
                    ],
                }
            },
            "appid",
        ),
        ({"content": {"kind": "default", "greeting": "hi"}}, "guide"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_rule_is_refused_precisely_and_writes_nothing(
    stack: Settings, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    # Given an account
    register(stack)
    before = snapshot(stack)
    # When a rule WeChat (or we) would reject is put
    code, out = wx("rules", "put", "--app-id", APP_ID, "--file", rule_file(tmp_path, GOOD | change))
    # Then it exits non-zero naming the field, and nothing is written
    assert code != 0 and message in out, out
    assert snapshot(stack) == before


def test_the_plan_caps_enabled_rules(stack: Settings, tmp_path: Path) -> None:
    # Given a professional account with one enabled rule
    register(stack)
    wx("rules", "put", "--app-id", APP_ID, "--file", rule_file(tmp_path, GOOD))
    second = GOOD | {"name": "second"}
    # When a second enabled rule is put, then a disabled one is put and enabled
    refused = wx(
        "rules", "put", "--app-id", APP_ID, "--file", rule_file(tmp_path, second, "b.yaml")
    )
    disabled = wx(
        "rules",
        "put",
        "--app-id",
        APP_ID,
        "--file",
        rule_file(tmp_path, second | {"enabled": False}, "c.yaml"),
    )
    enable = wx("rules", "enable", "--app-id", APP_ID, "--name", "second")
    # Then creating or enabling past the cap is refused with the reason; a disabled rule is fine
    assert refused[0] != 0 and "professional plan allows 1 enabled rule" in refused[1]
    assert disabled[0] == 0
    assert enable[0] != 0 and "welcome-back" in enable[1]


def test_stats_show_today_and_yesterday(stack: Settings) -> None:
    register(stack)
    wx("accounts", "set", "--app-id", APP_ID, "--timezone", "Asia/Shanghai")
    code, out = wx("rules", "stats", "--app-id", APP_ID, "--json")
    assert code == 0 and json.loads(out)["rows"] == []


def test_unknown_rule_and_account_fail_clearly(stack: Settings) -> None:
    register(stack)
    assert "no rule 'ghost'" in wx("rules", "show", "--app-id", APP_ID, "--name", "ghost")[1]
    assert (
        "no account"
        in wx(
            "rules",
            "put",
            "--app-id",
            "wxffffffffffffffff",
            "--file",
            str(ROOT / "examples/rules/default-reply.yaml"),
        )[1]
    )


def test_accounts_set_validates_and_changes_settings(stack: Settings) -> None:
    register(stack)
    ok = wx(
        "accounts",
        "set",
        "--app-id",
        APP_ID,
        "--quiet-hours",
        "22:00-08:00",
        "--cooldown-days",
        "3",
    )
    bad = wx("accounts", "set", "--app-id", APP_ID, "--quiet-hours", "25:00-08:00")
    assert ok[0] == 0 and json.loads(ok[1])["recall"]["cooldown_days"] == 3
    assert bad[0] != 0 and "quiet_hours" in bad[1]


def test_recall_sweep_reports_what_it_read(stack: Settings) -> None:
    register(stack)
    code, out = wx("recall", "sweep", "--app-id", APP_ID, "--json")
    assert code == 0 and json.loads(out)["rows_read"] == 0
