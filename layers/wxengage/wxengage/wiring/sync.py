"""The catalog sync wired to this deployment: WeChat's APIs behind the sync's port, the real stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from wxengage.observability import logger
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.follower_tags import FollowerTagStore
from wxengage.sync.engine import sync_account
from wxengage.sync.models import Article, ArticleSource, SyncReport, Tag
from wxengage.sync.parse import articles_from, tags_from, user_tags_from

if TYPE_CHECKING:
    from wxengage.wechat.apis import CatalogApi, UserApi


class WeChatCatalog:
    """The sync's CatalogWeChat port over the client's tags & catalog area."""

    def __init__(self, api: CatalogApi, users: UserApi) -> None:
        self._api = api
        self._users = users

    def tags(self) -> list[Tag]:
        return tags_from(self._api.get_tags())

    def followers_total(self) -> int:
        return self._users.count_followers()

    def user_tags(self, openids: list[str]) -> dict[str, tuple[int, ...]]:
        return user_tags_from(self._api.batch_user_info(openids))

    def articles_page(
        self, source: ArticleSource, offset: int, count: int
    ) -> tuple[list[Article], int]:
        read = self._api.list_drafts if source is ArticleSource.DRAFT else self._api.list_published
        return articles_from(source, read(offset, count))


def catalog_for(app_id: str, settings: Settings) -> WeChatCatalog:
    """One account's WeChat catalog APIs through the project's one client."""
    # Imported on first use, as wiring/recall.py does: the client pins urllib3's logger.
    from wxengage.wechat.apis import CatalogApi, UserApi
    from wxengage.wiring.wechat import client_for

    client = client_for(AccountStore(settings).get(app_id), settings)
    return WeChatCatalog(CatalogApi(client), UserApi(client))


def run_sync(
    settings: Settings,
    now: int,
    app_id: str | None = None,
    articles: int | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    wechat: Callable[[str], WeChatCatalog] | None = None,
) -> list[SyncReport]:
    """Sync every account (the schedule) or one (on demand); one account's failure is reported
    and the others still run."""
    accounts = AccountStore(settings)
    app_ids = [app_id] if app_id else [a.app_id for a in accounts.list_settings()]
    catalog, followers = CatalogStore(settings), FollowerTagStore(settings)
    connect = wechat or (lambda a: catalog_for(a, settings))
    reports = []
    for current in app_ids:
        if out_of_time():
            break  # the next run starts with this account
        try:
            report = sync_account(
                current,
                connect(current),
                catalog,
                followers,
                now,
                articles=articles,
                out_of_time=out_of_time,
            )
        except Exception as err:
            if app_id:  # on demand: the caller hears why
                raise
            logger.exception("catalog sync failed for an account", extra={"app_id": current})
            report = SyncReport(app_id=current, errors=[f"{type(err).__name__}: {err}"])
        reports.append(report)
    return reports
