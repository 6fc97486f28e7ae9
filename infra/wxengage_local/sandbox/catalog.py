"""WeChat's catalog APIs in the sandbox: user/info/batchget, draft/batchget, freepublish/batchget,
and /_sandbox/articles to seed the draft box and the published list.

Sources: wechatpy client/api/user.py (get_batch: at most 100 openids), client/api/draft.py and
client/api/freepublish.py (batchget: offset, count 1..20, no_content), tests/fixtures/
user_info_batchget.json (a non-follower answers only subscribe 0 and openid); WxJava
WxMpFreePublishList/Item (total_count, item_count, item[article_id, content.news_item,
update_time]); developers.weixin.qq.com Draft_Box/Get_draft_list.html.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wxengage import clock
from wxengage_local.sandbox.control import describe
from wxengage_local.sandbox.protocol import Answer, Request, err, refuse

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox

USERS_MAX = 100  # wechatpy user.get_batch: "最多支持一次拉取100条"
PAGE_MAX = 20  # wechatpy freepublish.batchget: "取值在1到20之间"
SOURCES = ("draft", "published")


class ArticleRequest(BaseModel):
    """One item to seed: a draft (id = media_id) or a published item (id = article_id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(min_length=1)
    source: str = Field(pattern=r"^(draft|published)$")
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")
    title: str = Field(min_length=1, max_length=64)  # WeChat's title limit is 64 characters
    author: str = Field(default="", max_length=16)
    digest: str = Field(default="", max_length=120)
    thumb_url: str = ""
    url: str = ""
    update_time: int | None = Field(default=None, ge=0)


class _Book:
    """One sandbox's articles per app and source (item id -> item), under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


_BOOKS: weakref.WeakKeyDictionary[WeChatSandbox, _Book] = weakref.WeakKeyDictionary()
_BOOKS_LOCK = threading.Lock()


def _book(sandbox: WeChatSandbox) -> _Book:
    with _BOOKS_LOCK:
        return _BOOKS.setdefault(sandbox, _Book())


def batch_user_info(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/user/info/batchget {"user_list": [{"openid", "lang"}]}.

    More than 100 openids, or a malformed list: 47001 (the exact code is unverified). An openid
    the app never saw fails the whole call with 40003 (unverified: WeChat may instead leave it
    out); the engine halves the batch to find it either way."""
    users = req.body.get("user_list")
    if not isinstance(users, list) or not 1 <= len(users) <= USERS_MAX:
        return err(47001)
    openids = [u.get("openid") if isinstance(u, dict) else None for u in users]
    if not all(isinstance(o, str) and o for o in openids):
        return err(47001)
    following = sandbox.state.subscribed(req.app_id, [str(o) for o in openids])
    found = []
    for openid in map(str, openids):
        tags = sandbox.state.tag_ids(req.app_id, openid)
        if tags is None:
            return err(40003)
        if openid not in following:
            found.append({"subscribe": 0, "openid": openid})
            continue
        found.append(
            {
                "subscribe": 1,
                "openid": openid,
                "language": "zh_CN",
                "remark": "",
                "groupid": 0,
                "tagid_list": tags,
                "subscribe_scene": "ADD_SCENE_OTHERS",
                "qr_scene": 0,
                "qr_scene_str": "",
            }
        )
    return 200, {"user_info_list": found}


def drafts(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/draft/batchget {"offset", "count", "no_content"}."""
    return _list(sandbox, req, "draft", "media_id")


def published(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/freepublish/batchget {"offset", "count", "no_content"}."""
    return _list(sandbox, req, "published", "article_id")


def _list(sandbox: WeChatSandbox, req: Request, source: str, id_field: str) -> Answer:
    offset, count = _int(req.body.get("offset")), _int(req.body.get("count"))
    no_content = req.body.get("no_content", 0)
    # Integers only; count 1..20 (the code for a bad count is unverified: 47001 here).
    if offset is None or count is None or not 1 <= count <= PAGE_MAX or offset < 0:
        return err(47001)
    book = _book(sandbox)
    with book.lock:
        items = list(book.items.get((req.app_id, source), {}).values())
    # Newest first (WeChat's order is unverified; a community answer says it is not guaranteed).
    items.sort(key=lambda i: (-i["update_time"], i["id"]))
    page = items[offset : offset + count]
    return 200, {
        "total_count": len(items),
        "item_count": len(page),
        "item": [_item(i, id_field, bool(no_content)) for i in page],
    }


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _item(item: dict[str, Any], id_field: str, no_content: bool) -> dict[str, Any]:
    news = {k: item[k] for k in ("title", "author", "digest", "thumb_url", "url")}
    news |= {"thumb_media_id": f"thumb-{item['id']}", "content_source_url": ""}
    if id_field == "article_id":
        news["is_deleted"] = False
    if not no_content:
        news["content"] = f"<p>{item['title']}</p>"
    return {
        id_field: item["id"],
        "content": {
            "news_item": [news],
            "create_time": item["update_time"],
            "update_time": item["update_time"],
        },
        "update_time": item["update_time"],
    }


def put_article(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/articles {app_id, source, id, title, ...}: add or replace one item."""
    try:
        spec = ArticleRequest.model_validate(req.body)
    except ValidationError as error:
        return refuse(400, describe(error))
    item = spec.model_dump()
    item["update_time"] = spec.update_time or int(clock.now_ts())
    book = _book(sandbox)
    with book.lock:
        book.items.setdefault((spec.app_id, spec.source), {})[spec.id] = item
    return 200, item


def list_articles(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/articles?app_id=: every seeded item of the app."""
    app_id = req.query.get("app_id", "")
    book = _book(sandbox)
    with book.lock:
        found = [i for s in SOURCES for i in book.items.get((app_id, s), {}).values()]
    return 200, {"articles": found}
