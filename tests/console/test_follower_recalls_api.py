"""The console's follower view: recalls received (rule by name, answered, holdout) and recalls to
come, read as `wxengage followers show` reads them."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.console.conftest import Call, claims
from tests.support.callbacks import APP_ID
from wxengage.accounts import AccountSettings, Plan
from wxengage.recall.planning import plan_recalls
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction
from wxengage_cli.main import cli

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
BASE = f"/console/api/accounts/{APP_ID}"
OPENID = "o-follower-1"


def rule(name: str, lead: int) -> dict[str, object]:
    return {
        "name": name,
        "lead_minutes": lead,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "好久不见"}]},
    }


def wrote(stack: Settings, at: int) -> FollowerState:
    """The follower wrote at `at`; their recalls are planned as the webhook plans them."""
    state, _ = FollowerStore(stack).update(
        APP_ID,
        OPENID,
        lambda s: apply_interaction(s, Interaction(kind=InteractionKind.MESSAGE, at=at)),
    )
    account: AccountSettings = AccountStore(stack).read_settings(APP_ID)
    for recall in plan_recalls(account, RuleStore(stack).all(APP_ID), state):
        RecallStore(stack).put_pending(recall)
    return state


def marked(stack: Settings, **marks: object) -> None:
    FollowerStore(stack).update(
        APP_ID, OPENID, lambda s: FollowerState.model_validate(s.model_dump() | marks)
    )


def test_pending_recalls_show_by_rule_name_soonest_first(console: Call, stack: Settings) -> None:
    # Given an enterprise account (three rules), two rules in Chinese and a follower who wrote
    accounts = AccountStore(stack)
    settings = accounts.read_settings(APP_ID)
    accounts.update_settings(
        settings.model_validate(settings.model_dump() | {"plan": Plan.ENTERPRISE})
    )
    for name, lead in (("48小时召回", 30), ("提前两小时", 120)):
        assert console("PUT", f"{BASE}/rules", claims("operator"), rule(name, lead)).status in (
            200,
            201,
        )
    wrote(stack, NOW)
    closes = NOW + 48 * 3600
    # When a viewer looks the follower up
    found = console("GET", f"{BASE}/followers/{OPENID}", claims("viewer"))
    # Then both recalls still to come show with their rule's name and due time, soonest first
    assert found.status == 200, found.text
    pending = found.json()["pending_recalls"]
    assert [(p["rule"], p["due_at"], p["status"]) for p in pending] == [
        ("提前两小时", closes - 120 * 60, "pending"),
        ("48小时召回", closes - 30 * 60, "pending"),
    ]
    assert all(p["window_closes_at"] == closes and not p["in_quiet_hours"] for p in pending)
    assert pending[0]["rule_id"] == RuleStore(stack).get(APP_ID, "提前两小时").rule_id


def test_a_follower_without_recalls_to_come_has_an_empty_list(
    console: Call, stack: Settings
) -> None:
    # Given a follower who wrote but no rule exists
    wrote(stack, NOW)
    # When a viewer looks them up
    body = console("GET", f"{BASE}/followers/{OPENID}", claims("viewer")).json()
    # Then nothing is to come and no recall was received
    assert body["pending_recalls"] == []
    assert body["last_recall_rule"] is None and body["recall_answered"] is False
    assert body["held_out_rule"] is None and body["holdout_answered"] is False


def test_the_last_recall_answered_and_the_holdout_mark(console: Call, stack: Settings) -> None:
    # Given a rule, a recall it sent that the follower answered, and a later holdout of it
    console("PUT", f"{BASE}/rules", claims("operator"), rule("48小时召回", 30))
    key = RuleStore(stack).get(APP_ID, "48小时召回").stats_key
    wrote(stack, NOW)
    marked(
        stack,
        last_recall_at=NOW - 600,
        last_recall_rule=key,
        recall_converted=True,
        holdout_at=NOW - 60,
        holdout_rule=key,
        holdout_converted=False,
    )
    # When a viewer looks the follower up
    body = console("GET", f"{BASE}/followers/{OPENID}", claims("viewer")).json()
    # Then the recall reads by name, answered; the holdout by name, not answered; ids kept
    assert (body["last_recall_rule"], body["last_recall_rule_id"]) == ("48小时召回", key)
    assert body["last_recall_at"] == NOW - 600 and body["recall_answered"] is True
    assert (body["held_out_rule"], body["held_out_rule_id"]) == ("48小时召回", key)
    assert body["held_out_at"] == NOW - 60 and body["holdout_answered"] is False


def test_the_console_and_followers_show_read_the_same(console: Call, stack: Settings) -> None:
    # Given a rule, a follower with a recall to come and an answered recall
    console("PUT", f"{BASE}/rules", claims("operator"), rule("48小时召回", 30))
    key = RuleStore(stack).get(APP_ID, "48小时召回").stats_key
    wrote(stack, NOW)
    marked(stack, last_recall_at=NOW - 600, last_recall_rule=key, recall_converted=True)
    # When the console and `wxengage followers show --json` are read
    body = console("GET", f"{BASE}/followers/{OPENID}", claims("viewer")).json()
    result = CliRunner().invoke(
        cli,
        ["followers", "show", "--app-id", APP_ID, "--openid", OPENID, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    # Then they agree on the window, the recall received and the recalls to come
    assert body["messages_left"] == shown["messages_left"]
    assert body["last_recall_rule"] == shown["last_recall_rule"] == "48小时召回"
    assert body["recall_answered"] == shown["recalled"] is True
    assert [p["due_at"] for p in body["pending_recalls"]] == [
        _epoch(p["due_at"]) for p in shown["pending_recalls"]
    ]
    assert len(body["pending_recalls"]) == 1


def _epoch(iso_z: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso_z.replace("Z", "+00:00")).timestamp())
