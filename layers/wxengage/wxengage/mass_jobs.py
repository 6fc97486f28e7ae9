"""WeChat's report of one mass-send job (MASSSENDJOBFINISH): the webhook records it, broadcast reads it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

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
    # News only: the `mid` of the report's ArticleUrl, which is the job's msg_data_id (h-stats:
    # it ties a batch recovered through 45065, whose answer lacks msg_data_id, to its readers).
    msg_data_id: int | None = None


def article_mid(url: str | None) -> int | None:
    """The `mid` of a news article link (https://mp.weixin.qq.com/s?__biz=..&mid=..&idx=1&..):
    the msg_data_id of the send it belongs to. None when absent or not a number. The link form
    is WeChat's; mid == msg_data_id is what SDK users rely on (getarticletotaldetail rows'
    content_url carries mid equal to msgid's first part), not stated by the docs: unverified."""
    if not url:
        return None
    mid = parse_qs(urlsplit(url).query).get("mid", [""])[0]
    return int(mid) if mid.isdigit() else None
