"""In-memory fakes of the sync's ports: WeChat's catalog APIs, the catalog and follower stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from wxengage.sync.models import Article, ArticleSource, NewsItem, StoredTags, SyncState, Tag
from wxengage.wechat.api_errors import WeChatApiError


@dataclass
class FakeWeChat:
    """Tags, followers' tags and articles as WeChat holds them; records every call."""

    tag_list: list[Tag] = field(default_factory=list)
    follower_tags: dict[str, tuple[int, ...]] = field(default_factory=dict)
    items: dict[ArticleSource, list[Article]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail: dict[str, WeChatApiError] = field(default_factory=dict)
    fail_batch_after: int | None = None  # batchget calls that succeed before it fails

    def tags(self) -> list[Tag]:
        self.calls.append("tags")
        if "tags" in self.fail:
            raise self.fail["tags"]
        return list(self.tag_list)

    def followers_total(self) -> int:
        self.calls.append("followers")
        if "followers" in self.fail:
            raise self.fail["followers"]
        return len(self.follower_tags)

    def user_tags(self, openids: list[str]) -> dict[str, tuple[int, ...]]:
        assert 1 <= len(openids) <= 100
        self.calls.append(f"batchget:{len(openids)}")
        done = sum(c.startswith("batchget") for c in self.calls) - 1
        if self.fail_batch_after is not None and done >= self.fail_batch_after:
            raise WeChatApiError(-1, "system error", "/cgi-bin/user/info/batchget")
        if any(o not in self.follower_tags for o in openids):
            raise WeChatApiError(40003, "invalid openid", "/cgi-bin/user/info/batchget")
        return {o: self.follower_tags[o] for o in openids}

    def articles_page(
        self, source: ArticleSource, offset: int, count: int
    ) -> tuple[list[Article], int]:
        assert 1 <= count <= 20, count
        self.calls.append(f"{source.value}:{offset}:{count}")
        if source.value in self.fail:
            raise self.fail[source.value]
        found = self.items.get(source, [])
        return found[offset : offset + count], len(found)


@dataclass
class FakeCatalog:
    """The synced copy in memory."""

    states: dict[str, SyncState] = field(default_factory=dict)
    tag_store: dict[str, list[Tag]] = field(default_factory=dict)
    article_store: dict[tuple[str, ArticleSource], list[Article]] = field(default_factory=dict)
    saved: int = 0

    def state(self, app_id: str) -> SyncState | None:
        return self.states.get(app_id)

    def save_state(self, state: SyncState) -> None:
        self.states[state.app_id] = state
        self.saved += 1

    def replace_tags(self, app_id: str, tags: list[Tag]) -> int:
        self.tag_store[app_id] = list(tags)
        return len(tags)

    def replace_articles(self, app_id: str, source: ArticleSource, articles: list[Article]) -> int:
        self.article_store[(app_id, source)] = list(articles)
        return len(articles)

    def tags(self, app_id: str) -> list[Tag]:
        return self.tag_store.get(app_id, [])

    def articles(self, app_id: str) -> list[Article]:
        found = [
            a for (app, _), items in self.article_store.items() if app == app_id for a in items
        ]
        return sorted(found, key=lambda a: -a.update_time)


@dataclass
class FakeFollowers:
    """Followers keyed by openid, read in key order as a DynamoDB Query reads them."""

    rows: dict[str, StoredTags] = field(default_factory=dict)
    writes: list[tuple[str, tuple[int, ...], str]] = field(default_factory=list)
    vanish: set[str] = field(default_factory=set)  # deleted between the read and the write

    def page(self, app_id: str, after: str, limit: int) -> list[StoredTags]:
        keys = sorted(k for k in self.rows if k > after)[:limit]
        return [self.rows[k] for k in keys]

    def write(self, app_id: str, openid: str, tag_ids: tuple[int, ...], synced_at: str) -> bool:
        if openid in self.vanish or openid not in self.rows:
            return False
        self.writes.append((openid, tag_ids, synced_at))
        old = self.rows[openid]
        self.rows[openid] = StoredTags(
            openid=openid, subscribed=old.subscribed, tag_ids=tag_ids, tags_synced_at=synced_at
        )
        return True


def article(source: ArticleSource, n: int, updated: int) -> Article:
    """An item with one article titled `文章<n>`."""
    prefix = "m" if source is ArticleSource.DRAFT else "a"
    return Article(
        source=source,
        id=f"{prefix}{n:04d}",
        update_time=updated,
        items=(NewsItem(title=f"文章{n}", thumb_url=f"https://x/{n}.jpg"),),
    )


def followers(
    n: int, tags: tuple[int, ...] = (100,)
) -> tuple[FakeFollowers, dict[str, tuple[int, ...]]]:
    """`n` stored followers without tags, and WeChat's view giving each `tags`."""
    names = [f"o-{i:06d}" for i in range(n)]
    return (
        FakeFollowers(rows={o: StoredTags(openid=o) for o in names}),
        dict.fromkeys(names, tags),
    )
