"""待召回 as the seed means it: pending counts followers in the rule's audience by the tags we keep."""

from __future__ import annotations

from tests.support.callbacks import APP_ID, sealed, text_xml
from tests.unit.webhook.conftest import NOW, World
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.webhook.apply import in_known_audience
from wxengage.windows import FollowerState

DAY = "2026-11-22"


def tag_rule(**fields: object) -> StoredRule:
    data = {
        "name": "vip",
        "lead_minutes": 30,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "Hi again"}]},
    } | fields
    return StoredRule(
        rule=RecallRule.model_validate(data), created_at=NOW - 86400, updated_at=NOW - 86400
    )


def synced(openid: str, tags: list[int] | None) -> FollowerState:
    """A follower the tag sync has seen (tags None: never synced)."""
    return FollowerState(
        app_id=APP_ID, openid=openid, tag_ids=tags, tags_synced_at="2026-11-22T09:00:00Z"
    )


def write(world: World, openid: str, msg_id: int) -> None:
    body, query = sealed(
        world.safe, text_xml(openid=openid, create_time=NOW - 5, msg_id=msg_id), NOW
    )
    world.receiver().receive(APP_ID, query, body)


def test_a_tag_rule_with_five_writers_one_tagged_counts_one_pending(world: World) -> None:
    # Given a rule for tag 100, and five synced followers of whom one carries tag 100
    world.rules.rules[APP_ID] = [tag_rule(include_tags=[100])]
    for n in range(5):
        world.followers.put(synced(f"o-{n}", [100, 7] if n == 0 else [7]))
    # When all five write
    for n in range(5):
        write(world, f"o-{n}", 100 + n)
    # Then only the tagged one is pending, and only they have a recall planned
    assert world.stats.counts == {(APP_ID, "vip", DAY, "pending"): 1}
    assert [r.openid for r in world.recalls.pending.values()] == ["o-0"]
    # And the tags the sync wrote are still on every follower
    assert world.followers.states[APP_ID, "o-3"].tag_ids == [7]


def test_followers_never_synced_are_pending_because_nothing_excludes_them(world: World) -> None:
    # Given a tag rule and a follower the sync has never seen
    world.rules.rules[APP_ID] = [tag_rule(include_tags=[100])]
    # When they write
    write(world, "o-new", 1)
    # Then they are pending: the sender re-reads their tags from WeChat at send time
    assert world.stats.counts == {(APP_ID, "vip", DAY, "pending"): 1}


def test_the_audience_by_known_tags() -> None:
    include, exclude = tag_rule(include_tags=[100]), tag_rule(exclude_tags=[9])
    everyone = tag_rule()
    assert in_known_audience(include, synced("a", [100]))
    assert not in_known_audience(include, synced("a", []))
    assert not in_known_audience(exclude, synced("a", [9, 100]))
    assert in_known_audience(exclude, synced("a", []))
    assert in_known_audience(everyone, synced("a", []))
    assert in_known_audience(include, synced("a", None))  # never synced: cannot exclude
