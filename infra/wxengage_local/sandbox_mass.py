"""WeChat's mass send (群发) in the sandbox: jobs, clientmsgid, quotas, caps and reports."""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError, AccountType
from wxengage.wechat.xml import cdata
from wxengage_local.sandbox_callbacks import official_id
from wxengage_local.sandbox_protocol import Answer, Request, err, ok

if TYPE_CHECKING:
    from wxengage_local.sandbox import WeChatSandbox

MIN_TOUSER, MAX_TOUSER = 2, 10_000
CLIENTMSGID_BYTES = 64
DEDUP_SECONDS = 24 * 3600
TOO_FAST_SECONDS = 60
# Mass sends a follower may receive: service accounts per calendar month, subscription per day.
CAPS = {AccountType.SERVICE: 4, AccountType.SUBSCRIPTION: 1}
# Mass sends a subscription account may submit per day; service accounts have no such quota.
SUBSCRIPTION_DAILY = 1
# speed level -> realspeed, in units of 10,000 messages a minute (800k, 600k, ... 100k).
SPEEDS = {0: 80, 1: 60, 2: 45, 3: 30, 4: 10}
# The article_idx a deletion may name: a news item has at most 8 articles, a video is one.
ARTICLES = {"mpnews": 8, "mpvideo": 1}
# Where each msgtype's content sits in a mass-send body, and what it must carry.
SEND_CONTENT = {
    "mpnews": ("mpnews", "media_id"),
    "text": ("text", "content"),
    "voice": ("voice", "media_id"),
    "image": ("images", "media_ids"),
    "mpvideo": ("mpvideo", "media_id"),
    "wxcard": ("wxcard", "card_id"),
}
# A preview also takes music, and its image is one media_id (images.media_ids is accepted too).
PREVIEW_CONTENT = {
    **SEND_CONTENT,
    "image": ("image", "media_id"),
    "music": ("music", "media_id"),
}
# errmsg texts as WeChat words them (sandbox_protocol.ERRMSG holds the general ones).
ERRMSG = {
    40013: "invalid appid",
    40059: "invalid msg id",
    40060: "invalid article idx",
    40130: "invalid openid list size, at least two openid",
    45028: "has no masssend quota",
    45065: "clientmsgid exist",
    45066: "same clientmsgid retry too fast",
    45067: "clientmsgid size out of limit",
    45083: "the speed out of range",
    45084: "No speed message",
}


class JobStatus(StrEnum):
    """A job's msg_status, as mass/get reports it."""

    SENDING = "SENDING"
    SEND_SUCCESS = "SEND_SUCCESS"
    SEND_FAIL = "SEND_FAIL"
    DELETE = "DELETE"


class Report(StrEnum):
    """Where a job's MASSSENDJOBFINISH stands."""

    PENDING = "pending"  # goes out once the send's answer is out
    HELD = "held"  # held back by /_sandbox/mass-callbacks
    DELIVERED = "delivered"
    FAILED = "failed"  # the webhook refused it every time


@dataclass
class MassJob:
    """One accepted mass send and what became of it."""

    app_id: str
    msg_id: int
    msg_data_id: int | None
    clientmsgid: str
    msgtype: str
    content: dict[str, Any]
    submitted_at: int
    total: int
    delivered: list[str]
    status: JobStatus = JobStatus.SENDING
    report: Report = Report.PENDING
    deleted_articles: list[int] = field(default_factory=list)

    @property
    def outcome(self) -> JobStatus:
        """How the job ends: a send that reached nobody failed."""
        return JobStatus.SEND_SUCCESS if self.delivered else JobStatus.SEND_FAIL

    @property
    def media_id(self) -> str | None:
        media = self.content.get("media_id") or next(iter(self.content.get("media_ids", [])), None)
        return str(media) if media is not None else None

    def finish(self) -> None:
        """The send is done (call with the state's lock held); a deletion stays a deletion."""
        if self.status is JobStatus.SENDING:
            self.status = self.outcome

    def view(self) -> dict[str, Any]:
        return {
            "msg_id": self.msg_id,
            "msg_data_id": self.msg_data_id,
            "clientmsgid": self.clientmsgid,
            "msgtype": self.msgtype,
            "media_id": self.media_id,
            "content": self.content.get("content"),
            "card_id": self.content.get("card_id"),
            "submitted_at": clock.iso_z(self.submitted_at),
            "status": self.status.value,
            "report": self.report.value,
            "total": self.total,
            # Followers filtered out; the report's FilterCount is what was left (= sent here).
            "filtered": self.total - len(self.delivered),
            "sent": len(self.delivered),
            "errors": 0,
            "delivered": list(self.delivered),
            "deleted_articles": list(self.deleted_articles),
        }


@dataclass
class MassState:
    """Everything the sandbox's mass-send APIs remember; one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: list[MassJob] = field(default_factory=list)
    by_clientmsgid: dict[tuple[str, str], MassJob] = field(default_factory=dict)
    # When each follower received a mass send: the per-follower caps count these.
    received: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    previews: list[dict[str, Any]] = field(default_factory=list)
    speed: dict[str, int] = field(default_factory=dict)
    # /_sandbox/mass-callbacks: reports held back; held jobs finish unless finish_held is off.
    hold_reports: bool = False
    finish_held: bool = True
    # Never reset: an id from before a reset must not name a newer job.
    msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000_001))
    data_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2_247_483_649))

    def jobs_of(self, app_id: str | None) -> list[MassJob]:
        """The app's jobs (every app's with None), oldest first."""
        with self.lock:
            return [j for j in self.jobs if app_id in (None, j.app_id)]

    def views(self, app_id: str | None) -> list[dict[str, Any]]:
        """The jobs as /_sandbox/masses lists them, read under the lock."""
        with self.lock:
            return [j.view() for j in self.jobs if app_id in (None, j.app_id)]

    def preview_log(self, app_id: str | None) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(p) for p in self.previews if app_id in (None, p["app_id"])]

    def clear(self, app_id: str | None = None) -> None:
        """Forget jobs, previews, caps and speed (of one app); a full reset lifts any hold."""
        with self.lock:
            keep = (lambda a: a != app_id) if app_id else (lambda a: False)
            self.jobs = [j for j in self.jobs if keep(j.app_id)]
            self.by_clientmsgid = {k: v for k, v in self.by_clientmsgid.items() if keep(k[0])}
            self.received = {k: v for k, v in self.received.items() if keep(k[0])}
            self.previews = [p for p in self.previews if keep(p["app_id"])]
            self.speed = {k: v for k, v in self.speed.items() if keep(k)}
            if app_id is None:
                self.hold_reports, self.finish_held = False, True


# --- WeChat's APIs ----------------------------------------------------------------------------


def send(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/send {"touser": [2..10,000 openids], msgtype, clientmsgid}."""
    touser = req.body.get("touser")
    if not isinstance(touser, list):
        return _err(40130)
    if not MIN_TOUSER <= len(touser) <= MAX_TOUSER:
        return _err(40130)
    if not all(isinstance(o, str) and o for o in touser):
        return _err(40003)
    return _submit(sandbox, req, list(dict.fromkeys(touser)))


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
    return _submit(sandbox, req, _followers(sandbox, req.app_id, tag))


def preview(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/preview {"touser" | "towxname", msgtype}: no quota, no cap."""
    msgtype, content, code = _content(req.body, PREVIEW_CONTENT)
    if code:
        return _err(code)
    towxname, touser = req.body.get("towxname"), req.body.get("touser")
    # towxname wins when both are given; the sandbox cannot tell a WeChat ID from another.
    target: dict[str, str]
    if isinstance(towxname, str) and towxname:
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


# --- Reports held back, then let go --------------------------------------------------------------


def hold(sandbox: WeChatSandbox, *, on: bool, finish: bool = True) -> None:
    """Hold MASSSENDJOBFINISH back from now, the jobs finishing unless `finish` is off; or stop
    holding, which finishes the held jobs (their reports stay lost unless released)."""
    with sandbox.mass.lock:
        sandbox.mass.hold_reports, sandbox.mass.finish_held = on, finish
        if not on:
            for job in sandbox.mass.jobs:
                if job.report is Report.HELD:
                    job.finish()


def release(sandbox: WeChatSandbox) -> int:
    """Finish every held job and send its report now (late, as a delayed report arrives)."""
    with sandbox.mass.lock:
        held = [j for j in sandbox.mass.jobs if j.report is Report.HELD]
        for job in held:
            job.report = Report.PENDING
    for job in held:
        try:
            account = sandbox.accounts.get(job.app_id)
        except AccountNotFoundError:
            _settle(sandbox, job, delivered=False)
            continue
        _report(sandbox, account, job)
    return len(held)


# --- internals --------------------------------------------------------------------------------


def _err(code: int) -> Answer:
    return err(code, ERRMSG.get(code))


def _submit(sandbox: WeChatSandbox, req: Request, openids: list[str]) -> Answer:
    msgtype, content, code = _content(req.body, SEND_CONTENT)
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
        if account.settings.type is AccountType.SUBSCRIPTION:
            start, end = _span(account, at, month=False)
            today = sum(
                1 for j in state.jobs if j.app_id == req.app_id and start <= j.submitted_at < end
            )
            if today >= SUBSCRIPTION_DAILY:
                return _err(45028)
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
        )
        state.jobs.append(job)
        if cmid:
            state.by_clientmsgid[(req.app_id, cmid)] = job
        if state.hold_reports:
            job.report = Report.HELD
            if state.finish_held:
                job.finish()
    if job.report is Report.PENDING:
        _report(sandbox, account, job)
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
    start, end = _span(account, at, month=account.settings.type is AccountType.SERVICE)
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


def _span(account: Account, at: int, *, month: bool) -> tuple[int, int]:
    """The calendar month or day holding `at`, in the account's time zone, as [start, end)."""
    local = datetime.fromtimestamp(at, tz=ZoneInfo(account.settings.timezone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if month:
        start = start.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        end = start + timedelta(days=1)
    return int(start.timestamp()), int(end.timestamp())


def _content(
    body: dict[str, Any], kinds: dict[str, tuple[str, str]]
) -> tuple[str, dict[str, Any], int]:
    """The msgtype and its content object, or the errcode WeChat gives for them."""
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or msgtype not in kinds:
        return "", {}, 40008
    key, need = kinds[msgtype]
    if kinds is PREVIEW_CONTENT and msgtype == "image" and key not in body:
        key, need = SEND_CONTENT["image"]
    payload = body.get(key)
    if not isinstance(payload, dict):
        return msgtype, {}, 47001
    value = payload.get(need)
    if need == "media_ids":
        filled = isinstance(value, list) and bool(value) and all(_filled(v) for v in value)
    else:
        filled = _filled(value)
    return msgtype, dict(payload), 0 if filled else 47001


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


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


def _report(sandbox: WeChatSandbox, account: Account, job: MassJob) -> None:
    """MASSSENDJOBFINISH to the webhook once the send's answer is out; the job is done by then."""

    def build() -> str:
        with sandbox.mass.lock:
            job.finish()
        return finish_xml(account, job)

    sandbox.push_later(
        account,
        build,
        lambda delivered: _settle(sandbox, job, delivered=delivered),
        what=f"MASSSENDJOBFINISH of mass job {job.msg_id}",
        openid=_sender(job.app_id),
    )


def _settle(sandbox: WeChatSandbox, job: MassJob, *, delivered: bool) -> None:
    with sandbox.mass.lock:
        job.finish()
        job.report = Report.DELIVERED if delivered else Report.FAILED


def finish_xml(account: Account, job: MassJob) -> str:
    """The MASSSENDJOBFINISH callback for a job, as WeChat writes it."""
    sent = len(job.delivered)
    status = "send success" if sent else "send fail"
    parts = [
        f"<ToUserName>{cdata(official_id(account.settings.app_id))}</ToUserName>",
        f"<FromUserName>{cdata(_sender(job.app_id))}</FromUserName>",
        f"<CreateTime>{int(clock.now_ts())}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
        "<Event><![CDATA[MASSSENDJOBFINISH]]></Event>",
        f"<MsgID>{job.msg_id}</MsgID>",
        f"<Status>{cdata(status)}</Status>",
        f"<TotalCount>{job.total}</TotalCount>",
        # FilterCount is what is left after filtering, about SentCount + ErrorCount (WECHAT.md
        # section 3); the followers filtered out are TotalCount - FilterCount.
        f"<FilterCount>{sent}</FilterCount>",
        f"<SentCount>{sent}</SentCount>",
        "<ErrorCount>0</ErrorCount>",
    ]
    if job.msgtype == "mpnews":
        parts += [
            "<CopyrightCheckResult><Count>0</Count><ResultList></ResultList>"
            "<CheckState>1</CheckState></CopyrightCheckResult>",
            "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
            f"<ArticleUrl>{cdata(f'https://mp.weixin.qq.com/s/sandbox-{job.msg_data_id}')}"
            "</ArticleUrl></item></ResultList></ArticleUrlResult>",
        ]
    return "<xml>" + "\n".join(parts) + "</xml>"


def _sender(app_id: str) -> str:
    """The openid-shaped sender WeChat puts on an account's job reports (stable per account)."""
    return "o" + hashlib.sha1(f"mass-report:{app_id}".encode()).hexdigest()[:27]
