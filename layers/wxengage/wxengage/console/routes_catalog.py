"""Read routes over the synced WeChat catalog: the account's tags and articles, never calling WeChat.

Times are epoch seconds beside the account's IANA time zone, as every console answer.
"""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel, ConfigDict

from wxengage.accounts import AccountSettings
from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.sync.models import Article, NewsItem, SyncState, Tag


class CatalogReader(Protocol):
    """The synced copy (store/catalog.py)."""

    def state(self, app_id: str) -> SyncState | None: ...
    def tags(self, app_id: str) -> list[Tag]: ...
    def articles(self, app_id: str) -> list[Article]: ...


class SettingsReader(Protocol):
    """The account's settings (for its time zone)."""

    def read_settings(self, app_id: str) -> AccountSettings: ...


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class TagList(_Out):
    """The account's tags as last synced; `synced_at` None: never synced yet."""

    app_id: str
    timezone: str
    synced_at: int | None
    last_error: str | None
    tags: list[Tag]


class ArticleRow(_Out):
    """A draft (`id` = media_id, mpnews) or a published item (`id` = article_id, mpnewsarticle)."""

    source: str
    id: str
    title: str
    update_time: int
    items: list[NewsItem]


class ArticleList(_Out):
    """The latest `wanted` drafts and published items as last synced, newest first."""

    app_id: str
    timezone: str
    synced_at: int | None
    wanted: int
    drafts_total: int
    published_total: int
    last_error: str | None
    articles: list[ArticleRow]


def register(app: APIGatewayHttpResolver, catalog: CatalogReader, accounts: SettingsReader) -> None:
    """Add the catalog routes to `app` (viewer and up, granted accounts only)."""

    def granted(app_id: str) -> tuple[str, str]:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(Role.VIEWER)
        caller.require_account(app_id)
        return app_id, accounts.read_settings(app_id).timezone

    @app.get(f"{API}/accounts/<app_id>/tags", summary="The account's tags, from the synced copy")
    def tags(app_id: str) -> TagList:
        app_id, zone = granted(app_id)
        state = catalog.state(app_id)
        return TagList(
            app_id=app_id,
            timezone=zone,
            synced_at=state.tags_synced_at if state else None,
            last_error=state.last_error if state else None,
            tags=catalog.tags(app_id),
        )

    @app.get(
        f"{API}/accounts/<app_id>/articles",
        summary="The account's drafts and published articles, from the synced copy",
    )
    def articles(app_id: str) -> ArticleList:
        app_id, zone = granted(app_id)
        state = catalog.state(app_id) or SyncState(app_id=app_id)
        return ArticleList(
            app_id=app_id,
            timezone=zone,
            synced_at=state.articles_synced_at,
            wanted=state.articles_wanted,
            drafts_total=state.drafts_total,
            published_total=state.published_total,
            last_error=state.last_error,
            articles=[
                ArticleRow(
                    source=a.source.value,
                    id=a.id,
                    title=a.title,
                    update_time=a.update_time,
                    items=list(a.items),
                )
                for a in catalog.articles(app_id)
            ],
        )
