"""Known-tag audiences, the holdout's lift and leaving mid-window, end to end on moto."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from tests.recall.conftest import H48, World
from tests.support.callbacks import APP_ID
from wxengage.store.aws import client
from wxengage.store.dynamo import expression_values, key
from wxengage_cli.main import cli

LEAD = 30 * 60


def backdate_to_due(world: World) -> int:
    """A message time whose recall (lead 30 min) came due one minute ago."""
    return int(world.clock.now) - H48 + LEAD - 60


def sync_tags(world: World, openid: str, tags: list[int]) -> None:
    """What the tag sync writes: only these two attributes of the follower item."""
    client("dynamodb").update_item(
        TableName=world.settings.followers_table,
        Key=key(app_id=APP_ID, openid=openid),
        UpdateExpression="SET tag_ids = :t, tags_synced_at = :s",
        ExpressionAttributeValues=expression_values(t=tags, s="2026-11-22T09:00:00Z"),
    )


def wx(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_tag_rule_with_five_writers_one_tagged_is_pending_one(world: World) -> None:
    # Given a rule for tag 100, and five followers whose tags the sync has read; one has tag 100
    world.rule(include_tags=[100])
    world.wechat.tags = {"o-0": [100]}
    for n in range(5):
        sync_tags(world, f"o-{n}", [100] if n == 0 else [5])
    # When all five write, and the recall comes due
    for n in range(5):
        world.say(f"o-{n}", at=backdate_to_due(world))
    pending = world.stats()["pending"]
    world.sweep_and_send()
    # Then one is pending, one is sent, and nobody is left to skip by tag
    assert pending == 1
    assert [m["touser"] for m in world.wechat.sent] == ["o-0"]
    assert world.stats() == {"pending": 1, "sent": 1, "failed": 0, "recalled": 0}


def test_the_lift_counts_what_the_followers_really_did(world: World) -> None:
    # Given a rule holding out half of its followers, and ten followers due
    world.rule(holdout_percent=50)
    openids = [f"o-{n}" for n in range(10)]
    for openid in openids:
        world.say(openid, at=backdate_to_due(world))
    world.sweep_and_send()
    # When the even-numbered ones write back two minutes later, inside their window
    world.clock.advance(120)
    answered = openids[::2]
    for openid in answered:
        world.say(openid, content="tell me more")
    # Then the stats match what WeChat received and what the followers did
    sent = {m["touser"] for m in world.wechat.sent}
    held = set(openids) - sent
    assert sent and held, "a 50 % holdout of ten should split them"
    stats = world.stats()
    assert stats["sent"] == len(sent) and stats["skipped_holdout"] == len(held)
    assert stats["recalled"] == len(sent & set(answered))
    assert stats.get("recalled_holdout", 0) == len(held & set(answered))
    # And `rules stats` reports both rates, the lift and its interval, per day and in total
    report = json.loads(wx("rules", "stats", "--app-id", APP_ID, "--json"))
    rows: list[dict[str, Any]] = report["lift"]["rows"]
    today, total = rows[0], rows[-1]
    assert "Newcombe" in report["lift"]["method"] and total["day"] == "total"
    rate_sent = len(sent & set(answered)) / len(sent)
    rate_held = len(held & set(answered)) / len(held)
    for row in (today, total):
        assert (row["sent"], row["held_out"]) == (len(sent), len(held))
        assert (row["rate_sent"], row["rate_held_out"]) == (rate_sent, rate_held)
        assert abs(row["lift"] - (rate_sent - rate_held)) < 1e-12
        assert row["low"] < row["lift"] < row["high"] or row["lift"] in (row["low"], row["high"])
    text = wx("rules", "stats", "--app-id", APP_ID)
    assert "lift: recall rate of sent vs held out" in text and "95% CI" in text
    csv_header = wx("rules", "stats", "--app-id", APP_ID, "--csv").splitlines()[0].split(",")
    assert {"held_out", "recalled_holdout", "lift", "lift_low", "lift_high"} <= set(csv_header)


def test_leaving_after_a_recall_then_coming_back_and_writing_is_not_recalled(
    world: World,
) -> None:
    # Given a follower who was recalled
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1
    # When they unsubscribe, follow again and write, before that window would have closed
    world.clock.advance(60)
    world.event("o-a", "unsubscribe")
    world.clock.advance(60)
    world.event("o-a", "subscribe")
    world.clock.advance(60)
    world.say("o-a", content="hello again")
    # Then they do not count as recalled (the message opened a new window instead)
    assert world.stats()["recalled"] == 0


def test_followers_show_lists_pending_recalls_due_in_the_accounts_zone(world: World) -> None:
    # Given a rule with a 30-minute lead, and a follower who writes now (10:00Z, 18:00 +08:00)
    world.rule()
    world.say("o-a")
    # When the operator looks at the follower
    text = wx("followers", "show", "--app-id", APP_ID, "--openid", "o-a")
    view = json.loads(wx("followers", "show", "--app-id", APP_ID, "--openid", "o-a", "--json"))
    # Then the recall is listed, due 30 minutes before the window closes, in the account's zone
    assert "r1: due 2026-11-24 17:30 +08:00 (pending)" in text
    assert "tag_ids              never synced" in text
    [recall] = view["pending_recalls"]
    assert (recall["rule"], recall["status"], recall["due_at"], recall["due_at_local"]) == (
        "r1",
        "pending",
        "2026-11-24T09:30:00Z",
        "2026-11-24 17:30 +08:00",
    )
    # And once it is sent, nothing is pending any more
    world.clock.advance(H48 - LEAD + 60)
    world.sweep_and_send()
    after = json.loads(wx("followers", "show", "--app-id", APP_ID, "--openid", "o-a", "--json"))
    assert after["pending_recalls"] == [] and after["last_recall_rule"] == "r1"
