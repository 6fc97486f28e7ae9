"""The access-token port: what the client needs from wherever tokens are shared."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, SecretStr


class CachedToken(BaseModel):
    """An access token and when it stops working (epoch seconds)."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    expires_at: int


class TokenStore(Protocol):
    """Where tokens are shared between processes (store/tokens.py keeps them in DynamoDB)."""

    def get(self, app_id: str) -> CachedToken | None: ...
    def put(self, app_id: str, token: CachedToken) -> None: ...
    def invalidate(self, app_id: str, access_token: str) -> None: ...
