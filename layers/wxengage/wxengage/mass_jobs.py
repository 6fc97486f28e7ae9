"""WeChat's report of one mass-send job (MASSSENDJOBFINISH): the webhook records it, broadcast reads it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MassJobResult(BaseModel):
    """One batch's outcome as WeChat reported it."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    msg_id: int
    status: str
    total_count: int
    filter_count: int
    sent_count: int
    error_count: int
    reported_at: int
