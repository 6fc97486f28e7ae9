"""What the catalog sync needs, as ports; wiring/sync.py hands it WeChat and the real stores."""

from __future__ import annotations

from typing import Protocol

from wxengage.sync.models import Article, ArticleSource, StoredTags, SyncState, Tag


class CatalogWeChat(Protocol):
    """WeChat's tag, user and article list APIs for one account."""

    def tags(self) -> list[Tag]: ...

    def followers_total(self) -> int:
        """How many follow the account (user/get's `total`, one call)."""
        ...

    def user_tags(self, openids: list[str]) -> dict[str, tuple[int, ...]]:
        """Tag ids of up to 100 followers (user/info/batchget); an unfollowed openid maps to ()."""
        ...

    def articles_page(
        self, source: ArticleSource, offset: int, count: int
    ) -> tuple[list[Article], int]:
        """One page of drafts or published items, and how many there are in all."""
        ...


class CatalogPort(Protocol):
    """The synced copy: tags, articles and the sync state of each account."""

    def state(self, app_id: str) -> SyncState | None: ...
    def save_state(self, state: SyncState) -> None: ...
    def replace_tags(self, app_id: str, tags: list[Tag]) -> int: ...
    def replace_articles(
        self, app_id: str, source: ArticleSource, articles: list[Article]
    ) -> int: ...
    def tags(self, app_id: str) -> list[Tag]: ...
    def articles(self, app_id: str) -> list[Article]: ...


class FollowerTagsPort(Protocol):
    """Followers' stored tag ids: read in openid order, written only onto existing followers."""

    def page(self, app_id: str, after: str, limit: int) -> list[StoredTags]: ...

    def write(self, app_id: str, openid: str, tag_ids: tuple[int, ...], synced_at: str) -> bool:
        """Set tag_ids and tags_synced_at; False when the follower is not stored (never created)."""
        ...
