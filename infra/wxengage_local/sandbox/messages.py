"""The customer-service message body as WeChat checks it (WECHAT.md section 5): the errcode, or 0."""

from __future__ import annotations

from typing import Any

# The fields each msgtype must carry as non-empty strings (news and msgmenu are checked apart).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "text": ("content",),
    "image": ("media_id",),
    "voice": ("media_id",),
    "video": ("media_id",),
    "music": ("musicurl", "thumb_media_id"),
    "mpnews": ("media_id",),
    "mpnewsarticle": ("article_id",),
    "miniprogrampage": ("title", "appid", "pagepath", "thumb_media_id"),
    "wxcard": ("card_id",),
    "news": (),
    "msgmenu": (),
}


def check_custom_message(message: dict[str, Any]) -> int:
    """0 when WeChat would accept the body's shape; otherwise its errcode."""
    msgtype = message.get("msgtype")
    if not isinstance(msgtype, str) or msgtype not in _REQUIRED:
        return 40008
    payload = message.get(msgtype)
    if not isinstance(payload, dict):
        return 47001
    if any(not _filled(payload.get(name)) for name in _REQUIRED[msgtype]):
        return 47001
    if msgtype == "news":
        return _check_news(payload)
    if msgtype == "msgmenu":
        return _check_menu(payload)
    return 0


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _check_news(payload: dict[str, Any]) -> int:
    articles = payload.get("articles")
    if not isinstance(articles, list) or not all(isinstance(a, dict) for a in articles):
        return 47001
    # Custom-send news carries exactly one article since 2018.
    return 0 if len(articles) == 1 else 45008


def _check_menu(payload: dict[str, Any]) -> int:
    options = payload.get("list")
    if not isinstance(options, list) or not options:
        return 47001
    for option in options:
        if not isinstance(option, dict) or not all(
            _filled(option.get(name)) for name in ("id", "content")
        ):
            return 47001
    for name in ("head_content", "tail_content"):
        if not isinstance(payload.get(name, ""), str):
            return 47001
    return 0
