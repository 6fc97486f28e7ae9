"""The synced tag_ids must survive the webhook's and sender's writes of the same follower item."""

from __future__ import annotations

from tests.sync.conftest import NOW, SyncWorld
from wxengage.store.followers import FollowerStore
from wxengage.windows import Interaction, InteractionKind, apply_interaction


def test_a_message_after_the_sync_keeps_the_followers_tags(world: SyncWorld) -> None:
    # Given a follower whose tags the sync wrote
    world.wechat_follower("o-ann", [100])
    world.stored_follower("o-ann", at=NOW - 600)
    world.invoke({"app_id": world.app_id})
    assert world.item("o-ann")["tag_ids"] == {"L": [{"N": "100"}]}  # type: ignore[index]
    # When the follower writes again (the webhook updates the window)
    message = Interaction(kind=InteractionKind.MESSAGE, at=NOW - 60)
    FollowerStore(world.settings).update(
        world.app_id, "o-ann", lambda s: apply_interaction(s, message)
    )
    # Then the tags the engine knows are still there
    assert world.item("o-ann").get("tag_ids") == {"L": [{"N": "100"}]}  # type: ignore[union-attr]
