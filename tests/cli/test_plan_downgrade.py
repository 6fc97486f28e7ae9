"""Plan caps hold on downgrade: `accounts set --plan` refuses while too many rules are enabled."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from tests.support.callbacks import AES_KEY, APP_ID, APP_SECRET, TOKEN, register, snapshot
from wxengage.settings import Settings
from wxengage_cli.main import cli

RULE = {
    "lead_minutes": 30,
    "content": {"kind": "custom", "replies": [{"type": "text", "text": "hello again"}]},
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def enterprise_with_rules(stack: Settings, tmp_path: Path, names: list[str]) -> None:
    """An enterprise account with these rules, all enabled."""
    register(stack)
    assert run("accounts", "set", "--app-id", APP_ID, "--plan", "enterprise").exit_code == 0
    for name in names:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(RULE | {"name": name}))
        assert run("rules", "put", "--app-id", APP_ID, "--file", str(path)).exit_code == 0


def test_a_downgrade_with_three_enabled_rules_is_refused_naming_them(
    stack: Settings, tmp_path: Path
) -> None:
    # Given an enterprise account with three enabled rules
    enterprise_with_rules(stack, tmp_path, ["welcome", "vip", "lapsed"])
    before = snapshot(stack)
    # When it is set to the professional plan (one rule), with another change alongside
    result = run(
        "accounts", "set", "--app-id", APP_ID, "--plan", "professional", "--timezone", "UTC"
    )
    # Then it is refused in one line naming the enabled rules and what to do, exit 1
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (
        "Error: the professional plan allows 1 enabled rule; enabled now: lapsed, vip, "
        "welcome: disable 2 of them first (wxengage rules disable --name NAME); "
        "nothing was changed\n"
    )
    # And nothing changed: still enterprise in Asia/Shanghai, every rule still enabled
    assert snapshot(stack) == before
    shown = json.loads(run("accounts", "show", "--app-id", APP_ID, "--json").stdout)
    assert (shown["plan"], shown["timezone"]) == ("enterprise", "Asia/Shanghai")
    listed = json.loads(run("rules", "list", "--app-id", APP_ID, "--json").stdout)
    assert all(r["enabled"] for r in listed) and len(listed) == 3


def test_after_disabling_down_to_the_cap_the_downgrade_goes_through(
    stack: Settings, tmp_path: Path
) -> None:
    # Given an enterprise account with three enabled rules, two of them then disabled
    enterprise_with_rules(stack, tmp_path, ["welcome", "vip", "lapsed"])
    for name in ("vip", "lapsed"):
        assert run("rules", "disable", "--app-id", APP_ID, "--name", name).exit_code == 0
    # When it is set to the professional plan
    result = run("accounts", "set", "--app-id", APP_ID, "--plan", "professional")
    # Then it is professional now, and enabling a second rule is refused as before
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plan"] == "professional"
    enable = run("rules", "enable", "--app-id", APP_ID, "--name", "vip")
    assert enable.exit_code == 1 and "already enabled: welcome" in enable.stderr


def test_other_settings_change_freely_whatever_the_rules(stack: Settings, tmp_path: Path) -> None:
    # Given an enterprise account with three enabled rules
    enterprise_with_rules(stack, tmp_path, ["a", "b", "c"])
    # When a setting other than the plan changes, or the plan is set to what it is
    quiet = run("accounts", "set", "--app-id", APP_ID, "--quiet-hours", "22:00-08:00")
    same = run("accounts", "set", "--app-id", APP_ID, "--plan", "enterprise")
    # Then both go through
    assert (quiet.exit_code, same.exit_code) == (0, 0), quiet.output + same.output


def test_registering_again_on_a_smaller_plan_is_refused(stack: Settings, tmp_path: Path) -> None:
    # Given an enterprise account with two enabled rules
    enterprise_with_rules(stack, tmp_path, ["a", "b"])
    before = snapshot(stack)
    # When it is registered again (--replace) on the professional plan
    result = run(
        "accounts", "add", "--app-id", APP_ID, "--token", TOKEN, "--aes-key", AES_KEY,
        "--app-secret", APP_SECRET, "--plan", "professional", "--replace",
    )  # fmt: skip
    # Then it is refused the same way, and nothing changed
    assert result.exit_code == 1 and "enabled now: a, b: disable 1 of them first" in result.stderr
    assert snapshot(stack) == before
