"""The library's refresh: ask the sync function to sync one account now, and read how it went.

The page never waits on WeChat: a POST claims the account's refresh (one per quiet minute, a
second click gets the standing one back) and the sync runs asynchronously; the page polls GET.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal, Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ConfigDict

from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.routes_catalog import CatalogReader, SettingsReader
from wxengage.sync.models import SyncState
from wxengage.sync.refresh import (
    ARTICLE_CHOICES,
    RefreshRequest,
    RefreshStatus,
    RefreshUnavailableError,
    next_refresh_at,
    refresh_status,
)


class RefreshPort(Protocol):
    """Refresh requests (wiring/refresh.py: the store and an asynchronous invoke)."""

    def latest(self, app_id: str) -> RefreshRequest | None: ...
    def request(
        self, app_id: str, articles: int, by: str, now: int
    ) -> tuple[RefreshRequest, bool]: ...


class RefreshAsk(BaseModel):
    """How many of each source's latest articles to keep (default: as many as now)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    articles: Literal[20, 500] | None = None


class RefreshView(BaseModel):
    """A refresh request and where it stands; `accepted` False: a standing one was returned."""

    model_config = ConfigDict(frozen=True)

    articles: int
    requested_at: int
    requested_by: str
    status: RefreshStatus
    finished_at: int | None
    error: str | None
    next_refresh_at: int
    accepted: bool = False


class CatalogStatus(BaseModel):
    """The account's sync state (times in epoch seconds, shown in `timezone`) and latest refresh."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    timezone: str
    last_run_at: int | None
    tags_synced_at: int | None
    articles_synced_at: int | None
    articles_wanted: int
    article_choices: list[int]
    last_error: str | None
    refresh: RefreshView | None


def _view(request: RefreshRequest, now: int, accepted: bool = False) -> RefreshView:
    return RefreshView(
        articles=request.articles,
        requested_at=request.requested_at,
        requested_by=request.requested_by,
        status=refresh_status(request, now),
        finished_at=request.finished_at,
        error=request.error,
        next_refresh_at=next_refresh_at(request),
        accepted=accepted,
    )


def register(
    app: APIGatewayHttpResolver,
    catalog: CatalogReader,
    accounts: SettingsReader,
    refresher: RefreshPort,
    now: Callable[[], float],
) -> None:
    """Add the refresh routes (read: viewer; refresh: operator; granted accounts only)."""

    @app.exception_handler(RefreshUnavailableError)  # type: ignore[untyped-decorator]
    def unavailable(err: RefreshUnavailableError) -> Response[str]:
        body = json.dumps({"message": str(err)}, ensure_ascii=False)
        return Response(503, "application/json", body, {"Retry-After": "60"})

    def granted(app_id: str, role: Role) -> tuple[str, str]:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(role)
        caller.require_account(app_id)
        return app_id, caller.username

    @app.get(
        f"{API}/accounts/<app_id>/catalog/refresh",
        summary="The account's sync state and its latest refresh request",
    )
    def status(app_id: str) -> CatalogStatus:
        app_id, _ = granted(app_id, Role.VIEWER)
        zone = accounts.read_settings(app_id).timezone
        state = catalog.state(app_id) or SyncState(app_id=app_id)
        latest = refresher.latest(app_id)
        return CatalogStatus(
            app_id=app_id,
            timezone=zone,
            last_run_at=state.last_run_at,
            tags_synced_at=state.tags_synced_at,
            articles_synced_at=state.articles_synced_at,
            articles_wanted=state.articles_wanted,
            article_choices=list(ARTICLE_CHOICES),
            last_error=state.last_error,
            refresh=_view(latest, int(now())) if latest else None,
        )

    @app.post(
        f"{API}/accounts/<app_id>/catalog/refresh",
        summary="Sync the account now, without waiting (202; inside a minute, the standing one)",
        responses={202: {"description": "The refresh asked for, or the one still standing"}},
    )
    def refresh(app_id: str, ask: RefreshAsk) -> Response[RefreshView]:
        app_id, who = granted(app_id, Role.OPERATOR)
        accounts.read_settings(app_id)  # 404 for an account that is not registered
        state = catalog.state(app_id)
        articles: int = ask.articles or (state.articles_wanted if state else ARTICLE_CHOICES[0])
        at = int(now())
        request, accepted = refresher.request(app_id, articles, who, at)
        return Response(202, "application/json", _view(request, at, accepted))
