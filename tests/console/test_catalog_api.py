"""The console's catalog routes: tags and articles from the synced copy, never from WeChat."""

from __future__ import annotations

import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.catalog import CatalogStore
from wxengage.sync.models import Article, ArticleSource, NewsItem, SyncState, Tag

NOW = 1_795_341_600
BASE = f"/console/api/accounts/{APP_ID}"
ROUTES = [f"{BASE}/tags", f"{BASE}/articles"]


def seed(stack: Settings) -> None:
    """A synced copy as the sync function leaves it."""
    store = CatalogStore(stack)
    store.replace_tags(
        APP_ID, [Tag(id=2, name="星标组", count=3), Tag(id=100, name="会员", count=7)]
    )
    store.replace_articles(
        APP_ID,
        ArticleSource.DRAFT,
        [
            Article(
                source=ArticleSource.DRAFT,
                id="m-1",
                update_time=NOW - 60,
                items=(NewsItem(title="双十一<预告>", thumb_url="https://x/1.jpg"),),
            )
        ],
    )
    store.replace_articles(
        APP_ID,
        ArticleSource.PUBLISHED,
        [
            Article(
                source=ArticleSource.PUBLISHED,
                id="a-1",
                update_time=NOW - 7200,
                items=(NewsItem(title="会员日"), NewsItem(title="第二篇")),
            )
        ],
    )
    store.save_state(
        SyncState(
            app_id=APP_ID,
            tags_synced_at=NOW - 30,
            articles_synced_at=NOW - 30,
            drafts_total=1,
            published_total=1,
            tag_count=2,
        )
    )


@pytest.mark.parametrize("path", ROUTES)
def test_no_token_is_401(console: Call, path: str) -> None:
    # Given no authorizer claims / When a catalog route is read / Then 401
    assert console("GET", path, None).status == 401


@pytest.mark.parametrize("path", ROUTES)
def test_another_account_is_forbidden(console: Call, path: str) -> None:
    # Given an admin granted only the other account / Then this account's catalog is 403
    assert console("GET", path, claims("admin", accounts=OTHER_APP_ID)).status == 403


def test_a_user_without_a_role_reads_nothing(console: Call) -> None:
    assert console("GET", f"{BASE}/tags", claims(None)).status == 403


def test_a_viewer_reads_the_synced_tags(console: Call, stack: Settings) -> None:
    # Given a synced copy
    seed(stack)
    # When a viewer reads the tags
    answer = console("GET", f"{BASE}/tags", claims("viewer"))
    # Then they come by id, names in Chinese, with the sync time and the account's zone
    assert answer.status == 200, answer.text
    body = answer.json()
    assert [(t["id"], t["name"], t["count"]) for t in body["tags"]] == [
        (2, "星标组", 3),
        (100, "会员", 7),
    ]
    assert (body["synced_at"], body["timezone"]) == (NOW - 30, "Asia/Shanghai")


def test_a_viewer_reads_the_synced_articles_newest_first(console: Call, stack: Settings) -> None:
    seed(stack)
    answer = console("GET", f"{BASE}/articles", claims("viewer"))
    assert answer.status == 200, answer.text
    body = answer.json()
    assert [(a["source"], a["id"], a["title"]) for a in body["articles"]] == [
        ("draft", "m-1", "双十一<预告>"),
        ("published", "a-1", "会员日"),
    ]
    assert len(body["articles"][1]["items"]) == 2
    assert body["articles"][0]["items"][0]["thumb_url"] == "https://x/1.jpg"
    assert (body["wanted"], body["drafts_total"], body["synced_at"]) == (20, 1, NOW - 30)


def test_before_any_sync_the_lists_are_empty_and_say_so(console: Call) -> None:
    # Given an account never synced / Then empty lists and no sync time, not an error
    tags = console("GET", f"{BASE}/tags", claims("viewer")).json()
    articles = console("GET", f"{BASE}/articles", claims("viewer")).json()
    assert (tags["tags"], tags["synced_at"]) == ([], None)
    assert (articles["articles"], articles["synced_at"]) == ([], None)


def test_an_unknown_account_is_404(console: Call) -> None:
    who = claims("admin", accounts="*")
    assert console("GET", "/console/api/accounts/wx00000000000000ff/tags", who).status == 404


def test_the_routes_are_in_the_openapi_document(console: Call) -> None:
    doc = console("GET", "/console/api/openapi.json", claims("viewer")).json()
    assert {
        "/console/api/accounts/{app_id}/tags",
        "/console/api/accounts/{app_id}/articles",
    } <= set(doc["paths"])
    assert {"TagList", "ArticleList"} <= set(doc["components"]["schemas"])
