"""WeChat's tag management in the sandbox: tags/create, tags/get with names, tags/members/batchtagging.

Source: developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html and
/doc/subscription/en/api/usermanage/tag/api_batchtagging.html (tags/create: name ≤30 bytes
45158, a duplicate name 45157, more than 100 tags 45056; tags/get lists `id, name, count`;
batchtagging: `openid_list` + `tagid`, ≤20 tags per follower). batchtagging's codes beyond
that page's excerpt (40032 for more than 50 openids, 45059 for a 21st tag, 45159 for an
unknown tag) follow wechatpy/WxJava users' reports and WECHAT.md §8: unverified in detail.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from wxengage_local.sandbox.protocol import Answer, Request, err, ok

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox

MAX_TAGS = 100
MAX_NAME_BYTES = 30
MAX_OPENIDS = 50
MAX_PER_FOLLOWER = 20
FIRST_ID = 100  # WeChat assigns ids; 0..2 are its own (2 = 星标组)


class _Names:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_app: dict[str, dict[int, str]] = {}


_NAMES: weakref.WeakKeyDictionary[WeChatSandbox, _Names] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _names(sandbox: WeChatSandbox) -> _Names:
    with _LOCK:
        return _NAMES.setdefault(sandbox, _Names())


def create(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/tags/create {"tag": {"name"}} -> {"tag": {"id", "name"}}."""
    tag = req.body.get("tag")
    name = tag.get("name") if isinstance(tag, dict) else None
    if not isinstance(name, str) or not name:
        return err(47001)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return err(45158, "tag name too long")
    names = _names(sandbox)
    with names.lock:
        app = names.by_app.setdefault(req.app_id, {})
        if name in app.values():
            return err(45157, "invalid tag name")
        if len(app) >= MAX_TAGS:
            return err(45056, "too many tags now, no need to add new")
        new_id = max([FIRST_ID - 1, *app]) + 1
        app[new_id] = name
    return 200, {"tag": {"id": new_id, "name": name}}


def tags_get(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /cgi-bin/tags/get: created tags and those followers carry, with their follower counts."""
    carried = {t["id"]: t for t in sandbox.state.tags(req.app_id)}
    names = _names(sandbox)
    with names.lock:
        created = dict(names.by_app.get(req.app_id, {}))
    found: list[dict[str, Any]] = []
    for tag_id in sorted(set(carried) | set(created)):
        count = carried[tag_id]["count"] if tag_id in carried else 0
        name = created.get(tag_id) or carried[tag_id]["name"]
        found.append({"id": tag_id, "name": name, "count": count})
    return 200, {"tags": found}


def batch_tagging(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/tags/members/batchtagging {"openid_list", "tagid"}: all or nothing."""
    openids, tag_id = req.body.get("openid_list"), req.body.get("tagid")
    if not isinstance(openids, list) or not openids or not all(isinstance(o, str) for o in openids):
        return err(47001)
    if len(openids) > MAX_OPENIDS:
        return err(40032, "invalid openid list size")
    if not isinstance(tag_id, int) or isinstance(tag_id, bool):
        return err(47001)
    names = _names(sandbox)
    with names.lock:
        known = tag_id in names.by_app.get(req.app_id, {})
    if not known and not sandbox.state.known_tag(req.app_id, tag_id):
        return err(45159)
    following = sandbox.state.subscribed(req.app_id, openids)
    current: dict[str, list[int]] = {}
    for openid in openids:
        tags = sandbox.state.tag_ids(req.app_id, openid)
        if tags is None or openid not in following:
            return err(40003)
        if tag_id not in tags and len(tags) >= MAX_PER_FOLLOWER:
            return err(45059, "has too many tags")
        current[openid] = tags
    for openid, tags in current.items():
        sandbox.state.put_follower(req.app_id, openid, [*tags, tag_id])
    return ok()
