"""The console's refresh wired: the request claimed in the store, the sync function invoked
asynchronously (the page never waits on WeChat), and the run reporting back when it is done."""

from __future__ import annotations

from collections.abc import Callable

from wxengage import clock
from wxengage.observability import logger
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.catalog_refresh import RefreshStore
from wxengage.sync.models import SyncReport
from wxengage.sync.refresh import (
    REFRESH_QUIET_SECONDS,
    RefreshRequest,
    RefreshUnavailableError,
    finish_error,
)
from wxengage.sync.requests import SyncRequest


class CatalogRefresher:
    """The console's refresh port: one run per account per quiet minute."""

    def __init__(self, settings: Settings, sync_function: str) -> None:
        self._store = RefreshStore(settings)
        self._function = sync_function

    def latest(self, app_id: str) -> RefreshRequest | None:
        """The account's latest request."""
        return self._store.get(app_id)

    def request(self, app_id: str, articles: int, by: str, now: int) -> tuple[RefreshRequest, bool]:
        """Ask for a run now; (the standing request, False) inside the quiet minute."""
        wanted = RefreshRequest(app_id=app_id, articles=articles, requested_at=now, requested_by=by)
        standing = self._store.claim(wanted, REFRESH_QUIET_SECONDS)
        if standing is not None:
            return standing, False
        if not self._function:
            self._store.release(wanted)
            raise RefreshUnavailableError("this deployment names no sync function to run")
        event = SyncRequest(app_id=app_id, articles=articles, requested_at=now)
        try:
            # InvocationType Event: Lambda queues it and answers 202 at once (a run in progress
            # holds the function's one slot; the queued event waits and is retried on throttle).
            client("lambda").invoke(
                FunctionName=self._function,
                InvocationType="Event",
                Payload=event.model_dump_json(exclude_none=True).encode(),
            )
        except Exception as err:
            self._store.release(wanted)  # nothing left pending that no run would answer
            logger.exception("the sync function could not be invoked", extra={"app_id": app_id})
            raise RefreshUnavailableError("the sync could not be started; try again") from err
        return wanted, True


def run_requested(
    settings: Settings,
    request: SyncRequest,
    now: int,
    out_of_time: Callable[[], bool] = lambda: False,
) -> list[SyncReport]:
    """The sync function's run; a console refresh it answers is marked done (or failed) after."""
    # Imported here: the console builds CatalogRefresher and never runs a sync.
    from wxengage.wiring.sync import run_sync

    try:
        reports = run_sync(
            settings,
            now,
            app_id=request.app_id,
            articles=request.articles,
            out_of_time=out_of_time,
        )
    except Exception as err:
        _finish(settings, request, [f"{type(err).__name__}: {err}"])
        raise
    _finish(settings, request, [e for r in reports for e in r.errors])
    return reports


def _finish(settings: Settings, request: SyncRequest, errors: list[str]) -> None:
    if request.app_id is None or request.requested_at is None:
        return
    answered = RefreshStore(settings).finish(
        request.app_id, request.requested_at, int(clock.now_ts()), finish_error(errors)
    )
    if not answered:
        logger.info("a newer refresh request replaced this one", extra={"app_id": request.app_id})
