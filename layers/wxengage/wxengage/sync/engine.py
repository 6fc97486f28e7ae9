"""One account's sync run: tags, articles when due, then a bounded slice of the follower tag pass."""

from __future__ import annotations

from collections.abc import Callable

from wxengage.observability import logger
from wxengage.sync.models import (
    USERS_PAGE,
    Article,
    ArticleSource,
    StoredTags,
    SyncReport,
    SyncState,
)
from wxengage.sync.policy import (
    article_count,
    article_pages,
    articles_due,
    iso_utc,
    needs_tag_write,
    normal_tags,
)
from wxengage.sync.ports import CatalogPort, CatalogWeChat, FollowerTagsPort
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError

# Followers one run looks at per account: 200 batchget calls, well inside the function's timeout
# and, every 15 minutes, 19,200 calls a day at most whatever the account's size.
MAX_FOLLOWERS_PER_RUN = 20_000
WeChatFailure = (WeChatApiError, WeChatTransportError)
INVALID_OPENID = 40003


def sync_account(
    app_id: str,
    wechat: CatalogWeChat,
    catalog: CatalogPort,
    followers: FollowerTagsPort,
    now: int,
    *,
    articles: int | None = None,
    max_followers: int = MAX_FOLLOWERS_PER_RUN,
    out_of_time: Callable[[], bool] = lambda: False,
) -> SyncReport:
    """Sync one account; `articles` forces an article refresh of that many items per source.

    Each step stands alone: a WeChat failure in one is reported and the others still run. The
    follower pass saves its cursor after every page, so a failed or stopped run loses nothing
    and the next one resumes there.
    """
    forced = articles is not None
    wanted = article_count(articles) if articles is not None else None
    state = catalog.state(app_id) or SyncState(app_id=app_id)
    report = SyncReport(app_id=app_id)
    state = _sync_tags(app_id, wechat, catalog, state, report, now)
    state = _count_followers(wechat, state, report, now)
    if articles_due(state.articles_synced_at, now, forced):
        state = _sync_articles(app_id, wechat, catalog, state, report, now, wanted)
    state = state.advance(last_run_at=now, last_error=report.errors[-1] if report.errors else None)
    catalog.save_state(state)
    _tag_pass(app_id, wechat, catalog, followers, state, report, now, max_followers, out_of_time)
    return report


def _sync_tags(
    app_id: str,
    wechat: CatalogWeChat,
    catalog: CatalogPort,
    state: SyncState,
    report: SyncReport,
    now: int,
) -> SyncState:
    try:
        tags = wechat.tags()
    except WeChatFailure as err:
        report.errors.append(f"tags/get: {err}")
        return state
    catalog.replace_tags(app_id, tags)
    report.tags = len(tags)
    return state.advance(tags_synced_at=now, tag_count=len(tags))


def _count_followers(
    wechat: CatalogWeChat, state: SyncState, report: SyncReport, now: int
) -> SyncState:
    try:
        total = wechat.followers_total()
    except WeChatFailure as err:
        report.errors.append(f"user/get: {err}")  # the last count stays, with its time
        return state
    report.followers_total = total
    return state.advance(followers_total=total, followers_counted_at=now)


def _sync_articles(
    app_id: str,
    wechat: CatalogWeChat,
    catalog: CatalogPort,
    state: SyncState,
    report: SyncReport,
    now: int,
    wanted: int | None,
) -> SyncState:
    count = wanted or state.articles_wanted
    totals: dict[ArticleSource, int] = {}
    for source in ArticleSource:
        try:
            found, total = _read_articles(wechat, source, count)
        except WeChatFailure as err:
            # The stored copy of this source stays as it was: better stale than emptied.
            report.errors.append(f"{source.value} list: {err}")
            continue
        catalog.replace_articles(app_id, source, found)
        totals[source] = total
    if len(totals) < len(ArticleSource):
        return state.advance(articles_wanted=count)
    report.articles_refreshed = True
    report.drafts = totals[ArticleSource.DRAFT]
    report.published = totals[ArticleSource.PUBLISHED]
    return state.advance(
        articles_synced_at=now,
        articles_wanted=count,
        drafts_total=report.drafts,
        published_total=report.published,
    )


def _read_articles(
    wechat: CatalogWeChat, source: ArticleSource, wanted: int
) -> tuple[list[Article], int]:
    """The first `wanted` items of a source in WeChat's order, read 20 a call."""
    found: dict[str, Article] = {}
    total: int | None = None
    offset = 0
    while True:
        pages = article_pages(wanted, total)
        if offset >= len(pages):
            break
        page, total = wechat.articles_page(source, *pages[offset])
        for article in page:
            found.setdefault(article.id, article)  # an item that moved up a page counts once
        offset += 1
        if not page:
            break
    return list(found.values()), total or 0


def _tag_pass(
    app_id: str,
    wechat: CatalogWeChat,
    catalog: CatalogPort,
    followers: FollowerTagsPort,
    state: SyncState,
    report: SyncReport,
    now: int,
    max_followers: int,
    out_of_time: Callable[[], bool],
) -> None:
    if not state.pass_cursor:
        state = state.advance(pass_started_at=now, pass_seen=0, pass_written=0)
    stamp = iso_utc(now)
    while report.followers_seen < max_followers and not out_of_time():
        page = followers.page(app_id, state.pass_cursor, USERS_PAGE)
        if not page:
            state = state.advance(pass_cursor="", pass_completed_at=now)
            report.pass_completed = True
            break
        try:
            fresh = _fresh_tags(wechat, [f.openid for f in page if f.subscribed], report)
        except WeChatFailure as err:
            report.errors.append(f"user/info/batchget: {err}")
            state = state.advance(last_error=report.errors[-1])
            break
        written = _write_page(app_id, followers, page, fresh, stamp, now, report)
        state = state.advance(
            pass_cursor=page[-1].openid,
            pass_seen=state.pass_seen + len(page),
            pass_written=state.pass_written + written,
        )
        catalog.save_state(state)  # the cursor after every page: a crash repeats one page at most
        report.followers_seen += len(page)
    catalog.save_state(state)


def _write_page(
    app_id: str,
    followers: FollowerTagsPort,
    page: list[StoredTags],
    fresh: dict[str, tuple[int, ...]],
    stamp: str,
    now: int,
    report: SyncReport,
) -> int:
    written = 0
    for follower in page:
        tags = fresh.get(follower.openid)
        if tags is None or not needs_tag_write(
            follower.tag_ids, follower.tags_synced_at, tags, now
        ):
            continue
        if followers.write(app_id, follower.openid, normal_tags(tags), stamp):
            written += 1
        else:
            report.followers_missing += 1  # gone since the page was read: never re-created
    report.followers_written += written
    return written


def _fresh_tags(
    wechat: CatalogWeChat, openids: list[str], report: SyncReport
) -> dict[str, tuple[int, ...]]:
    """Tag ids of `openids`; a batch refused for an invalid openid (40003) is halved until the
    bad openid stands alone, and that one is skipped (whether WeChat refuses the whole batch
    for one bad openid is unverified; this holds either way)."""
    if not openids:
        return {}
    try:
        return wechat.user_tags(openids)
    except WeChatApiError as err:
        if err.errcode != INVALID_OPENID:
            raise
    if len(openids) == 1:
        report.invalid_openids += 1
        logger.warning("WeChat refused an openid the follower store holds", extra={"n": 1})
        return {}
    half = len(openids) // 2
    return _fresh_tags(wechat, openids[:half], report) | _fresh_tags(wechat, openids[half:], report)
