"""The sync function answering the console's refresh request (events/sync/refresh.json)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.conftest import FakeClock
from tests.sync.conftest import NOW, SyncWorld
from wxengage.store.catalog import CatalogStore
from wxengage.store.catalog_refresh import RefreshStore
from wxengage.sync.refresh import REFRESH_QUIET_SECONDS, RefreshRequest, refresh_status


def _asked(world: SyncWorld, at: int = NOW, articles: int = 20) -> RefreshRequest:
    """A refresh request as the console claims it before invoking the sync."""
    request = RefreshRequest(
        app_id=world.app_id, articles=articles, requested_at=at, requested_by="li"
    )
    assert RefreshStore(world.settings).claim(request, REFRESH_QUIET_SECONDS) is None
    return request


def test_the_refresh_event_syncs_the_account_and_marks_the_request_done(
    world: SyncWorld, fake_clock: FakeClock
) -> None:
    # Given two drafts in WeChat and the console's refresh request of NOW, still pending
    world.article("draft", "m1", "会员日", NOW - 60)
    world.article("draft", "m2", "新品", NOW - 600)
    _asked(world)
    pending = RefreshStore(world.settings).get(world.app_id)
    assert pending is not None and refresh_status(pending, NOW) == "pending"
    # When the sample refresh event arrives ten seconds later
    fake_clock.advance(10)
    result = world.invoke(world.event("refresh.json"))
    # Then the articles are stored and the request is done at the run's end, without error
    assert [r["app_id"] for r in result["accounts"]] == [world.app_id]
    assert [a.id for a in CatalogStore(world.settings).articles(world.app_id)] == ["m1", "m2"]
    done = RefreshStore(world.settings).get(world.app_id)
    assert done is not None
    assert (done.finished_at, done.error, done.requested_by) == (NOW + 10, None, "li")
    assert refresh_status(done, NOW + 10) == "done"


def test_a_failing_run_marks_the_request_failed_and_keeps_the_copy(
    world: SyncWorld, fake_clock: FakeClock
) -> None:
    # Given a synced draft, then WeChat failing the draft list (the sandbox's fault)
    world.article("draft", "m1", "会员日", NOW - 60)
    world.invoke({"app_id": world.app_id, "articles": 20})
    fake_clock.advance(REFRESH_QUIET_SECONDS)
    world.fault(api="/cgi-bin/draft/batchget", errcode=45009, times=5)
    asked = _asked(world, at=NOW + REFRESH_QUIET_SECONDS)
    # When the run for that request meets the fault
    world.invoke({"app_id": world.app_id, "articles": 20, "requested_at": asked.requested_at})
    # Then the request is failed with WeChat's error, and the stored copy is as it was
    failed = RefreshStore(world.settings).get(world.app_id)
    assert failed is not None and failed.error is not None and "45009" in failed.error
    assert refresh_status(failed, NOW + REFRESH_QUIET_SECONDS) == "failed"
    assert [a.id for a in CatalogStore(world.settings).articles(world.app_id)] == ["m1"]


def test_an_older_run_does_not_close_a_newer_request(
    world: SyncWorld, fake_clock: FakeClock
) -> None:
    # Given a request at NOW, replaced by one a quiet minute later
    _asked(world, at=NOW)
    newer = _asked(world, at=NOW + REFRESH_QUIET_SECONDS, articles=500)
    # When the run for the first one ends
    fake_clock.advance(REFRESH_QUIET_SECONDS + 5)
    world.invoke({"app_id": world.app_id, "articles": 20, "requested_at": NOW})
    # Then the newer request is still pending, for its own run
    standing = RefreshStore(world.settings).get(world.app_id)
    assert standing == newer
    assert refresh_status(standing, NOW + REFRESH_QUIET_SECONDS + 5) == "pending"


@pytest.mark.parametrize(
    "bad",
    [
        {"requested_at": NOW},  # a refresh names its account
        {"app_id": "wx134c8103faa5a59e", "requested_at": -1},
        {"app_id": "wx134c8103faa5a59e", "requested_at": "soon"},
    ],
)
def test_a_bad_refresh_event_is_refused_and_writes_nothing(
    world: SyncWorld, bad: dict[str, object]
) -> None:
    asked = _asked(world)
    with pytest.raises(ValidationError):
        world.invoke(bad)
    assert CatalogStore(world.settings).state(world.app_id) is None
    assert RefreshStore(world.settings).get(world.app_id) == asked
