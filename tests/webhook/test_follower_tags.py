"""Followers' tags belong to the tag sync: a window write never puts back tags it replaced."""

from __future__ import annotations

import pytest

from tests.conftest import FakeClock
from tests.support.callbacks import APP_ID
from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import expression_values, key
from wxengage.store.followers import FollowerStore
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction


def sync_tags(settings: Settings, openid: str, tags: list[int], at: str) -> None:
    """What the tag sync writes: an UpdateItem that SETs only these two attributes."""
    client("dynamodb").update_item(
        TableName=settings.followers_table,
        Key=key(app_id=APP_ID, openid=openid),
        UpdateExpression="SET tag_ids = :t, tags_synced_at = :s",
        ExpressionAttributeValues=expression_values(t=tags, s=at),
    )


def message(at: int) -> Interaction:
    return Interaction(kind=InteractionKind.MESSAGE, at=at)


def test_a_follower_the_sync_wrote_first_gets_a_window_and_keeps_its_tags(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a follower known so far only to the tag sync
    sync_tags(stack, "o-a", [100, 2], "2026-11-22T09:00:00Z")
    store = FollowerStore(stack)
    # When they write
    state, written = store.update(
        APP_ID, "o-a", lambda s: apply_interaction(s, message(int(fake_clock.now)))
    )
    # Then the window is stored beside the tags, which the webhook read without asking WeChat
    assert written and state.tag_ids == [100, 2]
    stored = store.get(APP_ID, "o-a")
    assert stored is not None and stored.window_opened_at == int(fake_clock.now)
    assert (stored.tag_ids, stored.tags_synced_at) == ([100, 2], "2026-11-22T09:00:00Z")


def test_tags_synced_during_a_window_write_are_not_put_back(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a follower with tag 1, and a sync that replaces it with tag 100 mid-write
    sync_tags(stack, "o-a", [1], "2026-11-22T08:00:00Z")
    store = FollowerStore(stack)
    now = int(fake_clock.now)

    def fold(state: FollowerState) -> FollowerState:
        if state.tags_synced_at == "2026-11-22T08:00:00Z":
            sync_tags(stack, "o-a", [100], "2026-11-22T09:59:00Z")
        return apply_interaction(state, message(now))

    # When the webhook's write lands after the sync
    store.update(APP_ID, "o-a", fold)
    # Then the newer tags stand, and the window is there
    stored = store.get(APP_ID, "o-a")
    assert stored is not None
    assert (stored.tag_ids, stored.tags_synced_at) == ([100], "2026-11-22T09:59:00Z")
    assert stored.last_message_at == now


def test_a_field_that_goes_back_to_none_is_removed(stack: Settings, fake_clock: FakeClock) -> None:
    # Given a follower with a recall mark
    store = FollowerStore(stack)
    now = int(fake_clock.now)
    store.update(APP_ID, "o-a", lambda s: apply_interaction(s, message(now)))
    marked = store.update(
        APP_ID,
        "o-a",
        lambda s: FollowerState.model_validate(s.model_dump() | {"last_recall_at": now}),
    )[0]
    assert marked.last_recall_at == now
    # When the mark is given back (WeChat surely did not send)
    store.update(
        APP_ID,
        "o-a",
        lambda s: FollowerState.model_validate(s.model_dump() | {"last_recall_at": None}),
    )
    # Then it is gone from the item
    stored = store.get(APP_ID, "o-a")
    assert stored is not None and stored.last_recall_at is None and stored.version == 3


def test_a_lost_race_is_retried_and_then_refused(stack: Settings, fake_clock: FakeClock) -> None:
    # Given a writer that always loses to another one
    store = FollowerStore(stack)
    now = int(fake_clock.now)
    store.update(APP_ID, "o-a", lambda s: apply_interaction(s, message(now - 10)))

    def racing(state: FollowerState) -> FollowerState:
        other = FollowerStore(stack)
        other.update(
            APP_ID, "o-a", lambda s: apply_interaction(s, message(s.last_interaction_at + 1))
        )
        return apply_interaction(state, message(now))

    # When it tries
    with pytest.raises(ConflictError):
        store.update(APP_ID, "o-a", racing, attempts=3)
    # Then only the other writer's changes are stored
    stored = store.get(APP_ID, "o-a")
    assert stored is not None and stored.version == 4 and stored.last_message_at == now - 7
