"""The refresh request's pure rules: where it stands, when the next may start, the event's shape."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wxengage.sync.refresh import (
    REFRESH_LOST_SECONDS,
    REFRESH_QUIET_SECONDS,
    RefreshRequest,
    finish_error,
    next_refresh_at,
    refresh_status,
)
from wxengage.sync.requests import SyncRequest

NOW = 1_795_341_600


def _request(**changes: object) -> RefreshRequest:
    return RefreshRequest.model_validate(
        {"app_id": "wx0123456789abcdef", "articles": 20, "requested_at": NOW} | changes
    )


def test_a_request_is_pending_until_answered_then_lost() -> None:
    asked = _request()
    assert refresh_status(asked, NOW) == "pending"
    assert refresh_status(asked, NOW + REFRESH_LOST_SECONDS - 1) == "pending"
    assert refresh_status(asked, NOW + REFRESH_LOST_SECONDS) == "lost"


def test_an_answered_request_is_done_or_failed_whenever_read() -> None:
    later = NOW + 10 * REFRESH_LOST_SECONDS
    assert refresh_status(_request(finished_at=NOW + 5), later) == "done"
    failed = _request(finished_at=NOW + 5, error="draft list: 45009")
    assert refresh_status(failed, later) == "failed"


def test_the_next_request_may_start_a_quiet_minute_later() -> None:
    assert next_refresh_at(_request()) == NOW + REFRESH_QUIET_SECONDS


def test_a_runs_errors_are_joined_and_bounded() -> None:
    assert finish_error([]) is None
    assert finish_error(["a", "b"]) == "a; b"
    assert len(finish_error(["x" * 800, "y" * 800]) or "") == 1000


@pytest.mark.parametrize("articles", [0, 501])
def test_a_request_keeps_1_to_500_articles(articles: int) -> None:
    with pytest.raises(ValidationError):
        _request(articles=articles)


def test_the_sync_event_names_the_account_of_a_refresh() -> None:
    event = {"app_id": "wx0123456789abcdef", "articles": 500, "requested_at": NOW}
    assert SyncRequest.from_event(event).requested_at == NOW
    with pytest.raises(ValidationError):
        SyncRequest.from_event({"requested_at": NOW})
    assert SyncRequest.from_event({"detail-type": "Scheduled Event"}).requested_at is None
