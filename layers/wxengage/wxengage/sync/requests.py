"""The sync function's input: EventBridge's Scheduled Event, or an on-demand `{"app_id", "articles"}`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wxengage.sync.models import ARTICLES_MAX


class SyncRequest(BaseModel):
    """Which accounts to sync and whether to force an article refresh of that many items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str | None = Field(default=None, min_length=1, max_length=64)
    articles: int | None = Field(default=None, ge=1, le=ARTICLES_MAX)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> SyncRequest:
        """A Scheduled Event (`detail-type`) means every account on their own schedule."""
        if event.get("detail-type") == "Scheduled Event":
            return cls()
        return cls.model_validate(event)
