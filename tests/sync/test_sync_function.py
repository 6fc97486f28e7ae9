"""The sync function end to end: sample events replayed, WeChat = the sandbox, the store in moto."""

from __future__ import annotations

import boto3
import pytest
from pydantic import ValidationError

from tests.conftest import FakeClock
from tests.sync.conftest import NOW, SyncWorld
from wxengage.store.catalog import CatalogStore
from wxengage.store.followers import FollowerStore
from wxengage.sync.models import ArticleSource


def test_the_scheduled_event_syncs_tags_and_followers_tags(world: SyncWorld) -> None:
    # Given followers tagged in WeChat, two of them known to the engine
    world.wechat_follower("o-ann", [100, 2])
    world.wechat_follower("o-bob", [])
    world.wechat_follower("o-cat", [100])  # never wrote: the engine has no item for them
    world.stored_follower("o-ann")
    world.stored_follower("o-bob")
    before = FollowerStore(world.settings).get(world.app_id, "o-ann")
    # When the schedule fires (the sample event, replayed)
    result = world.invoke(world.event("scheduled.json"))
    # Then the account's tags are stored with WeChat's names and counts
    [report] = result["accounts"]
    assert report["errors"] == []
    tags = CatalogStore(world.settings).tags(world.app_id)
    assert [(t.id, t.name, t.count) for t in tags] == [(2, "星标组", 1), (100, "tag100", 2)]
    # And each stored follower holds tag_ids as a list of numbers with an ISO-8601 UTC stamp
    item = world.item("o-ann")
    assert item is not None
    assert item["tag_ids"] == {"L": [{"N": "2"}, {"N": "100"}]}
    assert item["tags_synced_at"] == {"S": "2026-11-22T10:00:00Z"}
    assert world.item("o-bob")["tag_ids"] == {"L": []}  # type: ignore[index]
    # And nobody was created, and the window and its version were not touched
    assert world.item("o-cat") is None
    after = FollowerStore(world.settings).get(world.app_id, "o-ann")
    assert after is not None and before is not None
    synced = {"tag_ids", "tags_synced_at"}
    assert after.model_dump(exclude=synced) == before.model_dump(exclude=synced)
    # And the follower store reads the synced tags back
    assert list(after.tag_ids or []) == [2, 100]
    assert report["pass_completed"] and report["followers_written"] == 2


def test_the_on_demand_event_refreshes_500_articles(world: SyncWorld) -> None:
    # Given 30 drafts and 2 published items in WeChat
    for n in range(30):
        world.article("draft", f"m{n:03d}", f"草稿{n}", NOW - 100 * n)
    world.article("published", "a1", "会员日", NOW - 50)
    world.article("published", "a2", "新品", NOW - 5000)
    # When the on-demand sample event (articles 500) is replayed
    result = world.invoke(world.event("on-demand.json"))
    # Then all 30 drafts (two pages of 20) and both published items are stored, newest first
    [report] = result["accounts"]
    assert (report["drafts"], report["published"]) == (30, 2)
    found = CatalogStore(world.settings).articles(world.app_id)
    assert len(found) == 32
    assert [(a.source, a.id) for a in found[:3]] == [
        (ArticleSource.DRAFT, "m000"),
        (ArticleSource.PUBLISHED, "a1"),
        (ArticleSource.DRAFT, "m001"),
    ]
    assert found[0].items[0].thumb_url == "https://mmbiz.example/m000.jpg"
    state = CatalogStore(world.settings).state(world.app_id)
    assert state is not None and state.articles_wanted == 500


def test_an_article_deleted_in_wechat_leaves_the_copy_on_the_next_refresh(
    world: SyncWorld, fake_clock: FakeClock
) -> None:
    world.article("draft", "m1", "一", NOW - 10)
    world.invoke({"app_id": world.app_id})
    assert [a.id for a in CatalogStore(world.settings).articles(world.app_id)] == ["m1"]
    # Given WeChat's draft box now empty (a fresh sandbox book for this app)
    from wxengage_local.sandbox.catalog import _book

    _book(world.sandbox).items.clear()
    # When the operator refreshes
    world.invoke({"app_id": world.app_id, "articles": 20})
    # Then the copy follows WeChat
    assert CatalogStore(world.settings).articles(world.app_id) == []


@pytest.mark.parametrize("bad", [{"app_id": "x", "articles": 0}, {"articles": 501}, {"nope": 1}])
def test_a_bad_request_is_refused_and_writes_nothing(
    world: SyncWorld, bad: dict[str, object]
) -> None:
    world.wechat_follower("o-ann", [100])
    world.stored_follower("o-ann")
    with pytest.raises(ValidationError):
        world.invoke(bad)
    assert CatalogStore(world.settings).state(world.app_id) is None
    assert "tag_ids" not in (world.item("o-ann") or {})


def test_wechat_failing_mid_pass_loses_nothing(world: SyncWorld, fake_clock: FakeClock) -> None:
    # Given 150 followers known to both, and batchget failing with -1 (retried, then given up)
    for n in range(150):
        world.wechat_follower(f"o-{n:04d}", [7])
        world.stored_follower(f"o-{n:04d}")
    world.invoke({"app_id": world.app_id})  # the first page of 100, then a full pass
    table = world.settings.followers_table
    boto3.client("dynamodb").update_item(  # an operator re-tags o-0120 meanwhile
        TableName=table,
        Key={"app_id": {"S": world.app_id}, "openid": {"S": "o-0120"}},
        UpdateExpression="REMOVE tag_ids",
    )
    world.fault(api="/cgi-bin/user/info/batchget", errcode=-1, times=3)
    # When the next run meets the fault
    fake_clock.advance(900)
    failed = world.invoke({"app_id": world.app_id})
    # Then it says so and keeps its cursor; the run after it writes the missing tags
    assert any("batchget" in e for e in failed["accounts"][0]["errors"])
    fake_clock.advance(900)
    healed = world.invoke({"app_id": world.app_id})
    assert healed["accounts"][0]["errors"] == []
    assert world.item("o-0120")["tag_ids"] == {"L": [{"N": "7"}]}  # type: ignore[index]


def test_one_accounts_failure_does_not_stop_the_others(world: SyncWorld) -> None:
    # Given a second account whose credentials WeChat refuses (the sandbox knows no such app)
    from tests.support.callbacks import register
    from wxengage.wiring.sync import catalog_for, run_sync

    register(world.settings, app_id="wx00000000000000aa")
    world.wechat_follower("o-ann", [100])
    world.stored_follower("o-ann")

    def connect(app_id: str):  # type: ignore[no-untyped-def]
        if app_id == "wx00000000000000aa":
            raise RuntimeError("secrets unreadable")
        return catalog_for(app_id, world.settings)

    # When the schedule syncs every account
    reports = {r.app_id: r for r in run_sync(world.settings, NOW, wechat=connect)}
    # Then the failing one is reported and the sample account is synced all the same
    assert reports["wx00000000000000aa"].errors == ["RuntimeError: secrets unreadable"]
    assert reports[world.app_id].errors == [] and reports[world.app_id].followers_written == 1
