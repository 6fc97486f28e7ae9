"""WeChat refusing a recall: the follower loses nothing, configuration errors hold the account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.recall.fakes import APP_ID, H48, NOW, due
from tests.unit.recall.test_sender import SEND, World, api_error
from wxengage import clock
from wxengage.recall.outcomes import Delivery, StatKey
from wxengage.recall.planning import RecallStatus, SkipReason
from wxengage.recall.refusals import PROBE_AFTER_SECONDS, Reaction, react
from wxengage.recall.sender import Held, Outcome, RetryLater
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, categorize
from wxengage.windows import Interaction, InteractionKind, apply_interaction

WECHAT_MD = Path("/work/shared/WECHAT.md")
CONFIGURATION = [40164, 48001, 48004, 40013, 40125, 89503, 89506, 89507]


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    clock.set_source(lambda: NOW)
    yield
    clock.set_source(None)


@pytest.fixture
def world() -> World:
    return World()


def unchanged(world: World) -> bool:
    """The follower's state is what it was before the sender touched it."""
    return world.state().model_dump(exclude={"version"}) == world.follower.model_dump(
        exclude={"version"}
    )


# Refused for good: failed, and nothing taken from the follower


@pytest.mark.parametrize("errcode", [45009, 40003, 40007, 43019, 12345])
def test_a_definite_refusal_fails_and_gives_the_follower_their_message_back(
    world: World, errcode: int
) -> None:
    # Given WeChat refuses the send for good (daily quota, bad openid, mpnews media_id, ...)
    world.wechat.failures = [api_error(errcode)]
    # When the sender delivers the recall
    outcome = world.deliver()
    # Then it failed with the errcode, once, and is never resent
    assert outcome == Outcome(Delivery.FAILED, f"errcode {errcode}")
    assert world.row() == (RecallStatus.FAILED, f"errcode {errcode}")
    assert world.stats.of() == {StatKey.FAILED: 1}
    assert world.deliver().status is Delivery.DUPLICATE and world.wechat.sent == []
    # And the follower keeps their window message and carries no recall mark (no cooldown)
    assert unchanged(world) and world.state().last_recall_at is None


@pytest.mark.parametrize(
    ("errcode", "reason"),
    [(45015, SkipReason.WINDOW_CLOSED), (45047, SkipReason.QUOTA), (43004, SkipReason.LEFT)],
)
def test_a_follower_side_refusal_takes_nothing_from_the_follower(
    world: World, errcode: int, reason: SkipReason
) -> None:
    # Given WeChat refuses the send for a reason on the follower's side
    world.wechat.failures = [api_error(errcode)]
    # When the sender delivers the recall
    # Then it is skipped with that reason, and the follower's state is as before
    assert world.deliver() == Outcome(Delivery.SKIPPED, reason)
    assert unchanged(world)


def test_a_reply_after_a_refused_recall_is_not_recalled_and_the_next_window_is(
    world: World,
) -> None:
    # Given a recall WeChat refused with 45009 (the repro, lead 2880 aside)
    world.wechat.failures = [api_error(45009)]
    assert world.deliver().status is Delivery.FAILED
    # When the follower writes again (a new window)
    later = NOW + 60
    replied = apply_interaction(world.state(), Interaction(kind=InteractionKind.MESSAGE, at=later))
    # Then the reply does not count the refused recall as recalled
    assert replied.recall_converted is False
    world.followers.put(replied)
    # And the new window's recall is not stopped by a cooldown: it is sent
    clock.set_source(lambda: later + H48 - 29 * 60)
    recall = due(replied)
    world.recalls.plan(recall)
    assert world.deliver(recall) == Outcome(Delivery.SENT)
    totals = {key[3]: n for key, n in world.stats.counts.items()}
    assert totals == {StatKey.FAILED: 1, StatKey.SENT: 1}


# Not now: pending again, the queue retries


@pytest.mark.parametrize("errcode", [89501, 89502, 89504, 89505])
def test_awaiting_the_admins_confirmation_is_retried_later(world: World, errcode: int) -> None:
    # Given WeChat says the administrator has yet to confirm
    world.wechat.failures = [api_error(errcode)]
    # When the sender delivers the recall / Then it is to be retried, nothing recorded or taken
    with pytest.raises(RetryLater):
        world.deliver()
    assert world.row() == (RecallStatus.PENDING, "") and unchanged(world)
    assert world.stats.of() == {} and world.recalls.hold(APP_ID) is None


# Configuration: the account's recall sends are held, nobody is burnt


@pytest.mark.parametrize("errcode", CONFIGURATION)
def test_a_configuration_error_holds_the_accounts_sends_and_burns_nobody(
    world: World, errcode: int
) -> None:
    # Given WeChat refuses for a reason only a person can fix
    world.wechat.failures = [api_error(errcode)]
    # When the sender delivers the recall
    with pytest.raises(Held) as held:
        world.deliver()
    # Then the recall is pending again, uncounted, and the follower keeps everything
    assert world.row() == (RecallStatus.PENDING, "") and world.stats.of() == {}
    assert unchanged(world)
    # And the account is held with WeChat's reason, for as long as WeChat says
    hold = world.recalls.hold(APP_ID)
    assert hold is not None and hold == held.value.hold
    seconds = {89506: 24 * 3600, 89507: 3600}.get(errcode, PROBE_AFTER_SECONDS)
    assert (hold.errcode, hold.since, hold.until) == (errcode, NOW, NOW + seconds)
    assert f"errcode {errcode}" in hold.reason and hold.active(NOW)


def test_a_held_account_sends_nothing_until_the_hold_ends_then_probes_and_lifts_it(
    world: World,
) -> None:
    # Given the account held by a 40164 (IP whitelist)
    world.wechat.failures = [api_error(40164)]
    with pytest.raises(Held):
        world.deliver()
    # When the recall comes back while the hold lasts
    with pytest.raises(Held):
        world.deliver()
    # Then WeChat is not called (its one scripted failure was the only call) and it waits
    assert world.wechat.sent == [] and world.row() == (RecallStatus.PENDING, "")
    # When the hold has run out (the whitelist fixed) and the recall comes back
    clock.set_source(lambda: NOW + PROBE_AFTER_SECONDS)
    world.set_policy(safety_margin_minutes=0)
    outcome = world.deliver()
    # Then the probe is sent and lifts the hold
    assert outcome == Outcome(Delivery.SENT) and len(world.wechat.sent) == 1
    assert world.recalls.hold(APP_ID) is None


def test_a_probe_refused_again_renews_the_hold_from_its_first_refusal(world: World) -> None:
    # Given a hold that ran out, and WeChat still refusing
    world.wechat.failures = [api_error(48001), api_error(48001)]
    with pytest.raises(Held):
        world.deliver()
    later = NOW + PROBE_AFTER_SECONDS
    clock.set_source(lambda: later)
    world.set_policy(safety_margin_minutes=0)
    # When the next recall probes
    with pytest.raises(Held):
        world.deliver()
    # Then the hold goes on, still dated from the first refusal
    hold = world.recalls.hold(APP_ID)
    assert hold is not None and (hold.since, hold.until) == (NOW, later + PROBE_AFTER_SECONDS)


def test_a_configuration_error_at_the_tag_lookup_holds_before_any_claim(world: World) -> None:
    # Given a rule with an audience, and WeChat refusing the tag lookup (token: bad AppSecret)
    world.set_rule(include_tags=[7])

    def refuse(openid: str) -> list[int]:
        raise WeChatApiError(40125, "invalid appsecret", "/cgi-bin/stable_token")

    world.wechat.tag_ids_of = refuse  # type: ignore[method-assign]
    # When the sender delivers the recall / Then the account is held, the recall pending
    with pytest.raises(Held):
        world.deliver()
    assert world.row() == (RecallStatus.PENDING, "") and unchanged(world)
    assert world.wechat.sent == [] and world.stats.of() == {}


# The table behind it


def test_every_errcode_wechat_md_section_11_names_has_a_rule() -> None:
    # Given every errcode in WECHAT.md section 11 (the shared platform notes)
    if not WECHAT_MD.exists():
        pytest.skip("WECHAT.md is not on this machine")
    section = WECHAT_MD.read_text().split("## 11.")[1]
    codes = {int(c) for c in re.findall(r"(?<![\d.])-?\d{5}(?!\d)|(?<=\| )-1(?= \|)", section)}
    # Then none of them is unknown to the client, and the recall sender reacts to each
    assert codes >= {89501, 89502, 89503, 89506, 89507, 40007, 48001, 40164}
    assert {c for c in codes if categorize(c) is ErrorCategory.UNKNOWN} == set()


@pytest.mark.parametrize(
    ("errcode", "reaction"),
    [
        (45015, Reaction.SKIP),
        (45009, Reaction.FAIL),
        (40003, Reaction.FAIL),
        (40007, Reaction.FAIL),
        (-1, Reaction.RETRY),
        (45011, Reaction.RETRY),
        (40001, Reaction.RETRY),
        (89501, Reaction.RETRY),
        (89502, Reaction.RETRY),
        *((code, Reaction.HOLD) for code in CONFIGURATION),
    ],
)
def test_each_refusal_has_one_reaction(errcode: int, reaction: Reaction) -> None:
    assert react(errcode).reaction is reaction


def test_wechats_40007_says_what_to_send_instead() -> None:
    # Given WeChat refusing customer-service mpnews with a media_id
    err = WeChatApiError(40007, "invalid media_id", SEND)
    # Then the error points to mpnewsarticle and article_id
    assert "mpnewsarticle" in str(err) and "article_id" in str(err)
