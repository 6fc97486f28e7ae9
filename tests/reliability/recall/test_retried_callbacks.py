"""Reliability: WeChat retries every callback three times and delivers some out of order; the
stored window never moves backwards and nothing is counted twice."""

from __future__ import annotations

import random

from tests.recall.conftest import World
from tests.support.callbacks import APP_ID, event_xml, text_xml
from wxengage.domain.windows import FollowerState, Interaction, InteractionKind, apply_interaction
from wxengage.store.followers import FollowerStore

FOLLOWERS = 8


def story(openid: str, start: int, n: int) -> list[tuple[str, Interaction]]:
    """A follower's callbacks (xml) and the interaction each one is: follow, messages, a click."""
    steps: list[tuple[str, Interaction]] = [
        (
            event_xml("subscribe", openid=openid, create_time=start),
            Interaction(kind=InteractionKind.SUBSCRIBE, at=start),
        )
    ]
    for i in range(1, 5):
        at = start + i * 600
        xml = text_xml(openid=openid, create_time=at, msg_id=n * 100 + i, content=f"m{i}")
        steps.append((xml, Interaction(kind=InteractionKind.MESSAGE, at=at)))
    at = start + 3300
    steps.append(
        (
            event_xml("CLICK", openid=openid, create_time=at, key="MENU"),
            Interaction(kind=InteractionKind.MENU, at=at),
        )
    )
    return steps


def test_callbacks_retried_three_times_out_of_order_never_move_a_window_back(world: World) -> None:
    # Given eight followers' stories (a follow, four messages, a click), each callback delivered
    # three times, and the whole lot shuffled with a fixed seed
    world.rule()
    now = int(world.clock.now)
    stories = {f"o-r{n}": story(f"o-r{n}", now - 4 * 3600 + n * 60, n) for n in range(FOLLOWERS)}
    deliveries = [
        (openid, xml) for openid, steps in stories.items() for xml, _ in steps for _ in range(3)
    ]
    random.Random(20261122).shuffle(deliveries)
    store = FollowerStore(world.settings)
    seen: dict[str, tuple[int, int]] = {}
    went_back = 0
    # When each is posted to the webhook, reading the follower after every delivery
    for openid, xml in deliveries:
        world.post(xml)
        state = store.get(APP_ID, openid)
        assert state is not None
        now_seen = (state.last_interaction_at, state.window_closes_at or 0)
        before = seen.get(openid, (0, 0))
        went_back += now_seen[0] < before[0] or now_seen[1] < before[1]
        seen[openid] = now_seen
    # Then no stored window ever moved backwards, and each follower ends as the fold of its story
    assert went_back == 0, f"{went_back} of {len(deliveries)} deliveries moved a window back"
    for openid, steps in stories.items():
        expected = FollowerState(app_id=APP_ID, openid=openid)
        for _, ix in steps:
            expected = apply_interaction(expected, ix)
        stored = store.get(APP_ID, openid)
        assert stored is not None
        fields = (
            "last_interaction_at",
            "last_message_at",
            "window_opened_at",
            "window_closes_at",
            "messages_left",
        )
        assert {f: getattr(stored, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    # And each follower was counted pending once (the rule's stats), however often WeChat retried
    assert world.stats()["pending"] == FOLLOWERS
