"""The sync counts the account's followers (user/get's `total`) for plans that must not ask WeChat."""

from __future__ import annotations

from tests.unit.sync.fakes import FakeCatalog, FakeFollowers, FakeWeChat
from wxengage.sync.engine import sync_account
from wxengage.sync.models import SyncState
from wxengage.wechat.api_errors import WeChatApiError

APP = "wx0123456789abcdef"
NOW = 1_795_341_600


def test_each_run_keeps_the_follower_total_and_when_it_was_counted() -> None:
    # Given WeChat knows three followers
    wechat = FakeWeChat(follower_tags={"o1": (), "o2": (100,), "o3": ()})
    catalog = FakeCatalog()
    # When the sync runs
    report = sync_account(APP, wechat, catalog, FakeFollowers(), NOW)
    # Then the state holds the total and its time, with one user/get call
    state = catalog.states[APP]
    assert (state.followers_total, state.followers_counted_at) == (3, NOW)
    assert report.followers_total == 3 and wechat.calls.count("followers") == 1


def test_a_failed_count_keeps_the_last_one_and_says_why() -> None:
    # Given a total counted an hour ago, and WeChat busy now
    catalog = FakeCatalog(
        states={APP: SyncState(app_id=APP, followers_total=7, followers_counted_at=NOW - 3600)}
    )
    busy = WeChatApiError(-1, "system error", "/cgi-bin/user/get")
    wechat = FakeWeChat(fail={"followers": busy})
    # When the sync runs
    report = sync_account(APP, wechat, catalog, FakeFollowers(), NOW)
    # Then the old total stays with its own time, the error is reported, the rest still ran
    state = catalog.states[APP]
    assert (state.followers_total, state.followers_counted_at) == (7, NOW - 3600)
    assert any(e.startswith("user/get:") for e in report.errors)
    assert state.tags_synced_at == NOW
