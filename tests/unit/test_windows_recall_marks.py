"""The fold and a recall's mark: held-out answers, and leaving ending the window a recall was in."""

from __future__ import annotations

from wxengage.windows import (
    FollowerState,
    Interaction,
    InteractionKind,
    apply_interaction,
    hold_out,
)

T0 = 1_763_800_000
H48 = 48 * 3600
DAY = "2025-11-22"


def ix(kind: InteractionKind, at: int) -> Interaction:
    return Interaction(kind=kind, at=at)


def wrote(at: int = T0) -> FollowerState:
    fresh = FollowerState(app_id="wx0123456789abcdef", openid="o-f")
    return apply_interaction(fresh, ix(InteractionKind.MESSAGE, at))


def recalled_at(state: FollowerState, at: int) -> FollowerState:
    """The mark the sender's reserve leaves (see recall/policy.reserve)."""
    return FollowerState.model_validate(
        state.model_dump()
        | {
            "last_recall_at": at,
            "last_recall_rule": "r1",
            "last_recall_window": state.window_opened_at,
            "last_recall_closes_at": state.effective_closes_at,
            "last_recall_day": DAY,
            "messages_left": state.messages_left - 1,
            "recalls_in_window": 1,
        }
    )


def fold(state: FollowerState, *events: tuple[InteractionKind, int]) -> FollowerState:
    for kind, at in events:
        state = apply_interaction(state, ix(kind, at))
    return state


def test_a_held_out_follower_who_writes_back_in_time_is_counted_once() -> None:
    # Given a follower held out of r1's recall 30 minutes before their window closes
    held = hold_out(wrote(), "r1", T0, DAY, T0 + H48 - 1800)
    assert (held.holdout_rule, held.holdout_closes_at, held.holdout_day) == ("r1", T0 + H48, DAY)
    # When they write back before it closes, and again
    after = fold(held, (InteractionKind.MESSAGE, T0 + H48 - 60))
    again = fold(after, (InteractionKind.MESSAGE, T0 + H48 + 60))
    # Then the holdout is answered once, and no sent recall is (none was sent)
    assert after.holdout_converted and not held.holdout_converted
    assert again.holdout_converted and not after.recall_converted


def test_a_held_out_follower_writing_after_the_window_is_not_counted() -> None:
    held = hold_out(wrote(), "r1", T0, DAY, T0 + H48 - 1800)
    assert not fold(held, (InteractionKind.MESSAGE, T0 + H48 + 1)).holdout_converted


def test_a_retried_holdout_keeps_its_first_decision_and_a_stale_window_none() -> None:
    # Given a holdout already answered
    held = fold(hold_out(wrote(), "r1", T0, DAY, T0 + 100), (InteractionKind.MESSAGE, T0 + 200))
    # When the same holdout is decided again (a queue retry), or for a window no longer current
    # Then nothing changes
    assert hold_out(held, "r1", T0, DAY, T0 + 300) is held
    assert hold_out(wrote(), "r1", T0 - 10, DAY, T0 + 300).holdout_at is None


def test_leaving_after_a_recall_then_following_and_writing_is_not_recalled() -> None:
    # Given a follower recalled an hour before the window closed
    sent = recalled_at(wrote(), T0 + H48 - 3600)
    # When they unsubscribe, follow again and write, all before that window would have closed
    later = fold(
        sent,
        (InteractionKind.UNSUBSCRIBE, T0 + H48 - 3000),
        (InteractionKind.SUBSCRIBE, T0 + H48 - 2000),
        (InteractionKind.MESSAGE, T0 + H48 - 1000),
    )
    # Then the message opened a new window but answered no recall
    assert later.subscribed and later.window_opened_at == T0 + H48 - 1000
    assert not later.recall_converted


def test_a_reply_before_leaving_still_counts_in_whatever_order_it_arrives() -> None:
    # Given a recall, a reply, then an unsubscribe that WeChat delivers first
    sent = recalled_at(wrote(), T0 + 1000)
    late = fold(
        sent, (InteractionKind.UNSUBSCRIBE, T0 + 3000), (InteractionKind.MESSAGE, T0 + 2000)
    )
    # Then the reply, made while still following, counts as recalled
    assert late.recall_converted


def test_leaving_ends_a_holdout_window_too() -> None:
    held = hold_out(wrote(), "r1", T0, DAY, T0 + 1000)
    later = fold(
        held,
        (InteractionKind.UNSUBSCRIBE, T0 + 2000),
        (InteractionKind.SUBSCRIBE, T0 + 2500),
        (InteractionKind.MESSAGE, T0 + 3000),
    )
    assert later.holdout_closes_at == T0 + 2000 and not later.holdout_converted


def test_leaving_in_the_second_of_the_recall_ends_it() -> None:
    sent = recalled_at(wrote(), T0 + 1000)
    later = fold(
        sent,
        (InteractionKind.UNSUBSCRIBE, T0 + 1000),
        (InteractionKind.SUBSCRIBE, T0 + 1500),
        (InteractionKind.MESSAGE, T0 + 2000),
    )
    assert not later.recall_converted
