"""The designer's API tests' shared data: a campaign spec in Chinese, a synced catalog, followers."""

from __future__ import annotations

import copy
from typing import Any

from tests.console.conftest import claims
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.follower_tags import FollowerTagStore
from wxengage.store.followers import FollowerStore
from wxengage.sync.models import Article, ArticleSource, NewsItem, SyncState, Tag
from wxengage.windows import FollowerState

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
OPERATOR = claims("operator")
VIEWER = claims("viewer")
BASE = f"/console/api/accounts/{APP_ID}/campaigns"
VIP, NEWCOMER = 101, 102


def ab_spec() -> dict[str, Any]:
    """会员 (tag 101) A/B tested at 21:00 Shanghai on two drafts, then 新客 (tag 102), then the rest."""
    return {
        "name": "双十二 会员活动",
        "groups": [
            {
                "name": "会员",
                "audience": {"tags": [VIP]},
                "ab_test": {
                    "variants": [
                        {
                            "name": name,
                            "content": {"type": "mpnews", "media_id": media},
                            "ratio": 0.2,
                            "send_at": "2026-11-22T21:00:00",
                        }
                        for name, media in (("A组", "m-a"), ("B组", "m-b"))
                    ]
                },
            },
            {
                "name": "新客",
                "audience": {"tags": [NEWCOMER]},
                "content": {"type": "text", "content": "欢迎 👋"},
                "send_at": "2026-11-22T21:30:00",
            },
            {
                "name": "其他",
                "audience": "remaining",
                "content": {"type": "mpnews", "media_id": "m-a"},
            },
        ],
    }


def synced(stack: Settings, *, followers_total: int | None = None) -> None:
    """The synced copy: tags 101 (会员, 8 on WeChat) and 102 (新客, 6), drafts m-a and m-b,
    and a published item p-1."""
    store = CatalogStore(stack)
    store.replace_tags(
        APP_ID, [Tag(id=VIP, name="会员", count=8), Tag(id=NEWCOMER, name="新客", count=6)]
    )
    drafts = [
        Article(source=ArticleSource.DRAFT, id=i, items=(NewsItem(title=i),))
        for i in ("m-a", "m-b")
    ]
    store.replace_articles(APP_ID, ArticleSource.DRAFT, drafts)
    published = [Article(source=ArticleSource.PUBLISHED, id="p-1", items=(NewsItem(title="p"),))]
    store.replace_articles(APP_ID, ArticleSource.PUBLISHED, published)
    store.save_state(
        SyncState(
            app_id=APP_ID,
            tags_synced_at=NOW - 60,
            articles_synced_at=NOW - 60,
            tag_count=2,
            followers_total=followers_total,
            pass_completed_at=NOW - 30,
        )
    )


def follower(
    stack: Settings, openid: str, tags: tuple[int, ...] | None, *, subscribed: bool = True
) -> None:
    """A follower the engine has seen; with `tags`, their tags as the sync's tag pass wrote them."""
    FollowerStore(stack).update(
        APP_ID,
        openid,
        lambda _s: FollowerState(
            app_id=APP_ID, openid=openid, subscribed=subscribed, subscription_at=NOW - 600
        ),
    )
    if tags is not None:
        assert FollowerTagStore(stack).write(APP_ID, openid, tags, "2026-11-22T09:59:00Z")


def stored(stack: Settings) -> list[Any]:
    return CampaignStore(stack).all(APP_ID)


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(ab_spec())
    at: Any = spec
    for step in path[:-1]:
        at = at[step]
    at[path[-1]] = value
    return spec


def stale_and_unknown() -> dict[str, Any]:
    """A variant at 17:00 (an hour ago) and tag 999, which was never synced."""
    spec = broken(["groups", 0, "ab_test", "variants", 0, "send_at"], "2026-11-22T17:00:00")
    spec["groups"][1]["audience"]["tags"] = [999]
    return spec
