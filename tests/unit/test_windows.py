"""The window fold on its own: every row of DESIGN.md's window table, late and repeated actions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wxengage.windows import (
    FollowerState,
    Interaction,
    InteractionKind,
    Opener,
    apply_interaction,
)

T0 = 1_763_800_000
H48 = 48 * 3600


def fresh() -> FollowerState:
    return FollowerState(app_id="wx0123456789abcdef", openid="o-follower")


def ix(kind: InteractionKind, at: int) -> Interaction:
    return Interaction(kind=kind, at=at)


def test_a_message_opens_48_hours_with_5_messages() -> None:
    # Given a follower we have never seen
    # When they send a message
    state = apply_interaction(fresh(), ix(InteractionKind.MESSAGE, T0))
    # Then a 48-hour window with 5 messages is open, opened by a message
    assert (state.window_opened_by, state.window_closes_at, state.messages_left) == (
        Opener.MESSAGE,
        T0 + H48,
        5,
    )
    assert state.last_message_at == T0
    assert state.subscribed is True


def test_follow_scan_and_menu_click_open_one_minute_with_3() -> None:
    for kind, opener in [
        (InteractionKind.SUBSCRIBE, Opener.SUBSCRIBE),
        (InteractionKind.SCAN, Opener.SCAN),
        (InteractionKind.MENU, Opener.MENU),
    ]:
        # Given a fresh follower / When the event arrives
        state = apply_interaction(fresh(), ix(kind, T0))
        # Then a 1-minute window with 3 messages, and no follower message recorded
        assert (state.window_opened_by, state.window_closes_at, state.messages_left) == (
            opener,
            T0 + 60,
            3,
        )
        assert state.last_message_at is None


def test_a_click_inside_a_48_hour_window_does_not_shorten_it() -> None:
    # Given an open 48-hour window
    state = apply_interaction(fresh(), ix(InteractionKind.MESSAGE, T0))
    # When the follower clicks a menu item an hour later
    after = apply_interaction(state, ix(InteractionKind.MENU, T0 + 3600))
    # Then the window still closes 48 hours after the message
    assert after.window_closes_at == T0 + H48
    assert after.window_opened_by is Opener.MESSAGE
    assert after.last_interaction_at == T0 + 3600


def test_unsubscribe_marks_the_follower_gone_and_ends_the_window() -> None:
    # Given an open window
    state = apply_interaction(fresh(), ix(InteractionKind.MESSAGE, T0))
    # When the follower unsubscribes
    gone = apply_interaction(state, ix(InteractionKind.UNSUBSCRIBE, T0 + 10))
    # Then they are not subscribed and nothing may be sent
    assert gone.subscribed is False
    assert gone.effective_closes_at == T0 + 10
    assert not gone.window_open_at(T0 + 11)


def test_a_late_older_message_never_moves_the_window_backwards() -> None:
    # Given a window opened by a message at T0 + 100
    state = apply_interaction(fresh(), ix(InteractionKind.MESSAGE, T0 + 100))
    # When an older message (T0) arrives late
    late = apply_interaction(state, ix(InteractionKind.MESSAGE, T0))
    # Then nothing changes (the very same object comes back: no write needed)
    assert late is state


def test_a_message_older_than_the_unsubscribe_does_not_resubscribe() -> None:
    # Given a follower who unsubscribed at T0 + 50
    state = apply_interaction(fresh(), ix(InteractionKind.UNSUBSCRIBE, T0 + 50))
    # When a message they sent at T0 arrives late
    late = apply_interaction(state, ix(InteractionKind.MESSAGE, T0))
    # Then they stay unsubscribed with no open window
    assert late.subscribed is False
    assert not late.window_open_at(T0 + 1)


def test_coming_back_after_unsubscribing_reopens() -> None:
    # Given a follower who left
    state = apply_interaction(fresh(), ix(InteractionKind.UNSUBSCRIBE, T0))
    # When they follow again and then write
    state = apply_interaction(state, ix(InteractionKind.SUBSCRIBE, T0 + 60))
    state = apply_interaction(state, ix(InteractionKind.MESSAGE, T0 + 120))
    # Then they are subscribed with a fresh 48-hour window
    assert state.subscribed is True
    assert state.window_closes_at == T0 + 120 + H48


def test_a_repeated_interaction_changes_nothing() -> None:
    # Given a follower after one message
    state = apply_interaction(fresh(), ix(InteractionKind.MESSAGE, T0))
    # When the same message is applied again
    # Then the state object comes back unchanged
    assert apply_interaction(state, ix(InteractionKind.MESSAGE, T0)) is state


kinds = st.sampled_from(list(InteractionKind))
times = st.integers(min_value=T0, max_value=T0 + 5 * 86400)
FIELDS = (
    "subscribed",
    "effective_closes_at",
    "window_opened_by",
    "last_message_at",
    "last_interaction_at",
)


def fold(pairs: list[tuple[int, InteractionKind]]) -> FollowerState:
    state = fresh()
    for at, kind in pairs:
        state = apply_interaction(state, ix(kind, at))
    return state


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(times, kinds, max_size=12), st.randoms(use_true_random=False))
def test_a_follower_who_leaves_for_good_folds_the_same_in_any_order(
    by_time: dict[int, InteractionKind], rnd: object
) -> None:
    # Given interactions where every unsubscribe comes after every other action in time
    others = sorted((at, k) for at, k in by_time.items() if k is not InteractionKind.UNSUBSCRIBE)
    last = others[-1][0] if others else T0
    leaves = [
        (last + 1 + i, InteractionKind.UNSUBSCRIBE)
        for i, (at, k) in enumerate(by_time.items())
        if k is InteractionKind.UNSUBSCRIBE
    ]
    in_order = others + leaves
    shuffled = list(in_order)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # When they are applied in time order and in a random arrival order
    a, b = fold(in_order), fold(shuffled)
    # Then the window and subscription end up identical
    assert [getattr(a, f) for f in FIELDS] == [getattr(b, f) for f in FIELDS]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(times, kinds, max_size=12), st.randoms(use_true_random=False), times)
def test_out_of_order_arrival_never_claims_a_window_that_is_not_open(
    by_time: dict[int, InteractionKind], rnd: object, probe: int
) -> None:
    # Given any interactions, one of them possibly a return after leaving
    in_order = sorted(by_time.items())
    shuffled = list(in_order)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # When they arrive in a random order
    a, b = fold(in_order), fold(shuffled)
    # Then subscription agrees, and an open window is only claimed where time order has one too
    assert a.subscribed == b.subscribed
    assert not b.window_open_at(probe) or a.window_open_at(probe)
