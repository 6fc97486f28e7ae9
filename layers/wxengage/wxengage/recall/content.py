"""Turning a rule's content into the customer-service message WeChat expects (WECHAT.md section 5)."""

from __future__ import annotations

import random
from html import escape
from typing import Any

from wxengage.recall.rules import (
    CustomContent,
    CustomReply,
    DefaultContent,
    ImageContent,
    MiniProgramContent,
    MpNewsArticleContent,
    MsgMenuContent,
    NewsContent,
    TextContent,
    UrlContent,
)


def custom_message(
    openid: str, content: DefaultContent | CustomContent, rnd: random.Random
) -> dict[str, Any]:
    """The JSON body of /cgi-bin/message/custom/send for one follower."""
    if isinstance(content, DefaultContent):
        return {"touser": openid, "msgtype": "text", "text": {"content": content.text()}}
    return {"touser": openid, **_body(content.pick(rnd))}


def _body(reply: CustomReply) -> dict[str, Any]:
    match reply:
        case TextContent():
            return {"msgtype": "text", "text": {"content": reply.text}}
        case UrlContent():
            link = f'<a href="{escape(str(reply.url))}">{escape(reply.link_text)}</a>'
            return {"msgtype": "text", "text": {"content": f"{reply.text}\n{link}"}}
        case ImageContent():
            return {"msgtype": "image", "image": {"media_id": reply.media_id}}
        case NewsContent():
            article = {
                "title": reply.title,
                "description": reply.description,
                "url": str(reply.url),
            }
            if reply.picurl is not None:
                article["picurl"] = str(reply.picurl)
            return {"msgtype": "news", "news": {"articles": [article]}}
        case MpNewsArticleContent():
            return {"msgtype": "mpnewsarticle", "mpnewsarticle": {"article_id": reply.article_id}}
        case MsgMenuContent():
            options = [{"id": o.id, "content": o.content} for o in reply.options]
            menu = {
                "head_content": reply.head_content,
                "list": options,
                "tail_content": reply.tail_content,
            }
            return {"msgtype": "msgmenu", "msgmenu": menu}
        case MiniProgramContent():
            card = {
                "title": reply.title,
                "appid": reply.appid,
                "pagepath": reply.pagepath,
                "thumb_media_id": reply.thumb_media_id,
            }
            return {"msgtype": "miniprogrampage", "miniprogrampage": card}
    raise TypeError(f"unsupported reply type {type(reply).__name__}")
