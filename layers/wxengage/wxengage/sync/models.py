"""What the catalog sync keeps: tags, articles, a follower's stored tags and the account's sync state."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# WeChat pages draft/batchget and freepublish/batchget by at most 20 (count 1..20: wechatpy
# client/api/freepublish.py batchget, developers.weixin.qq.com Draft_Box/Get_draft_list.html).
ARTICLES_PAGE = 20
ARTICLES_DEFAULT = 20
ARTICLES_MAX = 500
# user/info/batchget takes at most 100 openids a call (wechatpy client/api/user.py get_batch).
USERS_PAGE = 100


class ArticleSource(StrEnum):
    """Where an article comes from: the draft box (media_id) or the published list (article_id)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Tag(BaseModel):
    """One of the account's tags, as tags/get lists it."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(ge=0)
    name: str
    count: int = Field(default=0, ge=0)


class NewsItem(BaseModel):
    """One article of a draft or published item (an item holds 1..8 of them)."""

    model_config = ConfigDict(frozen=True)

    title: str = ""
    author: str = ""
    digest: str = ""
    thumb_url: str = ""
    url: str = ""
    is_deleted: bool = False


class Article(BaseModel):
    """A draft (`id` = media_id, for mpnews) or a published item (`id` = article_id, for
    mpnewsarticle), with its articles in order."""

    model_config = ConfigDict(frozen=True)

    source: ArticleSource
    id: str = Field(min_length=1, max_length=256)
    update_time: int = 0
    items: tuple[NewsItem, ...] = ()

    @property
    def title(self) -> str:
        """The first article's title (what a list shows)."""
        return self.items[0].title if self.items else ""


class StoredTags(BaseModel):
    """A follower as the tag pass reads it from the follower store."""

    model_config = ConfigDict(frozen=True)

    openid: str
    subscribed: bool = True
    tag_ids: tuple[int, ...] | None = None
    tags_synced_at: str | None = None


class SyncState(BaseModel):
    """Where the account's sync stands: the tag pass cursor, the last refreshes, the last error."""

    # forbid: a state is changed by validating a new one (`advance`), so a misspelt key fails.
    model_config = ConfigDict(frozen=True, extra="forbid")

    app_id: str
    last_run_at: int | None = None
    tags_synced_at: int | None = None
    tag_count: int = 0
    articles_synced_at: int | None = None
    articles_wanted: int = Field(default=ARTICLES_DEFAULT, ge=1, le=ARTICLES_MAX)
    drafts_total: int = 0
    published_total: int = 0
    followers_total: int | None = None
    # The follower tag pass: resumes after `pass_cursor` (an openid; "" = from the start).
    pass_cursor: str = ""
    pass_started_at: int | None = None
    pass_completed_at: int | None = None
    pass_seen: int = 0
    pass_written: int = 0
    last_error: str | None = None

    def advance(self, **changes: object) -> SyncState:
        """The state with `changes`, validated (an unknown field raises)."""
        return SyncState.model_validate(self.model_dump() | changes)


class SyncReport(BaseModel):
    """What one run did for one account."""

    app_id: str
    tags: int = 0
    articles_refreshed: bool = False
    drafts: int = 0
    published: int = 0
    followers_seen: int = 0
    followers_written: int = 0
    followers_missing: int = 0
    invalid_openids: int = 0
    pass_completed: bool = False
    errors: list[str] = Field(default_factory=list)
