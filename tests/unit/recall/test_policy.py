"""The sender's rules on their own: window, courtesy, holdout, check order, reserve and undo."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.recall.fakes import APP_ID, H48, NOW, OPENID, H, due, left, rule, settings, wrote
from wxengage.accounts import RecallPolicy
from wxengage.recall.planning import PendingRecall, SkipReason
from wxengage.recall.policy import (
    RecallMark,
    courtesy_reason,
    first_reason,
    in_holdout,
    reserve,
    unreserve,
    window_reason,
)
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction

DEFAULT = RecallPolicy()
# A follower who wrote so that their window closes 29 minutes from NOW.
WROTE = NOW - H48 + 29 * 60


def with_fields(state: FollowerState, **fields: Any) -> FollowerState:
    """A test's starting state: `state` with some fields set (validated, not copied)."""
    return FollowerState.model_validate(state.model_dump() | fields)


def recalled(
    state: FollowerState, ago: int, window: int | None = None, n: int = 1
) -> FollowerState:
    """`state` with `n` recalls in `window` (default: its current one), the last `ago` s ago."""
    return with_fields(
        state,
        last_recall_at=NOW - ago,
        last_recall_rule="r1",
        last_recall_window=state.window_opened_at if window is None else window,
        recalls_in_window=n,
    )


def no_tags() -> set[int]:
    raise AssertionError("the tags were fetched although no check needed them")


# window_reason


def test_an_open_window_with_messages_to_spare_lets_the_recall_through() -> None:
    # Given a follower whose window closes in 29 minutes with all 5 messages left
    state = wrote(WROTE)
    # When the window is checked
    # Then nothing stops the recall
    assert window_reason(state, due(state), DEFAULT, NOW) is None


def test_a_recall_planned_for_an_older_window_finds_it_closed() -> None:
    # Given a recall planned for a window the follower has since replaced with a newer one
    old = wrote(WROTE - H)
    state = wrote(WROTE, state=old)
    # When the window is checked
    # Then it counts as closed: the newer window has its own recall
    assert window_reason(state, due(old), DEFAULT, NOW) is SkipReason.WINDOW_CLOSED


def test_a_window_that_has_closed_is_closed() -> None:
    # Given a follower whose window closed a minute ago
    state = wrote(NOW - H48 - 60)
    # When the window is checked
    # Then the recall is skipped as window_closed
    assert window_reason(state, due(state), DEFAULT, NOW) is SkipReason.WINDOW_CLOSED


@pytest.mark.parametrize(
    ("closes_in", "margin_minutes", "expected"),
    [
        (120, 2, SkipReason.WINDOW_CLOSED),  # exactly the margin: too late
        (121, 2, None),  # one second more: in time
        (1, 0, None),  # no margin: any time before the close
        (600, 10, SkipReason.WINDOW_CLOSED),
    ],
)
def test_the_safety_margin_treats_a_closing_window_as_closed(
    closes_in: int, margin_minutes: int, expected: SkipReason | None
) -> None:
    # Given a window that closes `closes_in` seconds from now
    state = wrote(NOW - H48 + closes_in)
    policy = RecallPolicy(safety_margin_minutes=margin_minutes)
    # When the window is checked with that safety margin
    # Then a send that could land after the close is not attempted
    assert window_reason(state, due(state), policy, NOW) is expected


@pytest.mark.parametrize(
    ("messages_left", "reserve_messages", "expected"),
    [
        (1, 1, SkipReason.QUOTA),  # the last message belongs to the agents
        (2, 1, None),
        (1, 0, None),  # no reserve: the last message may go
        (3, 3, SkipReason.QUOTA),
    ],
)
def test_the_reserve_keeps_window_messages_for_human_agents(
    messages_left: int, reserve_messages: int, expected: SkipReason | None
) -> None:
    # Given a follower with `messages_left` window messages
    state = with_fields(wrote(WROTE), messages_left=messages_left)
    policy = RecallPolicy(reserve_messages=reserve_messages)
    # When the window is checked with that reserve
    # Then a recall only takes a message beyond the reserve
    assert window_reason(state, due(state), policy, NOW) is expected


def test_a_follower_who_left_is_left_before_anything_else() -> None:
    # Given a follower who unsubscribed after writing
    state = left(wrote(WROTE), WROTE + 60)
    # When the window is checked
    # Then the reason is that they left, not that the window died with it
    assert window_reason(state, due(state), DEFAULT, NOW) is SkipReason.LEFT


# courtesy_reason


@pytest.mark.parametrize(
    ("recalls_in_window", "per_window", "expected"),
    [(1, 1, SkipReason.ALREADY_RECALLED), (1, 2, None), (2, 2, SkipReason.ALREADY_RECALLED)],
)
def test_recalls_per_window_caps_recalls_in_one_window(
    recalls_in_window: int, per_window: int, expected: SkipReason | None
) -> None:
    # Given a follower already recalled `recalls_in_window` times in this window, an hour ago
    state = recalled(wrote(WROTE), ago=H, n=recalls_in_window)
    policy = RecallPolicy(recalls_per_window=per_window)
    # When courtesy is checked
    # Then the cap per window holds (and the cooldown never applies within one window)
    assert courtesy_reason(state, due(state), policy, NOW) is expected


@pytest.mark.parametrize(
    ("ago_days", "cooldown_days", "expected"),
    [
        (6, 7, SkipReason.COOLDOWN),
        (7, 7, None),  # exactly the cooldown: allowed again
        (1, 0, None),  # 0 turns the cooldown off
        (0.25, 0.5, SkipReason.COOLDOWN),  # fractional days
        (0.75, 0.5, None),
    ],
)
def test_the_cooldown_spaces_recalls_of_different_windows(
    ago_days: float, cooldown_days: float, expected: SkipReason | None
) -> None:
    # Given a follower recalled `ago_days` ago in an earlier window
    state = recalled(wrote(WROTE), ago=int(ago_days * 86400), window=WROTE - 3 * H48)
    policy = RecallPolicy(cooldown_days=cooldown_days)
    # When courtesy is checked
    # Then a recall within the cooldown is skipped
    assert courtesy_reason(state, due(state), policy, NOW) is expected


def test_a_follower_never_recalled_passes_courtesy() -> None:
    # Given a follower never recalled
    state = wrote(WROTE)
    # When courtesy is checked with the strictest policy
    # Then nothing stops the recall
    assert courtesy_reason(state, due(state), RecallPolicy(cooldown_days=30), NOW) is None


# in_holdout


def recall_of(openid: str, window: int = WROTE, **fields: Any) -> PendingRecall:
    return due(wrote(window, openid=openid), **fields)


def test_holdout_edges_none_and_everyone() -> None:
    # Given two hundred followers' recalls
    recalls = [recall_of(f"o-{i}") for i in range(200)]
    # When the holdout is 0 % and then 100 %
    # Then nobody, and then everybody, is held out
    assert not any(in_holdout(r, 0) for r in recalls)
    assert all(in_holdout(r, 100) for r in recalls)


def test_holdout_is_a_stable_draw_per_follower_rule_and_window() -> None:
    # Given one follower's recall, and the same recall re-planned with another due time
    recall = recall_of(OPENID)
    replanned = recall_of(OPENID, due_at=recall.due_at - H, in_quiet_hours=True)
    # When the holdout is drawn again and again
    draws = {in_holdout(r, 50) for r in [recall, recall, replanned]}
    # Then a retry or a re-plan always lands on the same side
    assert len(draws) == 1


def test_holdout_draw_is_pinned_so_a_release_does_not_reshuffle_followers() -> None:
    # Given a known follower, rule and window (its draw is 0.1285 %, fixed by the hash)
    recall = recall_of(OPENID)
    # When the holdout percent is just above and just below the draw
    # Then the follower falls on either side exactly there
    assert in_holdout(recall, 0.129) and not in_holdout(recall, 0.128)


def test_holdout_holds_out_about_the_percent_asked_for() -> None:
    # Given two thousand followers
    recalls = [recall_of(f"o-{i}") for i in range(2000)]
    # When a quarter is held out
    share = sum(in_holdout(r, 25) for r in recalls) / len(recalls)
    # Then close to a quarter are
    assert 0.22 < share < 0.28


def test_holdout_draws_again_for_another_rule_or_window() -> None:
    # Given the same followers' recalls for two rules and two windows
    openids = [f"o-{i}" for i in range(200)]
    base = [in_holdout(recall_of(o), 50) for o in openids]
    other_rule = [in_holdout(recall_of(o, rule="r2"), 50) for o in openids]
    other_window = [in_holdout(recall_of(o, window=WROTE - H), 50) for o in openids]
    # Then each is its own draw (not the same side for every rule or window)
    assert base != other_rule and base != other_window


# first_reason: the order of the checks


def check(
    state: FollowerState | None,
    recall: PendingRecall | None = None,
    policy: RecallPolicy = DEFAULT,
    tags: Any = no_tags,
    **rule_fields: Any,
) -> SkipReason | None:
    recall = recall or due(state or wrote(WROTE))
    return first_reason(recall, rule(**rule_fields), policy, state, NOW, tags)


def test_a_disabled_rule_stops_the_recall_before_any_other_check() -> None:
    # Given a disabled rule, a recall in quiet hours, and a follower who left
    state = left(wrote(WROTE), WROTE + 60)
    recall = due(state, in_quiet_hours=True)
    # When the checks run
    # Then the rule being disabled is the reason
    assert check(state, recall, enabled=False) is SkipReason.RULE_DISABLED


def test_quiet_hours_come_before_the_follower_state() -> None:
    # Given a recall that quiet hours left no polite time for, to a follower who left
    state = left(wrote(WROTE), WROTE + 60)
    # When the checks run
    # Then quiet_hours is the reason
    assert check(state, due(state, in_quiet_hours=True)) is SkipReason.QUIET_HOURS


def test_an_unknown_follower_has_left() -> None:
    # Given no state for the follower at all
    # When the checks run
    # Then they count as left
    assert check(None, due(wrote(WROTE))) is SkipReason.LEFT


def test_a_rule_without_an_audience_never_asks_for_tags() -> None:
    # Given a rule with no include or exclude tags and a follower with nothing against them
    # When the checks run (asking for tags would fail the test)
    # Then the recall may go
    assert check(wrote(WROTE)) is None


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({100}, None),
        ({100, 999}, SkipReason.TAG),  # an exclude tag beats an include tag
        (set(), SkipReason.TAG),  # none of the include tags
        ({5}, SkipReason.TAG),
    ],
)
def test_the_audience_is_checked_on_the_followers_tags(
    tags: set[int], expected: SkipReason | None
) -> None:
    # Given a rule for tag 100 but not tag 999, and a follower with `tags`
    # When the checks run
    # Then only followers in the audience pass
    assert (
        check(wrote(WROTE), tags=lambda: tags, include_tags=[100], exclude_tags=[999]) is expected
    )


def test_tags_are_not_fetched_for_a_closed_window() -> None:
    # Given a rule with an audience and a follower whose window closed
    state = wrote(NOW - H48 - 60)
    # When the checks run (asking for tags would fail the test)
    # Then the window is the reason, and WeChat was not asked for tags
    assert check(state, include_tags=[100]) is SkipReason.WINDOW_CLOSED


def test_the_audience_comes_before_courtesy_and_courtesy_before_the_holdout() -> None:
    # Given a follower already recalled in this window and outside the rule's audience
    state = recalled(wrote(WROTE), ago=H)
    # When the checks run with an audience, then without one but with a full holdout
    by_tag = check(state, tags=lambda: {1}, include_tags=[100], holdout_percent=100)
    by_courtesy = check(state, holdout_percent=100)
    # Then the tag is the reason first, then already_recalled; the holdout comes last
    assert (by_tag, by_courtesy) == (SkipReason.TAG, SkipReason.ALREADY_RECALLED)
    assert check(wrote(WROTE), holdout_percent=100) is SkipReason.HOLDOUT


# reserve and unreserve


def test_reserve_takes_one_message_and_marks_the_recall() -> None:
    # Given a follower whose window closes in 29 minutes, 5 messages left
    state = wrote(WROTE)
    # When a recall reserves its message
    taken = reserve(state, due(state), "r1", settings(), NOW)
    # Then one message is taken and the recall remembered; nothing else changes
    assert isinstance(taken, FollowerState)
    assert taken.messages_left == state.messages_left - 1
    assert RecallMark.of(taken) == RecallMark(
        last_recall_at=NOW,
        last_recall_rule="r1",
        last_recall_window=WROTE,
        last_recall_closes_at=WROTE + H48,
        last_recall_day="2026-11-22",
        recall_converted=False,
        recalls_in_window=1,
    )
    unchanged = {"messages_left", *RecallMark.model_fields}
    assert taken.model_dump(exclude=unchanged) == state.model_dump(exclude=unchanged)


def test_reserve_counts_recalls_within_a_window_and_restarts_in_a_new_one() -> None:
    # Given a follower recalled once in this window, and once in an earlier one
    state = wrote(WROTE)
    same = recalled(state, ago=H)
    earlier = recalled(state, ago=10 * 86400, window=WROTE - 10 * H48, n=3)
    two_per_window = settings(recalls_per_window=2)
    # When a recall reserves in each case
    again = reserve(same, due(state), "r1", two_per_window, NOW)
    fresh = reserve(earlier, due(state), "r1", two_per_window, NOW)
    # Then the second recall in a window counts 2; a new window starts again at 1
    assert isinstance(again, FollowerState) and isinstance(fresh, FollowerState)
    assert (again.recalls_in_window, fresh.recalls_in_window) == (2, 1)


def test_reserve_clears_an_earlier_conversion() -> None:
    # Given a follower who answered an earlier recall
    state = with_fields(
        recalled(wrote(WROTE), ago=10 * 86400, window=WROTE - 10 * H48), recall_converted=True
    )
    # When a new recall reserves
    taken = reserve(state, due(state), "r1", settings(), NOW)
    # Then the new recall is not yet converted
    assert isinstance(taken, FollowerState) and taken.recall_converted is False


def test_reserve_counts_the_day_in_the_accounts_time_zone() -> None:
    # Given a recall at 01:00 in Shanghai, which is still the previous day in UTC
    at = NOW + 7 * H  # 2026-11-22T17:00Z
    state = wrote(at - H48 + 29 * 60)
    # When it reserves under each time zone
    shanghai = reserve(state, due(state), "r1", settings(), at)
    utc = reserve(state, due(state), "r1", settings(timezone="UTC"), at)
    # Then the day is the account's local day
    assert isinstance(shanghai, FollowerState) and isinstance(utc, FollowerState)
    assert (shanghai.last_recall_day, utc.last_recall_day) == ("2026-11-23", "2026-11-22")


def test_reserve_re_checks_and_says_why_not() -> None:
    # Given a follower whose messages a racing write took, and one recalled meanwhile
    state = wrote(WROTE)
    no_messages = with_fields(state, messages_left=1)
    recalled_meanwhile = recalled(state, ago=1)
    # When a recall tries to reserve
    # Then it gets the reason instead of a state
    assert reserve(no_messages, due(state), "r1", settings(), NOW) is SkipReason.QUOTA
    assert (
        reserve(recalled_meanwhile, due(state), "r1", settings(), NOW)
        is SkipReason.ALREADY_RECALLED
    )


def test_unreserve_gives_the_message_back_and_restores_the_earlier_recall() -> None:
    # Given a follower recalled 10 days ago, and the message a new recall reserved
    before = recalled(wrote(WROTE), ago=10 * 86400, window=WROTE - 10 * H48)
    taken = reserve(before, due(before), "r1", settings(), NOW)
    assert isinstance(taken, FollowerState)
    # When WeChat surely did not send and the reservation is undone
    undone = unreserve(taken, before, due(before))
    # Then the follower is as before the reservation
    assert undone == before


def test_unreserve_keeps_what_others_changed_meanwhile() -> None:
    # Given a reserved recall, then a menu click (it changes the follower, not the window)
    before = wrote(WROTE)
    taken = reserve(before, due(before), "r1", settings(), NOW)
    assert isinstance(taken, FollowerState)
    clicked = apply_interaction(taken, Interaction(kind=InteractionKind.MENU, at=NOW))
    # When the reservation is undone
    undone = unreserve(clicked, before, due(before))
    # Then the message is back and the click is kept
    assert undone.messages_left == before.messages_left
    assert undone.last_interaction_at == NOW and undone.last_recall_at is None


def test_unreserve_leaves_a_newer_window_alone() -> None:
    # Given a reserved recall, then the follower wrote again (a new window, new messages)
    before = wrote(WROTE)
    taken = reserve(before, due(before), "r1", settings(), NOW)
    assert isinstance(taken, FollowerState)
    newer = wrote(NOW, state=taken)
    # When the old recall's reservation is undone
    # Then nothing changes: the new window's budget is not the old one's
    assert unreserve(newer, before, due(before)) is newer


def test_unreserve_leaves_a_state_another_recall_marked_alone() -> None:
    # Given a follower whose latest recall is of another window than this recall
    state = recalled(wrote(WROTE), ago=H, window=WROTE - H48)
    # When this recall's reservation is undone
    # Then nothing changes
    assert unreserve(state, state, due(state)) is state


def test_recall_mark_reads_the_recall_fields_of_a_state() -> None:
    # Given a recalled follower
    state = recalled(wrote(WROTE), ago=H, n=2)
    # When its mark is read
    mark = RecallMark.of(state)
    # Then it carries the recall fields only
    assert (mark.last_recall_at, mark.recalls_in_window) == (NOW - H, 2)
    assert mark.last_recall_rule == "r1"
    assert mark.model_dump().keys() <= FollowerState.model_fields.keys()
    assert APP_ID not in mark.model_dump().values()
