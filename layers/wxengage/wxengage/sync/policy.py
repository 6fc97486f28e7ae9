"""The sync's rules as pure functions: when to refresh articles, when to rewrite a follower's tags."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from wxengage.sync.models import ARTICLES_MAX, ARTICLES_PAGE

# Articles change when an editor works, not every 15 minutes: a scheduled run refreshes them at
# most this often (an on-demand run always does). draft/batchget and freepublish/batchget
# quotas are unverified; 500 articles cost 25 calls per source.
ARTICLES_EVERY_SECONDS = 3600
# A follower whose tags did not change is re-stamped at most this often, so tags_synced_at
# still proves the tags were checked within a day without a write per follower per run.
RESTAMP_SECONDS = 86400


class ArticleCountError(ValueError):
    """An article count outside 1..500."""


def article_count(wanted: int) -> int:
    """`wanted` checked: 1..500 (DM Hub offers the latest 20 or 500)."""
    if not 1 <= wanted <= ARTICLES_MAX:
        raise ArticleCountError(f"articles must be 1..{ARTICLES_MAX}, not {wanted}")
    return wanted


def article_pages(wanted: int, total: int | None = None) -> list[tuple[int, int]]:
    """(offset, count) of each call that reads the first `wanted` items, 20 a call, stopping at
    `total` when it is known."""
    limit = wanted if total is None else min(wanted, total)
    return [(off, min(ARTICLES_PAGE, limit - off)) for off in range(0, limit, ARTICLES_PAGE)]


def articles_due(last_synced_at: int | None, now: int, forced: bool) -> bool:
    """Whether this run refreshes the articles."""
    return forced or last_synced_at is None or now - last_synced_at >= ARTICLES_EVERY_SECONDS


def normal_tags(tag_ids: Iterable[int]) -> tuple[int, ...]:
    """Tag ids as stored: unique and sorted, so an unchanged set compares equal."""
    return tuple(sorted({int(t) for t in tag_ids}))


def iso_utc(ts: int) -> str:
    """`2026-12-03T16:00:00Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> int | None:
    """Epoch seconds of an ISO-8601 UTC stamp; None when it does not parse."""
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def needs_tag_write(
    stored: tuple[int, ...] | None, stored_at: str | None, fresh: tuple[int, ...], now: int
) -> bool:
    """Write a follower's tags when they changed, were never written, or were last stamped more
    than a day ago; otherwise the run only reads."""
    if stored is None or normal_tags(stored) != normal_tags(fresh) or stored_at is None:
        return True
    stamped = parse_iso_utc(stored_at)
    return stamped is None or now - stamped >= RESTAMP_SECONDS
