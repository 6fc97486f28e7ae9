"""The sandbox's mass/preview: to a follower by openid or WeChat ID, no quota used."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from wxengage import clock
from wxengage_local.sandbox.jobs import ERRMSG, PREVIEW_CONTENT, WECHAT_ZONE, read_content
from wxengage_local.sandbox.protocol import Answer, Request, err, ok
from wxengage_local.sandbox.quotas import span

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox


def preview(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/preview {"touser" | "towxname", msgtype}: no quota, no cap."""
    msgtype, content, code = read_content(req.body, PREVIEW_CONTENT)
    if code:
        return _err(code)
    towxname, touser = req.body.get("towxname"), req.body.get("touser")
    # towxname wins when both are given; the sandbox cannot tell a WeChat ID from another.
    target: dict[str, str]
    if isinstance(towxname, str) and towxname:
        if _wxname_previews_today(sandbox, req.app_id) >= WXNAME_PREVIEWS_PER_DAY:
            return _err(45009)  # the 100-a-day limit (wxengage/wechat/targets.py); code unverified
        target = {"towxname": towxname}
    elif isinstance(touser, str) and touser:
        if sandbox.state.tag_ids(req.app_id, touser) is None:
            return _err(40003)
        if not sandbox.state.subscribed(req.app_id, [touser]):
            return _err(43004)
        target = {"touser": touser}
    else:
        return _err(40003)
    state = sandbox.mass
    with state.lock:
        msg_id = next(state.msg_ids)
        state.previews.append(
            {
                "app_id": req.app_id,
                **target,
                "msgtype": msgtype,
                **content,
                "msg_id": msg_id,
                "at": clock.iso_z(clock.now_ts()),
            }
        )
    return ok(errmsg="preview success", msg_id=msg_id)


# Previews by WeChat ID: 100 a day (wxengage/wechat/targets.py names the source).
WXNAME_PREVIEWS_PER_DAY = 100


def _wxname_previews_today(sandbox: WeChatSandbox, app_id: str) -> int:
    start, end = span(int(clock.now_ts()), WECHAT_ZONE, month=False)
    with sandbox.mass.lock:
        log = sandbox.mass.previews
        return sum(
            1
            for p in log
            if p["app_id"] == app_id and "towxname" in p and start <= _epoch(p["at"]) < end
        )


def _epoch(iso_z: str) -> float:
    return datetime.fromisoformat(iso_z.replace("Z", "+00:00")).timestamp()


def _err(code: int) -> Answer:
    return err(code, ERRMSG.get(code))
