"""WeChat's follower, tag and customer-service APIs, answered from the sandbox's state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage_local.sandbox.messages import check_custom_message
from wxengage_local.sandbox.protocol import Answer, Request, err, ok
from wxengage_local.sandbox.state import Page

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox


def tag_ids(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/tags/getidlist {"openid"}: the follower's tag ids."""
    openid = req.body.get("openid")
    found = sandbox.state.tag_ids(req.app_id, openid) if isinstance(openid, str) else None
    if found is None:
        return err(40003)
    return 200, {"tagid_list": found}


def tags(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /cgi-bin/tags/get: the account's tags with their follower counts."""
    return 200, {"tags": sandbox.state.tags(req.app_id)}


def users(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /cgi-bin/user/get?next_openid=: subscribed followers, 10,000 a page.

    `total` is every follower of the account on every page, not the page's count (official
    User_Management/Getting_a_User_List: "关注该公众账号的总用户数"; wechatpy user.py)."""
    page = sandbox.state.page(req.app_id, req.query.get("next_openid", ""))
    if page is None:
        return err(40003)
    return 200, {"total": page.total, **_listing(page)}


def tag_users(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/user/tag/get {"tagid","next_openid"}: subscribed followers under a tag."""
    tag, after = _tag_id(req.body.get("tagid")), req.body.get("next_openid") or ""
    if tag is None or not isinstance(after, str):
        return err(47001)
    if not sandbox.state.known_tag(req.app_id, tag):
        return err(45159)
    page = sandbox.state.page(req.app_id, after, tag=tag)
    if page is None:
        return err(40003)
    return 200, _listing(page)


def _tag_id(value: Any) -> int | None:
    # A numeric string is accepted too: whether WeChat refuses one is unverified.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _listing(page: Page) -> dict[str, Any]:
    # An empty page carries no data at all, as WeChat's does.
    if not page.openids:
        return {"count": 0, "next_openid": ""}
    return {
        "count": len(page.openids),
        "data": {"openid": page.openids},
        "next_openid": page.next_openid,
    }


def custom_send(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/custom/send: checked like WeChat, then spent from the window."""
    code = check_custom_message(req.body)
    if code:
        return err(code)
    touser = req.body.get("touser")
    if not isinstance(touser, str) or not touser:
        return err(40003)
    code = sandbox.state.send(req.app_id, touser, req.body)
    return err(code) if code else ok()
