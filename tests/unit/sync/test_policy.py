"""The sync's pure rules: article paging, when articles refresh, when a follower's tags are rewritten."""

from __future__ import annotations

import pytest

from wxengage.sync.policy import (
    RESTAMP_SECONDS,
    ArticleCountError,
    article_count,
    article_pages,
    articles_due,
    iso_utc,
    needs_tag_write,
    parse_iso_utc,
)

NOW = 1_795_341_600


def test_500_articles_are_read_20_a_call() -> None:
    # Given the DM Hub maximum / When paged / Then 25 calls of 20, contiguous
    pages = article_pages(500)
    assert len(pages) == 25
    assert all(count == 20 for _, count in pages)
    assert [off for off, _ in pages] == list(range(0, 500, 20))


def test_paging_stops_at_what_the_account_has() -> None:
    # Given 45 wanted but 33 in the box / Then 20 then 13
    assert article_pages(45, total=33) == [(0, 20), (20, 13)]
    assert article_pages(20, total=0) == []


@pytest.mark.parametrize("bad", [0, -1, 501])
def test_article_count_outside_1_to_500_is_refused(bad: int) -> None:
    with pytest.raises(ArticleCountError):
        article_count(bad)


def test_articles_refresh_hourly_unless_forced() -> None:
    assert articles_due(None, NOW, forced=False)
    assert not articles_due(NOW - 900, NOW, forced=False)
    assert articles_due(NOW - 3600, NOW, forced=False)
    assert articles_due(NOW - 60, NOW, forced=True)


def test_unchanged_fresh_tags_are_not_rewritten() -> None:
    stamp = iso_utc(NOW - 600)
    assert not needs_tag_write((2, 100), stamp, (100, 2), NOW)


def test_changed_missing_or_day_old_tags_are_written() -> None:
    assert needs_tag_write((2,), iso_utc(NOW - 600), (2, 100), NOW)
    assert needs_tag_write(None, None, (), NOW)
    assert needs_tag_write((), None, (), NOW)
    assert needs_tag_write((2,), iso_utc(NOW - RESTAMP_SECONDS), (2,), NOW)
    assert needs_tag_write((2,), "not a time", (2,), NOW)


def test_stamps_are_iso_utc_and_read_back() -> None:
    assert iso_utc(NOW) == "2026-11-22T10:00:00Z"
    assert parse_iso_utc(iso_utc(NOW)) == NOW
