"""A POSTed callback: refused before anything is written, or applied once and answered."""

from __future__ import annotations

import pytest

from tests.support.callbacks import APP_ID, OPENID, event_xml, sealed, text_xml
from tests.unit.webhook.conftest import NOW, PLAIN_APP_ID, World
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.webhook.errors import (
    BodyTooLarge,
    FutureCreateTime,
    InProgress,
    PlaintextInSafeMode,
    StaleTimestamp,
    UnknownApp,
)
from wxengage.wechat.errors import InvalidSignatureError
from wxengage.wechat.signature import verify_msg_signature
from wxengage.wechat.xml import parse_xml
from wxengage.windows import FollowerState

KEYWORD_RULE = {
    "name": "guide",
    "lead_minutes": 30,
    "content": {
        "kind": "default",
        "greeting": "Anything else?",
        "guide": "Show me offers",
        "keyword": "more offers",
        "keyword_reply": "This week: 20% off.",
    },
}


def stored(data: dict[str, object], created_at: int = NOW - 86400) -> StoredRule:
    return StoredRule(
        rule=RecallRule.model_validate(data), created_at=created_at, updated_at=created_at
    )


def nothing_written(world: World) -> bool:
    return not (world.followers.states or world.mass_jobs.results or world.idempotency.records)


def test_a_text_message_opens_the_window_and_is_answered_success(world: World) -> None:
    # Given a safe-mode callback: a follower's text message
    body, query = sealed(world.safe, text_xml(create_time=NOW - 5), NOW)
    # When it is received
    answer = world.receiver().receive(APP_ID, query, body)
    # Then WeChat gets "success" and the follower's 48-hour window is open
    assert answer.body == "success"
    state = world.followers.states[(APP_ID, OPENID)]
    assert state.window_opened_at == NOW - 5
    assert state.window_closes_at == NOW - 5 + 48 * 3600


def test_a_body_over_the_limit_is_refused_unread(world: World) -> None:
    # Given a body one byte over the deployment's limit (not even a valid callback)
    world.max_body_bytes = 1024
    _, query = sealed(world.plain, text_xml(create_time=NOW), NOW)
    # When it is received / Then it is too large, and nothing is written
    with pytest.raises(BodyTooLarge) as refused:
        world.receiver().receive(PLAIN_APP_ID, query, b"x" * 1025)
    assert refused.value.reason == "too_large"
    assert nothing_written(world)


def test_a_callback_for_an_unknown_app_is_refused(world: World) -> None:
    # Given a callback sealed correctly, posted to an app_id nobody registered
    body, query = sealed(world.safe, text_xml(create_time=NOW), NOW)
    # When it is received / Then the app is unknown and nothing is written
    with pytest.raises(UnknownApp):
        world.receiver().receive("wxffffffffffffffff", query, body)
    assert nothing_written(world)


def test_a_stale_callback_is_refused(world: World) -> None:
    # Given a callback signed ten minutes ago
    body, query = sealed(world.safe, text_xml(create_time=NOW - 600), NOW - 600)
    # When it is received / Then it is stale and nothing is written
    with pytest.raises(StaleTimestamp):
        world.receiver().receive(APP_ID, query, body)
    assert nothing_written(world)


def test_a_forged_signature_is_refused_before_parsing(world: World) -> None:
    # Given a plaintext callback whose query signature is wrong
    body, query = sealed(world.plain, text_xml(create_time=NOW), NOW)
    # When it is received / Then the protocol refuses it as unsigned
    with pytest.raises(InvalidSignatureError):
        world.receiver().receive(PLAIN_APP_ID, query | {"signature": "0" * 40}, body)
    assert nothing_written(world)


def test_plaintext_to_a_safe_mode_account_is_refused(world: World) -> None:
    # Given a correctly signed but unencrypted callback to a safe-mode account
    body, query = sealed(world.plain, text_xml(create_time=NOW), NOW)
    # When it is received / Then it is refused and nothing is written
    with pytest.raises(PlaintextInSafeMode) as refused:
        world.receiver().receive(APP_ID, query, body)
    assert refused.value.reason == "plaintext_in_safe_mode"
    assert nothing_written(world)


def test_a_create_time_far_in_the_future_is_refused(world: World) -> None:
    # Given a plaintext callback (only the query is signed) claiming CreateTime a day ahead
    body, query = sealed(world.plain, text_xml(create_time=NOW + 86400), NOW)
    # When it is received / Then it is refused: it would hold a window open for ever
    with pytest.raises(FutureCreateTime) as refused:
        world.receiver().receive(PLAIN_APP_ID, query, body)
    assert refused.value.reason == "bad_callback"
    assert nothing_written(world)


def test_a_create_time_within_five_minutes_ahead_is_accepted(world: World) -> None:
    # Given WeChat's clock slightly ahead of ours
    body, query = sealed(world.plain, text_xml(create_time=NOW + 300), NOW)
    # When it is received / Then it is applied
    assert world.receiver().receive(PLAIN_APP_ID, query, body).body == "success"
    assert world.followers.writes == 1


def test_a_retried_callback_is_applied_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one callback delivered three times (WeChat's retries)
    body, query = sealed(world.safe, text_xml(create_time=NOW - 5, msg_id=77), NOW)
    receiver = world.receiver()
    # When each delivery is received
    answers = [receiver.receive(APP_ID, query, body).body for _ in range(3)]
    # Then every delivery is answered, the follower written once, and two counted duplicates
    assert answers == ["success"] * 3
    assert world.followers.writes == 1
    assert len(world.idempotency.records) == 1
    assert capsys.readouterr().out.count('"CallbacksDuplicate":[1.0]') == 2


def test_a_retry_while_the_first_delivery_is_being_applied_is_in_progress(world: World) -> None:
    # Given a callback whose retry arrives while its first delivery is still writing
    body, query = sealed(world.safe, text_xml(create_time=NOW - 5, msg_id=78), NOW)
    receiver = world.receiver()
    refusals: list[Exception] = []

    def retry() -> None:
        world.followers.during_update = None
        try:
            receiver.receive(APP_ID, query, body)
        except InProgress as err:
            refusals.append(err)

    world.followers.during_update = retry
    # When the first delivery is received
    assert receiver.receive(APP_ID, query, body).body == "success"
    # Then the retry was told to come back later, and the callback was applied once
    assert [type(e) for e in refusals] == [InProgress]
    assert refusals[0].reason == "in_progress"  # type: ignore[attr-defined]
    assert world.followers.writes == 1


def test_a_failed_apply_leaves_no_record_so_the_retry_applies_it(world: World) -> None:
    # Given a follower store that fails once
    body, query = sealed(world.safe, text_xml(create_time=NOW - 5, msg_id=79), NOW)
    receiver = world.receiver()

    def fail() -> None:
        world.followers.during_update = None
        raise ConnectionError("DynamoDB unreachable")

    world.followers.during_update = fail
    # When the first delivery fails and WeChat retries
    with pytest.raises(ConnectionError):
        receiver.receive(APP_ID, query, body)
    receiver.receive(APP_ID, query, body)
    # Then the retry applied it
    assert world.followers.writes == 1


def test_a_message_that_opens_a_window_plans_a_recall_counted_pending_once(world: World) -> None:
    # Given a recall rule made yesterday
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    receiver = world.receiver()
    # When a follower's message opens a window, and a later message opens a newer one
    for msg_id, at in ((1, NOW - 60), (2, NOW - 30)):
        body, query = sealed(world.safe, text_xml(create_time=at, msg_id=msg_id), NOW)
        receiver.receive(APP_ID, query, body)
    # Then one recall is pending, due 30 minutes before the newer window closes
    [recall] = world.recalls.pending.values()
    assert recall.due_at == NOW - 30 + 48 * 3600 - 30 * 60
    # And the follower is counted pending once: a re-plan is not a new recall
    assert world.stats.counts == {(APP_ID, "guide", "2026-11-22", "pending"): 1}


def test_a_late_older_message_plans_nothing(world: World) -> None:
    # Given a rule, and a follower whose window a message opened ten seconds ago
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    receiver = world.receiver()
    body, query = sealed(world.safe, text_xml(create_time=NOW - 10, msg_id=1), NOW)
    receiver.receive(APP_ID, query, body)
    planned = dict(world.recalls.pending)
    # When an older message arrives late
    body, query = sealed(world.safe, text_xml(create_time=NOW - 50, msg_id=2), NOW)
    receiver.receive(APP_ID, query, body)
    # Then the plan is unchanged
    assert world.recalls.pending == planned


def test_a_rule_made_after_the_window_opened_plans_nothing(world: World) -> None:
    # Given a rule created after the message's CreateTime
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE, created_at=NOW)]
    body, query = sealed(world.safe, text_xml(create_time=NOW - 60), NOW)
    # When the message is received / Then no recall is planned
    world.receiver().receive(APP_ID, query, body)
    assert world.recalls.pending == {}


@pytest.mark.parametrize("event", ["subscribe", "CLICK", "SCAN"])
def test_a_message_in_the_same_second_as_an_event_plans_its_recall(
    world: World, event: str
) -> None:
    # Given a rule, and a follower whose follow, click or scan opened a one-minute window
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    receiver = world.receiver()
    body, query = sealed(world.safe, event_xml(event, create_time=NOW - 5), NOW)
    receiver.receive(APP_ID, query, body)
    # When a message arrives in that same second
    body, query = sealed(world.safe, text_xml(create_time=NOW - 5, msg_id=7), NOW)
    receiver.receive(APP_ID, query, body)
    # Then the 48-hour window it opened plans its recall, counted pending once
    [recall] = world.recalls.pending.values()
    assert recall.due_at == NOW - 5 + 48 * 3600 - 30 * 60
    assert world.stats.counts == {(APP_ID, "guide", "2026-11-22", "pending"): 1}


def test_a_second_message_in_the_same_second_plans_nothing_new(world: World) -> None:
    # Given a rule, and a message that opened a window
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    receiver = world.receiver()
    for msg_id in (1, 2):
        # When another message (another MsgId) comes in the same second
        body, query = sealed(world.safe, text_xml(create_time=NOW - 5, msg_id=msg_id), NOW)
        receiver.receive(APP_ID, query, body)
    # Then the follower is still counted pending once
    assert world.stats.counts == {(APP_ID, "guide", "2026-11-22", "pending"): 1}


def test_an_event_window_plans_no_recall(world: World) -> None:
    # Given a rule, and a follower who only subscribes
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    body, query = sealed(world.safe, event_xml("subscribe", create_time=NOW - 5), NOW)
    # When the event is received / Then a one-minute window opens and nothing is planned
    world.receiver().receive(APP_ID, query, body)
    assert world.followers.states[(APP_ID, OPENID)].window_closes_at == NOW - 5 + 60
    assert world.recalls.pending == {}


def test_an_answered_recall_is_counted_once(world: World) -> None:
    # Given a follower who got a recall an hour ago, in a window that is still open
    world.followers.put(
        FollowerState(
            app_id=APP_ID,
            openid=OPENID,
            last_recall_at=NOW - 3600,
            last_recall_closes_at=NOW + 3600,
            last_recall_rule="guide",
            last_recall_day="2026-11-22",
            version=3,
        )
    )
    receiver = world.receiver()
    # When they answer twice
    for msg_id, at in ((5, NOW - 20), (6, NOW - 10)):
        body, query = sealed(world.safe, text_xml(create_time=at, msg_id=msg_id), NOW)
        receiver.receive(APP_ID, query, body)
    # Then the recall is counted as recalled once, on the day it counts under
    assert world.stats.counts[(APP_ID, "guide", "2026-11-22", "recalled")] == 1
    assert world.followers.states[(APP_ID, OPENID)].recall_converted


def test_the_keyword_gets_the_rules_reply_encrypted_for_a_safe_mode_account(
    world: World,
) -> None:
    # Given a default-content rule whose guide link sends "more offers"
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    body, query = sealed(world.safe, text_xml(create_time=NOW, content="more offers"), NOW)
    # When the follower taps it
    answer = world.receiver().receive(APP_ID, query, body)
    # Then the answer is the keyword reply to the follower, encrypted and signed as WeChat expects
    assert answer.content_type.startswith("application/xml")
    outer = parse_xml(answer.body.encode())
    verify_msg_signature(
        world.safe.token,
        outer["TimeStamp"],
        outer["Nonce"],
        outer["Encrypt"],
        outer["MsgSignature"],
    )
    inner = parse_xml(world.safe.crypto.decrypt(outer["Encrypt"]))
    assert inner["ToUserName"] == OPENID
    assert inner["Content"] == "This week: 20% off."


def test_other_text_or_a_disabled_rule_gets_no_reply(world: World) -> None:
    # Given the keyword rule, and the same rule disabled on the plaintext account
    world.rules.rules[APP_ID] = [stored(KEYWORD_RULE)]
    world.rules.rules[PLAIN_APP_ID] = [stored(KEYWORD_RULE | {"enabled": False})]
    receiver = world.receiver()
    # When another text arrives, and the keyword reaches the disabled rule
    other = sealed(world.safe, text_xml(create_time=NOW, content="more offers!"), NOW)
    disabled = sealed(world.plain, text_xml(create_time=NOW, content="more offers"), NOW)
    # Then both are answered "success" only
    assert receiver.receive(APP_ID, other[1], other[0]).body == "success"
    assert receiver.receive(PLAIN_APP_ID, disabled[1], disabled[0]).body == "success"
