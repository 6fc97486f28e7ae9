"""A rule's identity, edits that re-plan, and changes that apply at once (issue 11 points 1-3)."""

from __future__ import annotations

import json
from typing import Any

from tests.recall.conftest import H48, World
from tests.support.callbacks import APP_ID
from wxengage.accounts import AccountSettings, QuietHours
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.wiring.rules import RuleChanges

LEAD = 30 * 60


def rule(name: str = "r1", text: str = "We miss you", **fields: Any) -> RecallRule:
    data = {
        "name": name,
        "lead_minutes": 30,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": text}]},
    }
    return RecallRule.model_validate(data | fields)


def due_at(world: World, openid: str, name: str = "r1") -> int:
    found = RecallStore(world.settings).get(APP_ID, f"{openid}#{world.rule_key(name)}")
    assert found is not None
    return found[0].due_at


def texts(world: World, openid: str) -> list[str]:
    return [m["text"]["content"] for m in world.wechat.to(openid)]


def test_a_deleted_rule_cancels_its_recalls_and_a_recreated_one_starts_empty(world: World) -> None:
    # Given rule d and a follower who wrote an hour ago (pending, due in 46.5 hours)
    world.rule(name="d")
    world.say("o-a", at=int(world.clock.now) - 3600)
    today = local_day(int(world.clock.now), "Asia/Shanghai")
    # When d is deleted and put again with other text
    change = RuleChanges(world.settings).delete(APP_ID, "d")
    RuleChanges(world.settings).put_rule(APP_ID, rule("d", text="brand new"))
    # Then the pending recall was cancelled and counted under the deleted rule
    assert change.cancelled == 1
    [gone] = RuleStore(world.settings).deleted(APP_ID)
    found = RecallStore(world.settings).get(APP_ID, f"o-a#{gone.stats_key}")
    assert found is not None and found[1]["status"]["S"] == "skipped"
    assert found[1]["outcome"]["S"] == "rule_deleted"
    old_stats = StatsStore(world.settings).day(APP_ID, gone.stats_key, today)
    assert (old_stats["pending"], old_stats["skipped_rule_deleted"]) == (1, 1)
    # And the new d has its own id and empty stats
    new = RuleStore(world.settings).get(APP_ID, "d")
    assert new.rule_id != gone.rule_id and world.stats("d")["pending"] == 0
    # And when the old recall's time comes, the follower receives nothing
    world.clock.advance(H48 - 3600 - LEAD + 60)
    world.sweep_and_send()
    assert world.wechat.sent == []
    # While a follower who writes under the new d gets the new text
    world.say("o-b")
    world.clock.advance(H48 - LEAD + 60)
    world.sweep_and_send()
    assert texts(world, "o-b") == ["brand new"]
    # And the deleted rule stays readable by its id
    assert RuleStore(world.settings).by_id(APP_ID, gone.rule_id).deleted_at is not None


def test_a_longer_lead_moves_pending_recalls_earlier_and_the_next_sweep_sends(
    world: World,
) -> None:
    # Given a lead of 30 minutes and a follower who wrote an hour ago
    world.rule()
    world.say("o-a", at=int(world.clock.now) - 3600)
    # When the lead becomes 2850 minutes (due 30 minutes after the message: already due)
    change = RuleChanges(world.settings).put_rule(APP_ID, rule(lead_minutes=2850))
    # Then the pending recall was re-planned, and the next sweep sends it
    replan = change.replans["r1"]
    assert (replan.pending, replan.moved, replan.earlier, replan.now_due) == (1, 1, 1, 1)
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1 and world.recall("o-a") == ("sent", "")


def test_a_shorter_lead_moves_pending_recalls_later(world: World) -> None:
    # Given a lead of 60 minutes and a follower who wrote an hour ago
    world.rule(lead_minutes=60)
    opened = int(world.clock.now) - 3600
    world.say("o-a", at=opened)
    # When the lead becomes 10 minutes
    change = RuleChanges(world.settings).put_rule(APP_ID, rule(lead_minutes=10))
    # Then the recall is due 10 minutes before the window closes, and not sent at the old time
    assert change.replans["r1"].later == 1
    assert due_at(world, "o-a") == opened + H48 - 600
    world.clock.advance(H48 - 3600 - 3600 + 60)
    world.sweep_and_send()
    assert world.wechat.sent == []
    world.clock.advance(3600 - 600)
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1


def test_new_account_quiet_hours_re_plan_the_rules_that_use_them(world: World) -> None:
    # Given a follower pending under a rule without its own quiet hours
    world.rule()
    world.say("o-a", at=int(world.clock.now) - 3600)
    before_due = due_at(world, "o-a")
    store = AccountStore(world.settings)
    before = store.read_settings(APP_ID)
    # When the account's quiet hours come to cover the due time (an hour either side)
    local = before_due + 8 * 3600  # Asia/Shanghai is UTC+8, no DST
    start, end = (local - 3600) % 86400 // 60, (local + 3600) % 86400 // 60
    quiet = QuietHours(
        start=f"{start // 60:02d}:{start % 60:02d}", end=f"{end // 60:02d}:{end % 60:02d}"
    )
    after = AccountSettings.model_validate(before.model_dump() | {"quiet_hours": quiet})
    store.update_settings(after)
    change = RuleChanges(world.settings).settings_changed(before, after)
    # Then the recall moved to one minute before the quiet hours start
    assert change.replans["r1"].earlier == 1
    assert due_at(world, "o-a") == before_due - 3600 - 60


def test_a_rule_put_between_two_messages_counts_the_second(world: World) -> None:
    # Given a warm webhook that has read the account's rules (none) for a first follower
    world.say("o-early")
    # When a rule is put, and a second follower writes a second later
    world.rule(created_ago=0)
    world.clock.advance(1)
    world.say("o-a")
    # Then the second follower is pending at once (not a minute later)
    assert world.stats()["pending"] == 1 and world.recall("o-a") == ("pending", "")


def test_new_settings_reach_the_warm_webhook_at_once(world: World) -> None:
    # Given a warm webhook and a rule
    world.rule()
    world.say("o-early")
    store = AccountStore(world.settings)
    before = store.read_settings(APP_ID)
    # When quiet hours covering the whole day but one minute are set
    now = int(world.clock.now)
    quiet = QuietHours(start="00:00", end="23:59")
    store.update_settings(
        AccountSettings.model_validate(before.model_dump() | {"quiet_hours": quiet})
    )
    world.say("o-a", at=now)
    # Then the follower's recall is planned under them (pulled out of the quiet hours)
    closes = now + H48
    assert due_at(world, "o-a") != closes - LEAD


def test_a_queued_recall_whose_lead_got_shorter_waits_for_its_new_time(world: World) -> None:
    # Given a due follower whose recall the sweep has queued
    world.rule()
    world.say("o-a", at=int(world.clock.now) - H48 + LEAD - 60)
    world.sweep()
    # When the lead becomes 10 minutes before the sender runs
    RuleChanges(world.settings).put_rule(APP_ID, rule(lead_minutes=10))
    world.deliver()
    # Then nothing is sent yet; it is pending again and goes out at its new time
    assert world.wechat.sent == [] and world.recall("o-a") == ("pending", "")
    world.clock.advance(LEAD - 600)
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1


def test_a_rule_stored_before_ids_existed_keeps_working(world: World) -> None:
    # Given a rule item as the store wrote it before ids (no rule_id attribute, no stamp)
    now = int(world.clock.now)
    client("dynamodb").put_item(
        TableName=world.settings.rules_table,
        Item={
            "app_id": {"S": APP_ID},
            "name": {"S": "老规则"},
            "rule": {"S": json.dumps(rule("老规则").model_dump(mode="json"))},
            "enabled": {"BOOL": True},
            "created_at": {"N": str(now - 3 * 86400)},
            "updated_at": {"N": str(now - 3 * 86400)},
        },
    )
    # When a follower writes and the recall comes due
    world.say("o-a", at=now - H48 + LEAD - 60)
    world.sweep_and_send()
    # Then it is planned, sent and counted under the name, as before ids
    assert len(world.wechat.to("o-a")) == 1
    assert RecallStore(world.settings).get(APP_ID, "o-a#老规则") is not None
    today = local_day(now, "Asia/Shanghai")
    assert StatsStore(world.settings).day(APP_ID, "老规则", today)["sent"] == 1
    # And it can be edited and deleted like any rule, its history kept
    RuleChanges(world.settings).put_rule(APP_ID, rule("老规则", lead_minutes=60))
    gone = RuleChanges(world.settings).delete(APP_ID, "老规则").stored
    assert gone is not None and gone.stats_key == "老规则"
