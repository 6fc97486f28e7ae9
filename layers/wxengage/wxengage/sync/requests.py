"""The sync function's input: EventBridge's Scheduled Event, or an on-demand `{"app_id", "articles"}`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wxengage.sync.models import ARTICLES_MAX


class SyncRequest(BaseModel):
    """Which accounts to sync and whether to force an article refresh of that many items;
    `requested_at` names the console's refresh request this run answers (sync/refresh.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str | None = Field(default=None, min_length=1, max_length=64)
    articles: int | None = Field(default=None, ge=1, le=ARTICLES_MAX)
    requested_at: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _refresh_names_one_account(self) -> SyncRequest:
        if self.requested_at is not None and self.app_id is None:
            raise ValueError("a refresh request (requested_at) names its account (app_id)")
        return self

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> SyncRequest:
        """A Scheduled Event (`detail-type`) means every account on their own schedule."""
        if event.get("detail-type") == "Scheduled Event":
            return cls()
        return cls.model_validate(event)
