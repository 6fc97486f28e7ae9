"""`rules put/enable/disable/delete` and `accounts set` say from when a change applies and what
it did to pending recalls; a deleted rule stays readable by id."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from tests.conftest import FakeClock
from tests.support.callbacks import APP_ID, register
from wxengage.recall.planning import plan_recalls
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.windows import Interaction, InteractionKind, apply_interaction
from wxengage_cli.main import cli

RULE = {
    "name": "回访",
    "lead_minutes": 30,
    "content": {"kind": "custom", "replies": [{"type": "text", "text": "hello again"}]},
}
# The fake clock: 2026-11-22T10:00:00Z, 18:00 in Asia/Shanghai (the account's zone).
NOW_LOCAL = "2026-11-22 18:00 +08:00"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def put(tmp_path: Path, **fields: object) -> str:
    path = tmp_path / "rule.yaml"
    path.write_text(yaml.safe_dump(RULE | fields, allow_unicode=True))
    return ok("rules", "put", "--app-id", APP_ID, "--file", str(path))


def pending_follower(stack: Settings, openid: str, at: int) -> None:
    """A follower who wrote at `at`, planned as the webhook plans them."""
    state, _ = FollowerStore(stack).update(
        APP_ID,
        openid,
        lambda s: apply_interaction(s, Interaction(kind=InteractionKind.MESSAGE, at=at)),
    )
    account = AccountStore(stack).read_settings(APP_ID)
    for recall in plan_recalls(account, RuleStore(stack).all(APP_ID), state):
        RecallStore(stack).put_pending(recall)


def test_each_change_says_from_when_it_applies_in_the_accounts_zone(
    stack: Settings, fake_clock: FakeClock, tmp_path: Path
) -> None:
    # Given an account in Asia/Shanghai
    register(stack)
    # When a rule is put, disabled, enabled
    outs = [
        put(tmp_path),
        ok("rules", "disable", "--app-id", APP_ID, "--name", "回访"),
        ok("rules", "enable", "--app-id", APP_ID, "--name", "回访"),
    ]
    # Then each says it applies from now, in the account's zone
    for out in outs:
        assert f"applies from {NOW_LOCAL}" in out, out


def test_a_lead_edit_says_how_many_pending_recalls_moved(
    stack: Settings, fake_clock: FakeClock, tmp_path: Path
) -> None:
    # Given a rule created a day ago and two followers who wrote an hour ago
    register(stack)
    fake_clock.now -= 86400
    put(tmp_path)
    fake_clock.now += 86400
    for openid in ("o-a", "o-b"):
        pending_follower(stack, openid, int(fake_clock.now) - 3600)
    # When the lead becomes 2850 minutes (due 30 minutes after each message: already)
    out = put(tmp_path, lead_minutes=2850)
    # Then it says both moved earlier and go out with the next sweep, at 18:01 local
    assert "re-planned 回访: 2 of 2 pending recall(s) moved (2 earlier, 0 later)" in out, out
    assert "2 due already go out with the next sweep (from 2026-11-22 18:01 +08:00)" in out


def test_delete_cancels_and_the_deleted_rule_stays_readable_by_id(
    stack: Settings, fake_clock: FakeClock, tmp_path: Path
) -> None:
    # Given a rule with one pending follower
    register(stack)
    fake_clock.now -= 86400
    put(tmp_path)
    fake_clock.now += 86400
    pending_follower(stack, "o-a", int(fake_clock.now) - 3600)
    rule_id = json.loads(ok("rules", "list", "--app-id", APP_ID, "--json"))[0]["rule_id"]
    # When it is deleted
    out = ok("rules", "delete", "--app-id", APP_ID, "--name", "回访", "--yes")
    # Then the pending recall was cancelled, and the rule is gone from the live list
    assert f"rule 回访 deleted (id {rule_id}); 1 pending recall(s) cancelled" in out, out
    assert f"applies from {NOW_LOCAL}" in out
    assert json.loads(ok("rules", "list", "--app-id", APP_ID, "--json")) == []
    # And it is listed with --include-deleted, shown by id, and its stats read
    listed = ok("rules", "list", "--app-id", APP_ID, "--include-deleted")
    assert "deleted" in listed and rule_id in listed
    shown = json.loads(ok("rules", "show", "--app-id", APP_ID, "--id", rule_id, "--json"))
    assert shown["name"] == "回访" and shown["deleted_at_local"] == NOW_LOCAL
    stats = json.loads(ok("rules", "stats", "--app-id", APP_ID, "--include-deleted", "--json"))
    [today] = [r for r in stats["rows"] if r["rule_id"] == rule_id and r["when"] == "today"]
    assert today["rule"] == f"回访[deleted {rule_id}]"
    assert today["skipped"].get("rule_deleted") == 1
    # And deleting it again says there is no such rule, changing nothing
    again = run("rules", "delete", "--app-id", APP_ID, "--name", "回访", "--yes")
    assert again.exit_code != 0 and len(RuleStore(stack).deleted(APP_ID)) == 1


def test_accounts_set_says_from_when_and_re_plans(
    stack: Settings, fake_clock: FakeClock, tmp_path: Path
) -> None:
    # Given a rule with a pending follower whose recall is due in 46.5 hours
    register(stack)
    fake_clock.now -= 86400
    put(tmp_path)
    fake_clock.now += 86400
    pending_follower(stack, "o-a", int(fake_clock.now) - 3600)
    # When the account's zone changes with quiet hours in it
    out = json.loads(ok("accounts", "set", "--app-id", APP_ID, "--quiet-hours", "00:00-23:59"))
    # Then the JSON says from when it applies and what moved
    assert out["applies_at_local"] == NOW_LOCAL and out["quiet_hours"]["end"] == "23:59"
    assert out["replanned"]["回访"]["moved"] == 1
