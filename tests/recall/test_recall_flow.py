"""Recall end to end through the Lambdas on moto: plan, sweep, send once, skip with the right reason."""

from __future__ import annotations

import json

from tests.recall.conftest import H48, World
from tests.support.callbacks import APP_ID
from wxengage.accounts import Plan, QuietHours
from wxengage.store.accounts import AccountStore
from wxengage.store.rules import RuleStore
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError

LEAD = 30 * 60


def backdate_to_due(world: World) -> int:
    """A message time whose recall (lead 30 min) came due one minute ago."""
    return int(world.clock.now) - H48 + LEAD - 60


def test_a_due_recall_is_sent_once_across_two_sweeps(world: World) -> None:
    # Given a rule, and a follower whose window closes in 29 minutes
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    # When the sweep runs twice and the sender drains the queue each time
    first = world.sweep_and_send()
    second = world.sweep_and_send()
    # Then exactly one recall went out, read with exactly one index row
    assert len(world.wechat.to("o-a")) == 1
    assert (first["rows_read"], first["due"], first["queued"]) == (1, 1, 1)
    assert (second["rows_read"], second["queued"]) == (0, 0)
    assert world.recall("o-a") == ("sent", "")
    assert world.stats()["sent"] == 1 and world.stats()["pending"] == 1


def test_nothing_is_sent_before_it_is_due(world: World) -> None:
    # Given a follower who wrote an hour ago
    world.rule()
    world.say("o-a", at=int(world.clock.now) - 3600)
    # When the sweep runs now
    report = world.sweep_and_send()
    # Then nothing was read or sent; 46.5 hours later it goes out
    assert (report["rows_read"], len(world.wechat.sent)) == (0, 0)
    world.clock.advance(H48 - 3600 - LEAD)
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1


def test_only_windows_opened_after_the_rule_exists_count(world: World) -> None:
    # Given a follower who wrote before the rule was created
    world.say("o-early", at=backdate_to_due(world))
    world.rule(created_ago=0)
    # When the sweep runs
    world.sweep_and_send()
    # Then they are not recalled and nothing was planned
    assert world.wechat.sent == [] and world.stats()["pending"] == 0


def test_follow_and_click_windows_are_never_recalled(world: World) -> None:
    # Given a rule, and followers whose only windows came from a follow and a menu click
    world.rule()
    world.event("o-f", "subscribe", at=int(world.clock.now) - 60)
    world.event("o-c", "CLICK", at=int(world.clock.now) - 60, key="MENU")
    # When the sweep runs far into the future
    world.clock.advance(3 * 3600)
    world.sweep_and_send()
    # Then nothing was planned or sent
    assert world.wechat.sent == [] and world.stats()["pending"] == 0


def test_a_newer_message_replaces_the_pending_recall(world: World) -> None:
    # Given a follower whose recall is due now
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    # When they write again before the sweep
    world.say("o-a", at=int(world.clock.now))
    world.sweep_and_send()
    # Then nothing is sent now (the new window is fresh), the follower counts once as pending,
    # and one recall goes out near the new window's end
    assert world.wechat.sent == []
    assert world.stats()["pending"] == 1
    world.clock.advance(H48 - LEAD)
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1


def test_quiet_hours_pull_the_recall_earlier(world: World) -> None:
    # Given quiet hours 22:00-08:00 Shanghai and a window closing at 01:00 Shanghai (17:00 UTC)
    AccountStore(world.settings).update_settings(
        AccountStore(world.settings)
        .read_settings(APP_ID)
        .model_copy(update={"quiet_hours": QuietHours(start="22:00", end="08:00")})
    )
    world.rule()
    closes = 1_795_366_800  # 2026-11-22T17:00:00Z = 2026-11-23 01:00 in Shanghai
    world.say("o-a", at=closes - H48)
    # When the sweep runs at 21:58:30 and at 21:59:30 Shanghai, long before the natural 00:30
    world.clock.now = closes - 3 * 3600 - 90
    world.sweep_and_send()
    early = len(world.wechat.sent)
    world.clock.now = closes - 3 * 3600 - 30
    world.sweep_and_send()
    # Then it went out at 21:59, just before the quiet hours, and not a minute before
    assert (early, len(world.wechat.to("o-a"))) == (0, 1)


def test_unsubscribed_followers_are_skipped_as_left(world: World) -> None:
    world.rule()
    world.say("o-a", at=backdate_to_due(world) - 10)
    world.event("o-a", "unsubscribe", at=int(world.clock.now) - 30)
    world.sweep_and_send()
    assert world.wechat.sent == []
    assert world.recall("o-a") == ("skipped", "left")
    assert world.stats()["skipped_left"] == 1


def test_a_window_inside_the_safety_margin_is_skipped_as_window_closed(world: World) -> None:
    # Given a follower whose recall came due, but the sweep only runs 29 minutes later
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.clock.advance(28 * 60 + 30)  # 30 s before the window closes: inside the 2-minute margin
    world.sweep_and_send()
    assert world.wechat.sent == []
    assert world.recall("o-a") == ("skipped", "window_closed")


def test_the_audience_is_checked_with_fresh_tags(world: World) -> None:
    # Given a rule for tag 100 without tag 999
    world.rule(include_tags=[100], exclude_tags=[999])
    world.wechat.tags = {"o-vip": [100], "o-staff": [100, 999], "o-none": []}
    for openid in ("o-vip", "o-staff", "o-none"):
        world.say(openid, at=backdate_to_due(world))
    # When swept
    world.sweep_and_send()
    # Then only the VIP is recalled; the others are skipped as tag
    assert [m["touser"] for m in world.wechat.sent] == ["o-vip"]
    assert world.recall("o-staff") == ("skipped", "tag") and world.recall("o-none") == (
        "skipped",
        "tag",
    )


def test_two_rules_recall_a_follower_once_per_window(world: World) -> None:
    # Given an enterprise account with two rules that both come due
    settings = AccountStore(world.settings).read_settings(APP_ID)
    AccountStore(world.settings).update_settings(
        settings.model_copy(update={"plan": Plan.ENTERPRISE})
    )
    world.rule(name="r1")
    world.rule(name="r2", lead_minutes=31)
    world.say("o-a", at=backdate_to_due(world) + 60)
    # When swept
    world.sweep_and_send()
    # Then one recall went out and the other rule skipped it as already recalled
    assert len(world.wechat.to("o-a")) == 1
    outcomes = sorted([world.recall("o-a", "r1"), world.recall("o-a", "r2")])
    assert outcomes == [("sent", ""), ("skipped", "already_recalled")]


def test_the_cooldown_stops_a_recall_in_the_next_window(world: World) -> None:
    # Given a follower recalled once
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.sweep_and_send()
    # When they write again and that window also comes due (well within 7 days)
    world.say("o-a", at=int(world.clock.now) + 60)
    world.clock.advance(H48 - LEAD + 120)
    world.sweep_and_send()
    # Then the second recall is skipped for the cooldown
    assert len(world.wechat.to("o-a")) == 1
    assert world.recall("o-a") == ("skipped", "cooldown")


def test_the_reserve_keeps_messages_for_human_agents(world: World) -> None:
    # Given an account that keeps 4 of the 5 window messages for agents and allows 2 recalls
    settings = AccountStore(world.settings).read_settings(APP_ID)
    policy = settings.recall.model_copy(update={"reserve_messages": 4, "recalls_per_window": 2})
    AccountStore(world.settings).update_settings(
        settings.model_copy(update={"recall": policy, "plan": Plan.ENTERPRISE})
    )
    world.rule(name="r1")
    world.rule(name="r2", lead_minutes=31)
    world.say("o-a", at=backdate_to_due(world) + 60)
    # When both rules come due
    world.sweep_and_send()
    # Then the first took the one spare message and the second is skipped as quota
    assert len(world.wechat.to("o-a")) == 1
    assert sorted([world.recall("o-a", "r1")[1], world.recall("o-a", "r2")[1]]) == ["", "quota"]


def test_a_full_holdout_sends_nothing_and_counts_it(world: World) -> None:
    world.rule(holdout_percent=100)
    world.say("o-a", at=backdate_to_due(world))
    world.sweep_and_send()
    assert world.wechat.sent == [] and world.recall("o-a") == ("skipped", "holdout")


def test_disabled_and_deleted_rules_send_nothing(world: World) -> None:
    world.rule(name="r1")
    world.say("o-a", at=backdate_to_due(world))
    plan = AccountStore(world.settings).read_settings(APP_ID).plan
    RuleStore(world.settings).set_enabled(APP_ID, "r1", False, plan)
    world.sweep_and_send()
    assert world.wechat.sent == [] and world.recall("o-a") == ("skipped", "rule_disabled")


def test_window_closed_and_quota_answers_from_wechat_are_recorded_not_retried(world: World) -> None:
    # Given two due followers and WeChat answering 45015 then 45047
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.say("o-b", at=backdate_to_due(world))
    world.wechat.failures = [
        WeChatApiError(45015, "out of response count limit", "/cgi-bin/message/custom/send"),
        WeChatApiError(45047, "out of response count limit", "/cgi-bin/message/custom/send"),
    ]
    # When swept (twice, to give a retry every chance)
    world.sweep_and_send()
    world.sweep_and_send()
    # Then both are skipped with WeChat's reason and nothing was sent
    assert world.wechat.sent == []
    assert sorted([world.recall("o-a")[1], world.recall("o-b")[1]]) == ["quota", "window_closed"]


def test_system_busy_is_retried_and_sent_once(world: World) -> None:
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.wechat.failures = [WeChatApiError(-1, "system error", "/cgi-bin/message/custom/send")]
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1 and world.recall("o-a") == ("sent", "")


def test_a_timeout_after_delivery_is_never_resent(world: World) -> None:
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.wechat.failures = [
        WeChatTransportError("/cgi-bin/message/custom/send", maybe_delivered=True)
    ]
    world.sweep_and_send()
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1
    assert world.recall("o-a") == ("failed", "unknown_outcome") and world.stats()["failed"] == 1


def test_a_crash_between_claim_and_send_does_not_resend(world: World) -> None:
    # Given a sender that dies right when it calls WeChat (the message returns to the queue)
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.wechat.failures = [RuntimeError("the Lambda was killed")]
    # When the queue redelivers it
    world.sweep_and_send()
    world.deliver()
    # Then it is never sent: the claim made before the call stands
    assert world.wechat.sent == [] and world.recall("o-a")[0] == "claimed"


def test_a_reply_after_the_recall_counts_as_recalled_once(world: World) -> None:
    world.rule()
    world.say("o-a", at=backdate_to_due(world))
    world.sweep_and_send()
    world.clock.advance(120)
    world.say("o-a", content="yes please")
    world.say("o-a", content="and one more thing")
    assert world.stats()["recalled"] == 1


def test_the_sweep_catches_up_after_a_30_minute_outage(world: World) -> None:
    # Given a checkpoint, then followers coming due at different minutes of a 30-minute outage
    world.rule(lead_minutes=120)
    world.sweep()
    base = int(world.clock.now)
    for i in range(30):
        world.say(f"o-{i}", at=base - H48 + 120 * 60 + i * 60 + 1)
    world.clock.advance(30 * 60)
    # When the sweep comes back
    report = world.sweep_and_send()
    # Then every one of them is queued and sent, reading only those rows
    assert report["due"] == 30 and report["rows_read"] == 30 and report["minutes"] == 31
    assert len(world.wechat.sent) == 30


def test_random_pick_covers_every_custom_reply(world: World) -> None:
    # Given three custom replies
    replies = [
        {"type": "text", "text": "a"},
        {"type": "image", "media_id": "m1"},
        {"type": "news", "title": "t", "url": "https://example.com/x"},
    ]
    world.rule(content={"kind": "custom", "replies": replies})
    for i in range(40):
        world.say(f"o-{i}", at=backdate_to_due(world))
    world.sweep_and_send()
    assert {m["msgtype"] for m in world.wechat.sent} == {"text", "image", "news"}


def test_the_default_reply_links_its_keyword_and_the_webhook_answers_it(world: World) -> None:
    # Given a default-content rule
    world.rule(
        content={
            "kind": "default",
            "greeting": "Hi again",
            "guide": "See offers",
            "keyword": "offers",
            "keyword_reply": "20% off today",
        }
    )
    world.say("o-a", at=backdate_to_due(world))
    world.sweep_and_send()
    text = world.wechat.sent[0]["text"]["content"]
    assert text.startswith("Hi again\n") and "weixin://bizmsgmenu?msgmenucontent=offers" in text
    # When the follower taps the link (their message is the keyword)
    resp = world.say("o-a", content="offers")
    # Then the webhook answers with an encrypted passive reply
    assert "<Encrypt>" in resp["body"] and json.dumps(resp)
