"""WeChat's answers read into the sync's models (tolerant of missing fields, strict on types)."""

from __future__ import annotations

from typing import Any

from wxengage.sync.models import Article, ArticleSource, NewsItem, Tag

_ID_FIELD = {ArticleSource.DRAFT: "media_id", ArticleSource.PUBLISHED: "article_id"}


def tags_from(raw: list[dict[str, Any]]) -> list[Tag]:
    """tags/get's `tags`."""
    return [
        Tag(id=int(t["id"]), name=str(t.get("name", "")), count=int(t.get("count") or 0))
        for t in raw
    ]


def user_tags_from(raw: list[dict[str, Any]]) -> dict[str, tuple[int, ...]]:
    """user/info/batchget's `user_info_list`: openid -> tag ids; a non-follower has none."""
    out: dict[str, tuple[int, ...]] = {}
    for user in raw:
        openid = user.get("openid")
        if not isinstance(openid, str):
            continue
        subscribed = int(user.get("subscribe") or 0) == 1
        out[openid] = tuple(int(t) for t in user.get("tagid_list") or []) if subscribed else ()
    return out


def articles_from(source: ArticleSource, data: dict[str, Any]) -> tuple[list[Article], int]:
    """draft/batchget or freepublish/batchget: the page's items and `total_count`."""
    found = []
    for item in data.get("item") or []:
        ident = item.get(_ID_FIELD[source])
        if not isinstance(ident, str) or not ident:
            continue
        content = item.get("content") or {}
        news = [_news(n) for n in content.get("news_item") or []]
        updated = item.get("update_time") or content.get("update_time") or 0
        found.append(Article(source=source, id=ident, update_time=int(updated), items=tuple(news)))
    return found, int(data.get("total_count") or 0)


def _news(raw: dict[str, Any]) -> NewsItem:
    return NewsItem(
        title=str(raw.get("title") or ""),
        author=str(raw.get("author") or ""),
        digest=str(raw.get("digest") or ""),
        thumb_url=str(raw.get("thumb_url") or ""),
        url=str(raw.get("url") or ""),
        is_deleted=bool(raw.get("is_deleted") or False),
    )
