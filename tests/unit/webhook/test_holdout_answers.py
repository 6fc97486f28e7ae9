"""A held-out follower who writes back within their window counts as recalled_holdout, once."""

from __future__ import annotations

from tests.support.callbacks import APP_ID, OPENID, event_xml, sealed, text_xml
from tests.unit.webhook.conftest import NOW, World
from wxengage.windows import Interaction, InteractionKind, apply_interaction, hold_out

H48 = 48 * 3600
WROTE = NOW - H48 + 3600  # the window closes an hour from NOW
HELD_DAY = "2026-11-21"  # the day the holdout was decided (account zone)


def post(world: World, xml: str) -> None:
    body, query = sealed(world.safe, xml, NOW)
    world.receiver().receive(APP_ID, query, body)


def held_out_follower(world: World) -> None:
    """A follower whose window closes in an hour, held out of rule r1 ten minutes ago."""
    state = apply_interaction(
        world.followers.update(APP_ID, OPENID, lambda s: s)[0],
        Interaction(kind=InteractionKind.MESSAGE, at=WROTE),
    )
    world.followers.put(hold_out(state, "r1", WROTE, HELD_DAY, NOW - 600))


def test_a_held_out_follower_writing_back_counts_once_under_the_holdout_day(world: World) -> None:
    held_out_follower(world)
    # When they write twice
    post(world, text_xml(create_time=NOW - 5, msg_id=1))
    post(world, text_xml(create_time=NOW - 4, msg_id=2))
    # Then one recalled_holdout for r1 on the day it was held out, and no recalled
    assert world.stats.counts == {(APP_ID, "r1", HELD_DAY, "recalled_holdout"): 1}


def test_a_held_out_follower_who_left_and_came_back_is_not_counted(world: World) -> None:
    held_out_follower(world)
    # When they unsubscribe, follow again and write, before that window would have closed
    post(world, event_xml("unsubscribe", create_time=NOW - 30))
    post(world, event_xml("subscribe", create_time=NOW - 20))
    post(world, text_xml(create_time=NOW - 10, msg_id=3))
    # Then nothing counts as an answer to the holdout
    assert world.stats.counts == {}
