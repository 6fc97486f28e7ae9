"""WeChat's mass send (群发) in the sandbox: the APIs, clientmsgid, quotas and caps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError, AccountType
from wxengage_local.sandbox.jobs import (
    ARTICLES,
    CAPS,
    CLIENTMSGID_BYTES,
    DEDUP_SECONDS,
    ERRMSG,
    MAX_TOUSER,
    MIN_TOUSER,
    SEND_CONTENT,
    SPEEDS,
    TOO_FAST_SECONDS,
    JobStatus,
    MassJob,
    Report,
    read_content,
)
from wxengage_local.sandbox.protocol import Answer, Request, err, ok
from wxengage_local.sandbox.quotas import count_call, refusal, span
from wxengage_local.sandbox.reports import hold, release, report

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox

__all__ = [
    "delete",
    "get",
    "hold",
    "release",
    "send",
    "send_all",
    "speed_get",
    "speed_set",
]


# --- WeChat's APIs ----------------------------------------------------------------------------


def send(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/send {"touser": [2..10,000 openids], msgtype, clientmsgid}.

    Verified service accounts only: a subscription account gets 48001 "api unauthorized"
    (permission table "根据OpenID列表群发【订阅号不可用, 服务号认证后可用】"; WeChat staff in
    community thread 000c48394a07908b0503f5f5266000: "需要已认证的服务号")."""
    try:
        if sandbox.accounts.get(req.app_id).settings.type is AccountType.SUBSCRIPTION:
            return _err(48001)
    except AccountNotFoundError:
        return _err(40013)
    touser = req.body.get("touser")
    if not isinstance(touser, list):
        return _err(40130)
    if not MIN_TOUSER <= len(touser) <= MAX_TOUSER:
        return _err(40130)
    if not all(isinstance(o, str) and o for o in touser):
        return _err(40003)
    return _submit(sandbox, req, list(dict.fromkeys(touser)), "openids")


def send_all(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/sendall {"filter": {"is_to_all"} | {"tag_id"}, msgtype, ...}."""
    flt = req.body.get("filter")
    if not isinstance(flt, dict):
        return _err(47001)
    tag: int | None = None
    if flt.get("is_to_all") is not True:
        tag = _tag_id(flt.get("tag_id"))
        if tag is None:
            return _err(47001)
        if not sandbox.state.known_tag(req.app_id, tag):
            return _err(45159)
    # wechatpy (client/api/message.py) sends {"tag_id", "is_to_all": false} for a tag and
    # is_to_all true for everyone; only the latter is kept in the history list.
    target = "all" if tag is None else f"tag:{tag}"
    return _submit(sandbox, req, _followers(sandbox, req.app_id, tag), target)


def get(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/get {"msg_id"}: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
    job = _job(sandbox, req)
    if job is None:
        return _err(40059)
    with sandbox.mass.lock:
        return 200, {"msg_id": job.msg_id, "msg_status": job.status.value}


def delete(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/delete {"msg_id", "article_idx"}: news and video only, 1-based,
    0 = all. The news page goes for every job that sent the same news, as on WeChat."""
    job = _job(sandbox, req)
    if job is None:
        return _err(40059)  # deleting by url (no msg_id) is not modelled
    idx = req.body.get("article_idx", 0)
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        return _err(40060)
    limit = ARTICLES.get(job.msgtype)
    if limit is None:
        return _err(40008)
    if idx > limit:
        return _err(40060)
    with sandbox.mass.lock:
        gone = (
            [
                j
                for j in sandbox.mass.jobs
                if j.app_id == job.app_id and j.msgtype == "mpnews" and j.media_id == job.media_id
            ]
            if job.msgtype == "mpnews"
            else [job]
        )
        for each in gone:
            each.status = JobStatus.DELETE
            each.deleted_articles.append(idx)
    return ok()


def speed_get(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/speed/get: {"speed", "realspeed"} (realspeed in 10k/minute)."""
    with sandbox.mass.lock:
        level = sandbox.mass.speed.get(req.app_id, 0)
    return 200, {"speed": level, "realspeed": SPEEDS[level]}


def speed_set(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/speed/set {"speed": 0..4}."""
    if "speed" not in req.body:
        return _err(45084)
    level = req.body["speed"]
    if isinstance(level, bool) or not isinstance(level, int) or level not in SPEEDS:
        return _err(45083)
    with sandbox.mass.lock:
        sandbox.mass.speed[req.app_id] = level
    return ok()


# --- internals --------------------------------------------------------------------------------


def _err(code: int) -> Answer:
    return err(code, ERRMSG.get(code))


def _submit(sandbox: WeChatSandbox, req: Request, openids: list[str], target: str) -> Answer:
    msgtype, content, code = read_content(req.body, SEND_CONTENT)
    if code:
        return _err(code)
    try:
        account = sandbox.accounts.get(req.app_id)
    except AccountNotFoundError:
        return _err(40013)
    cmid = req.body.get("clientmsgid")
    if cmid is not None and not isinstance(cmid, str):
        return _err(47001)
    if cmid and len(cmid.encode()) > CLIENTMSGID_BYTES:
        return _err(45067)
    at = int(clock.now_ts())
    state = sandbox.mass
    with state.lock:
        seen = state.by_clientmsgid.get((req.app_id, cmid)) if cmid else None
        if seen is not None and at - seen.submitted_at < DEDUP_SECONDS:
            # Nothing is sent again: too soon is refused; later the caller learns the job.
            if at - seen.submitted_at < TOO_FAST_SECONDS:
                return _err(45066)
            return 200, {"errcode": 45065, "errmsg": ERRMSG[45065], "msg_id": seen.msg_id}
        code = refusal(state, account, target, at)
        if code:
            return _err(code)
        count_call(state, req.app_id, at)
        job = MassJob(
            app_id=req.app_id,
            msg_id=next(state.msg_ids),
            # Only news has read statistics, keyed by msg_data_id.
            msg_data_id=next(state.data_ids) if msgtype == "mpnews" else None,
            clientmsgid=cmid or "",
            msgtype=msgtype,
            content=content,
            submitted_at=at,
            total=len(openids),
            delivered=_deliver(sandbox, account, openids, at),
            target=target,
        )
        state.jobs.append(job)
        if cmid:
            state.by_clientmsgid[(req.app_id, cmid)] = job
        if state.hold_reports:
            job.report = Report.HELD
            if state.finish_held:
                job.finish()
    if job.report is Report.PENDING:
        report(sandbox, account, job)
    answer: dict[str, Any] = {
        "errcode": 0,
        "errmsg": "send job submission success",
        "msg_id": job.msg_id,
    }
    if job.msg_data_id is not None:
        answer["msg_data_id"] = job.msg_data_id
    return 200, answer


def _deliver(sandbox: WeChatSandbox, account: Account, openids: list[str], at: int) -> list[str]:
    """Who receives the job (call with the state's lock held): followers under their cap.

    Filtered, as WeChat filters them: openids that do not follow the account, and followers
    who already had their mass sends this month (service) or today (subscription)."""
    app_id = account.settings.app_id
    following = sandbox.state.subscribed(app_id, openids)
    monthly = account.settings.type is AccountType.SERVICE
    start, end = span(at, account.settings.timezone, month=monthly)
    cap = CAPS[account.settings.type]
    received = sandbox.mass.received
    delivered = []
    for openid in openids:
        if openid not in following:
            continue
        times = received.setdefault((app_id, openid), [])
        if sum(1 for t in times if start <= t < end) >= cap:
            continue
        times.append(at)
        delivered.append(openid)
    return delivered


def _tag_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _followers(sandbox: WeChatSandbox, app_id: str, tag: int | None) -> list[str]:
    """Every follower of the app (under `tag`), paged as user/get pages them."""
    out: list[str] = []
    after = ""
    while True:
        page = sandbox.state.page(app_id, after, tag=tag)
        if page is None or not page.openids:
            return out
        out.extend(page.openids)
        after = page.next_openid


def _job(sandbox: WeChatSandbox, req: Request) -> MassJob | None:
    msg_id = req.body.get("msg_id")
    # The docs spell msg_id as a string in requests; the answers carry a number.
    if isinstance(msg_id, str) and msg_id.isdigit():
        msg_id = int(msg_id)
    if isinstance(msg_id, bool) or not isinstance(msg_id, int):
        return None
    with sandbox.mass.lock:
        return next(
            (j for j in sandbox.mass.jobs if j.app_id == req.app_id and j.msg_id == msg_id), None
        )
