"""An operator's request to sync one account now (the console's refresh), and when it counts as done."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wxengage.sync.models import ARTICLES_MAX

# One refresh per account per minute: a second click (or a second operator) inside it gets the
# pending one back instead of another run. 500 articles cost 25 calls per source (sync/policy.py)
# and WeChat's daily quota for draft/batchget and freepublish/batchget is unverified.
REFRESH_QUIET_SECONDS = 60
# A request no run has answered after this long is reported lost (the sync's timeout is 300 s;
# an asynchronous invoke waits in Lambda's queue while a scheduled run holds the one slot).
REFRESH_LOST_SECONDS = 900
# What the console offers, as DM Hub does: the latest 20 or the latest 500 of each source.
ARTICLE_CHOICES = (20, ARTICLES_MAX)

RefreshStatus = Literal["pending", "done", "failed", "lost"]


class RefreshUnavailableError(RuntimeError):
    """The sync function could not be asked to run (nothing is left pending)."""


class RefreshRequest(BaseModel):
    """The account's latest refresh request; `finished_at` is set by the run that answered it."""

    model_config = ConfigDict(frozen=True)

    app_id: str = Field(min_length=1, max_length=64)
    articles: int = Field(ge=1, le=ARTICLES_MAX)
    requested_at: int = Field(ge=0)
    requested_by: str = ""
    finished_at: int | None = None
    error: str | None = None


def refresh_status(request: RefreshRequest, now: int) -> RefreshStatus:
    """Where a request stands: answered (done or failed), still pending, or never answered."""
    if request.finished_at is not None:
        return "failed" if request.error else "done"
    return "lost" if now - request.requested_at >= REFRESH_LOST_SECONDS else "pending"


def next_refresh_at(request: RefreshRequest) -> int:
    """The first second a new request replaces this one."""
    return request.requested_at + REFRESH_QUIET_SECONDS


def finish_error(errors: list[str]) -> str | None:
    """What a run reports back on the request: its errors, joined; None when it had none."""
    return "; ".join(errors)[:1000] if errors else None
