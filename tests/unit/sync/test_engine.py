"""One account's sync run through `sync_account`, against in-memory WeChat and stores."""

from __future__ import annotations

import pytest

from tests.unit.sync.fakes import FakeCatalog, FakeFollowers, FakeWeChat, article, followers
from wxengage.sync.engine import sync_account
from wxengage.sync.models import ArticleSource, StoredTags, SyncState, Tag
from wxengage.sync.policy import ArticleCountError, iso_utc
from wxengage.wechat.api_errors import WeChatApiError

APP = "wx0123456789abcdef"
NOW = 1_795_341_600
DRAFT, PUBLISHED = ArticleSource.DRAFT, ArticleSource.PUBLISHED


def test_tags_and_the_latest_20_articles_are_synced() -> None:
    # Given an account with tags, 45 drafts and 3 published items
    wechat = FakeWeChat(
        tag_list=[Tag(id=2, name="星标组", count=1), Tag(id=100, name="会员", count=7)],
        items={
            DRAFT: [article(DRAFT, n, NOW - n) for n in range(45)],
            PUBLISHED: [article(PUBLISHED, n, NOW - n) for n in range(3)],
        },
    )
    catalog = FakeCatalog()
    # When the first scheduled run syncs it
    report = sync_account(APP, wechat, catalog, FakeFollowers(), NOW)
    # Then the tags and the first 20 drafts (one call) and the 3 published items are stored
    assert [t.name for t in catalog.tags(APP)] == ["星标组", "会员"]
    assert len(catalog.article_store[(APP, DRAFT)]) == 20
    assert len(catalog.article_store[(APP, PUBLISHED)]) == 3
    assert wechat.calls.count("draft:0:20") == 1
    assert (report.drafts, report.published, report.articles_refreshed) == (45, 3, True)
    state = catalog.states[APP]
    assert (state.tags_synced_at, state.articles_synced_at, state.tag_count) == (NOW, NOW, 2)


def test_on_demand_500_reads_25_pages_and_a_later_schedule_keeps_500() -> None:
    # Given 600 drafts
    wechat = FakeWeChat(items={DRAFT: [article(DRAFT, n, NOW - n) for n in range(600)]})
    catalog = FakeCatalog()
    # When an operator asks for 500
    sync_account(APP, wechat, catalog, FakeFollowers(), NOW, articles=500)
    # Then 25 calls of 20 stored 500, and the account remembers the choice
    assert sum(c.startswith("draft:") for c in wechat.calls) == 25
    assert len(catalog.article_store[(APP, DRAFT)]) == 500
    assert catalog.states[APP].articles_wanted == 500
    # And a scheduled run within the hour does not re-read them; one after the hour reads 500
    wechat.calls.clear()
    sync_account(APP, wechat, catalog, FakeFollowers(), NOW + 900)
    assert not any(c.startswith("draft:") for c in wechat.calls)
    sync_account(APP, wechat, catalog, FakeFollowers(), NOW + 3600)
    assert sum(c.startswith("draft:") for c in wechat.calls) == 25


def test_a_bad_article_count_writes_nothing() -> None:
    catalog = FakeCatalog()
    with pytest.raises(ArticleCountError):
        sync_account(APP, FakeWeChat(), catalog, FakeFollowers(), NOW, articles=501)
    assert catalog.saved == 0
    assert catalog.tag_store == {}


def test_a_failing_article_list_keeps_the_stored_copy_and_the_rest_runs() -> None:
    # Given stored drafts, and WeChat refusing the draft list (48001) on the next refresh
    wechat = FakeWeChat(items={DRAFT: [article(DRAFT, 1, NOW)]})
    catalog = FakeCatalog()
    sync_account(APP, wechat, catalog, FakeFollowers(), NOW)
    wechat.fail["draft"] = WeChatApiError(48001, "api unauthorized", "/cgi-bin/draft/batchget")
    wechat.tag_list = [Tag(id=100, name="会员")]
    store, fresh = followers(3)
    wechat.follower_tags = fresh
    # When the operator forces a refresh
    report = sync_account(APP, wechat, catalog, store, NOW + 60, articles=20)
    # Then the drafts stay, the error is reported and kept, tags and followers still synced
    assert [a.id for a in catalog.article_store[(APP, DRAFT)]] == ["m0001"]
    assert report.errors and "48001" in report.errors[0]
    assert catalog.states[APP].last_error == report.errors[0]
    assert catalog.states[APP].articles_synced_at == NOW  # not moved: the refresh failed
    assert [t.id for t in catalog.tags(APP)] == [100]
    assert report.followers_written == 3


def test_followers_get_their_tags_and_unchanged_ones_are_not_rewritten() -> None:
    # Given 250 stored followers, one of them unsubscribed in the store
    store, fresh = followers(250, tags=(100, 2))
    store.rows["o-000007"] = StoredTags(openid="o-000007", subscribed=False)
    # When a run syncs them
    report = sync_account(APP, FakeWeChat(follower_tags=fresh), FakeCatalog(), store, NOW)
    # Then every subscribed follower holds its sorted tag ids with the run's stamp
    assert report.followers_written == 249
    assert store.rows["o-000000"].tag_ids == (2, 100)
    assert store.rows["o-000000"].tags_synced_at == iso_utc(NOW)
    assert store.rows["o-000007"].tag_ids is None  # not asked about, not written
    assert report.pass_completed
    # And a second run an hour later rewrites only the follower whose tags changed
    fresh["o-000042"] = (100,)
    catalog = FakeCatalog()
    store.writes.clear()
    again = sync_account(APP, FakeWeChat(follower_tags=fresh), catalog, store, NOW + 3600)
    assert [w[0] for w in store.writes] == ["o-000042"]
    assert again.followers_written == 1


def test_a_big_account_is_synced_over_several_runs_from_the_cursor() -> None:
    # Given 1,050 followers and runs bounded to 400 followers each
    store, fresh = followers(1050)
    wechat, catalog = FakeWeChat(follower_tags=fresh), FakeCatalog()
    # When three runs go
    first = sync_account(APP, wechat, catalog, store, NOW, max_followers=400)
    assert (first.followers_seen, first.pass_completed) == (400, False)
    assert catalog.states[APP].pass_cursor == "o-000399"
    second = sync_account(APP, wechat, catalog, store, NOW + 900, max_followers=400)
    third = sync_account(APP, wechat, catalog, store, NOW + 1800, max_followers=400)
    # Then the pass completes exactly once over every follower, each batchget ≤ 100
    assert second.followers_seen == 400
    assert (third.followers_seen, third.pass_completed) == (250, True)
    assert len(store.writes) == 1050
    assert len({w[0] for w in store.writes}) == 1050
    state = catalog.states[APP]
    assert (state.pass_cursor, state.pass_completed_at, state.pass_seen) == ("", NOW + 1800, 1050)


def test_a_run_that_runs_out_of_time_stops_between_pages() -> None:
    store, fresh = followers(500)
    pages = iter([False, False, True])
    report = sync_account(
        APP,
        FakeWeChat(follower_tags=fresh),
        FakeCatalog(),
        store,
        NOW,
        out_of_time=lambda: next(pages),
    )
    assert report.followers_seen == 200


def test_a_wechat_failure_mid_pass_loses_nothing_and_the_next_run_resumes() -> None:
    # Given 300 followers and WeChat failing on the third batchget
    store, fresh = followers(300)
    wechat, catalog = FakeWeChat(follower_tags=fresh, fail_batch_after=2), FakeCatalog()
    report = sync_account(APP, wechat, catalog, store, NOW)
    # Then two pages were written, the cursor stands after them and the error is kept
    assert report.followers_written == 200
    assert catalog.states[APP].pass_cursor == "o-000199"
    assert "user/info/batchget" in (catalog.states[APP].last_error or "")
    # When the next run finds WeChat well again
    wechat.fail_batch_after = None
    again = sync_account(APP, wechat, catalog, store, NOW + 900)
    # Then it starts at the third page and finishes: every follower written once
    assert again.followers_written == 100 and again.pass_completed
    assert len({w[0] for w in store.writes}) == len(store.writes) == 300


def test_an_openid_wechat_refuses_is_skipped_and_the_rest_written() -> None:
    # Given a stored openid WeChat does not know (40003 on any batch holding it)
    store, fresh = followers(100)
    del fresh["o-000050"]
    report = sync_account(APP, FakeWeChat(follower_tags=fresh), FakeCatalog(), store, NOW)
    assert report.invalid_openids == 1
    assert report.followers_written == 99
    assert store.rows["o-000050"].tag_ids is None


def test_a_follower_gone_before_the_write_is_never_created() -> None:
    store, fresh = followers(3)
    store.vanish = {"o-000001"}
    report = sync_account(APP, FakeWeChat(follower_tags=fresh), FakeCatalog(), store, NOW)
    assert (report.followers_written, report.followers_missing) == (2, 1)


def test_a_rerun_at_the_same_instant_changes_nothing() -> None:
    # Idempotent: the same data twice writes once
    store, fresh = followers(10)
    wechat, catalog = FakeWeChat(follower_tags=fresh, tag_list=[Tag(id=1, name="a")]), FakeCatalog()
    sync_account(APP, wechat, catalog, store, NOW)
    before = dict(store.rows)
    state = catalog.states[APP]
    assert isinstance(state, SyncState)
    sync_account(APP, wechat, catalog, store, NOW)
    assert store.rows == before
    assert len(store.writes) == 10
