"""The query string WeChat signs on every callback request (kept apart: URL verification needs only this)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CallbackQuery(BaseModel):
    """The query string WeChat puts on a callback POST (and, with echostr, on the GET)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    signature: str
    timestamp: str
    nonce: str
    openid: str | None = None
    encrypt_type: str | None = None
    msg_signature: str | None = None
