"""WeChat's mass send (群发) in the sandbox: jobs, clientmsgid de-duplication, per-follower caps,
MASSSENDJOBFINISH callbacks and next-day read statistics from seeded read rates."""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from wxengage import clock
from wxengage.domain.accounts import Account, AccountType
from wxengage.store.accounts import AccountNotFoundError
from wxengage_local.handlers import ACTIVITY
from wxengage_local.sandbox_protocol import Answer, Request, err, ok, refuse

if TYPE_CHECKING:
    from wxengage_local.sandbox import WeChatSandbox

log = logging.getLogger(__name__)

MIN_TOUSER, MAX_TOUSER = 2, 10_000
CLIENTMSGID_BYTES = 64
DEDUP_SECONDS = 24 * 3600
TOO_FAST_SECONDS = 60
CAPS = {AccountType.SERVICE: 4, AccountType.SUBSCRIPTION: 1}  # per month / per day
SPEEDS = {0: 80, 1: 60, 2: 45, 3: 30, 4: 10}  # x 10,000 per minute
STATS_READY_HOUR = 8
_CONTENT_KEYS = {
    "mpnews": "mpnews",
    "text": "text",
    "voice": "voice",
    "image": "images",
    "mpvideo": "mpvideo",
    "wxcard": "wxcard",
}


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
    filtered: int
    status: str = "SEND_SUCCESS"

    def view(self) -> dict[str, Any]:
        media = self.content.get("media_id") or next(iter(self.content.get("media_ids", [])), None)
        return {
            "msg_id": self.msg_id,
            "msg_data_id": self.msg_data_id,
            "clientmsgid": self.clientmsgid,
            "msgtype": self.msgtype,
            "media_id": media,
            "content": self.content.get("content"),
            "submitted_at": clock.iso_z(self.submitted_at),
            "status": self.status,
            "total": self.total,
            "filtered": self.filtered,
            "sent": len(self.delivered),
            "delivered": self.delivered,
        }


@dataclass
class MassState:
    """Everything the sandbox's mass-send APIs remember; one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: list[MassJob] = field(default_factory=list)
    by_clientmsgid: dict[tuple[str, str], tuple[MassJob, int]] = field(default_factory=dict)
    received: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    previews: list[dict[str, Any]] = field(default_factory=list)
    rates: dict[tuple[str, str], float] = field(default_factory=dict)
    speed: dict[str, int] = field(default_factory=dict)
    hold_callbacks: bool = False
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000_001))

    def clear(self, app_id: str | None = None) -> None:
        with self.lock:
            keep = (lambda a: a != app_id) if app_id else (lambda a: False)
            self.jobs = [j for j in self.jobs if keep(j.app_id)]
            self.by_clientmsgid = {k: v for k, v in self.by_clientmsgid.items() if keep(k[0])}
            self.received = {k: v for k, v in self.received.items() if keep(k[0])}
            self.previews = [p for p in self.previews if keep(p["app_id"])]
            self.rates = {k: v for k, v in self.rates.items() if keep(k[0])}
            self.hold_callbacks = False


# --- WeChat's APIs ----------------------------------------------------------------------------


def send(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/send {"touser": [...], msgtype, content, clientmsgid}."""
    touser = req.body.get("touser")
    if not isinstance(touser, list) or not all(isinstance(o, str) for o in touser):
        return err(40130, "invalid openid list size, at least two openid")
    if not MIN_TOUSER <= len(touser) <= MAX_TOUSER:
        return err(40130, f"invalid openid list size: {len(touser)} (2..10000)")
    return _submit(sandbox, req, list(dict.fromkeys(touser)))


def send_all(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/sendall {"filter": {"is_to_all", "tag_id"}, ...}."""
    flt = req.body.get("filter")
    if not isinstance(flt, dict):
        return err(47001)
    if flt.get("is_to_all") is True:
        openids = _everyone(sandbox, req.app_id, None)
    elif isinstance(flt.get("tag_id"), int):
        if not sandbox.state.known_tag(req.app_id, flt["tag_id"]):
            return err(45159)
        openids = _everyone(sandbox, req.app_id, flt["tag_id"])
    else:
        return err(47001)
    return _submit(sandbox, req, openids)


def preview(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/preview {"touser": openid, ...}: no quota, no cap, no job."""
    msgtype, content, code = _content(req.body)
    if code:
        return err(code)
    touser = req.body.get("touser")
    if not isinstance(touser, str) or sandbox.state.tag_ids(req.app_id, touser) is None:
        return err(40003)
    with sandbox.mass.lock:
        sandbox.mass.previews.append(
            {
                "app_id": req.app_id,
                "touser": touser,
                "msgtype": msgtype,
                **content,
                "at": clock.iso_z(clock.now_ts()),
            }
        )
        msg_id = next(sandbox.mass.ids)
    return ok(errmsg="preview success", msg_id=msg_id)


def get(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/get {"msg_id"}: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
    job = _job(sandbox, req)
    if job is None:
        return err(47001)
    return 200, {"msg_id": job.msg_id, "msg_status": job.status}


def delete(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /cgi-bin/message/mass/delete {"msg_id", "article_idx"}: news and video only."""
    job = _job(sandbox, req)
    idx = req.body.get("article_idx", 0)
    if job is None or not isinstance(idx, int) or idx < 0:
        return err(47001)
    if job.msgtype not in ("mpnews", "mpvideo"):
        return err(47001, "only news and video can be deleted")
    with sandbox.mass.lock:
        job.status = "DELETE"
    return ok()


def speed_get(sandbox: WeChatSandbox, req: Request) -> Answer:
    level = sandbox.mass.speed.get(req.app_id, 0)
    return 200, {"speed": level, "realspeed": SPEEDS[level]}


def speed_set(sandbox: WeChatSandbox, req: Request) -> Answer:
    level = req.body.get("speed")
    if not isinstance(level, int) or level not in SPEEDS:
        return err(47001)
    sandbox.mass.speed[req.app_id] = level
    return ok()


def article_total(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /datacube/getarticletotal {"begin_date","end_date"}: one day, ready 08:00 next day."""
    day, code = _stats_day(sandbox, req)
    if code:
        return err(code)
    return 200, {"list": _article_rows(sandbox, req.app_id, day)}


# getarticleread's shape is unverified; the sandbox answers it like getarticletotal.
article_read = article_total


# --- the sandbox's own controls -----------------------------------------------------------------


def seed_reads(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/reads {"media_id", "rate", "app_id"?}: the share of recipients who read it."""
    media, rate, app_id = req.body.get("media_id"), req.body.get("rate"), req.body.get("app_id", "")
    if not isinstance(media, str) or not media or not isinstance(app_id, str):
        return refuse(400, "media_id (a string) is required")
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        return refuse(400, "rate must be a number from 0 to 1")
    with sandbox.mass.lock:
        sandbox.mass.rates[(app_id, media)] = float(rate)
    return 200, {"app_id": app_id or "*", "media_id": media, "rate": float(rate)}


def list_masses(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/masses?app_id=: every accepted job, its clientmsgid and recipients."""
    app_id = req.query.get("app_id")
    with sandbox.mass.lock:
        return 200, {"masses": [j.view() for j in sandbox.mass.jobs if app_id in (None, j.app_id)]}


def list_previews(sandbox: WeChatSandbox, req: Request) -> Answer:
    app_id = req.query.get("app_id")
    with sandbox.mass.lock:
        return 200, {
            "previews": [p for p in sandbox.mass.previews if app_id in (None, p["app_id"])]
        }


def hold_callbacks(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/mass-callbacks {"hold": true}: stop sending MASSSENDJOBFINISH (mass/get only)."""
    hold = req.body.get("hold")
    if not isinstance(hold, bool):
        return refuse(400, "hold must be true or false")
    sandbox.mass.hold_callbacks = hold
    return 200, {"hold": hold}


def now(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/clock: the sandbox's (and engine's) clock, virtual under --warp."""
    ts = clock.now_ts()
    return 200, {"now": ts, "iso": clock.iso_z(ts)}


# --- internals --------------------------------------------------------------------------------


def _submit(sandbox: WeChatSandbox, req: Request, openids: list[str]) -> Answer:
    msgtype, content, code = _content(req.body)
    if code:
        return err(code)
    try:
        account = sandbox.accounts.get(req.app_id)
    except AccountNotFoundError:
        return err(40013)
    cmid = req.body.get("clientmsgid")
    if cmid is not None and (not isinstance(cmid, str) or len(cmid.encode()) > CLIENTMSGID_BYTES):
        return err(45067, "clientmsgid too long")
    at = int(clock.now_ts())
    state = sandbox.mass
    with state.lock:
        if cmid:
            seen = state.by_clientmsgid.get((req.app_id, cmid))
            if seen is not None and at - seen[1] < DEDUP_SECONDS:
                if at - seen[1] < TOO_FAST_SECONDS:
                    return err(45066, "clientmsgid retry too fast")
                return 200, {
                    "errcode": 45065,
                    "errmsg": "clientmsgid exist",
                    "msg_id": seen[0].msg_id,
                }
        delivered, filtered = [], 0
        for openid in openids:
            if sandbox.state.tag_ids(req.app_id, openid) is None or _capped(
                state, account, openid, at
            ):
                filtered += 1
                continue
            state.received.setdefault((req.app_id, openid), []).append(at)
            delivered.append(openid)
        msg_id = next(state.ids)
        job = MassJob(
            app_id=req.app_id,
            msg_id=msg_id,
            msg_data_id=(msg_id * 10 + 1) if msgtype == "mpnews" else None,
            clientmsgid=cmid or "",
            msgtype=msgtype,
            content=content,
            submitted_at=at,
            total=len(openids),
            delivered=delivered,
            filtered=filtered,
            status="SEND_SUCCESS" if delivered else "SEND_FAIL",
        )
        state.jobs.append(job)
        if cmid:
            state.by_clientmsgid[(req.app_id, cmid)] = (job, at)
        hold = state.hold_callbacks
    if not hold:
        _report_later(sandbox, account, job)
    answer: dict[str, Any] = {
        "errcode": 0,
        "errmsg": "send job submission success",
        "msg_id": msg_id,
    }
    if job.msg_data_id is not None:
        answer["msg_data_id"] = job.msg_data_id
    return 200, answer


def _content(body: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    msgtype = body.get("msgtype")
    key = _CONTENT_KEYS.get(msgtype) if isinstance(msgtype, str) else None
    if key is None:
        return "", {}, 40008  # invalid message type
    payload = body.get(key)
    if not isinstance(payload, dict):
        return msgtype or "", {}, 47001
    if msgtype == "text":
        ok_ = isinstance(payload.get("content"), str) and bool(payload["content"])
    elif msgtype == "image":
        ok_ = isinstance(payload.get("media_ids"), list) and bool(payload["media_ids"])
    elif msgtype == "wxcard":
        ok_ = isinstance(payload.get("card_id"), str) and bool(payload["card_id"])
    else:
        ok_ = isinstance(payload.get("media_id"), str) and bool(payload["media_id"])
    return (msgtype or ""), dict(payload), (0 if ok_ else 40007)


def _capped(state: MassState, account: Account, openid: str, at: int) -> bool:
    """Service accounts: 4 a calendar month per follower; subscription accounts: 1 a day."""
    zone = ZoneInfo(account.settings.timezone)
    fmt = "%Y-%m" if account.settings.type is AccountType.SERVICE else "%Y-%m-%d"
    span = datetime.fromtimestamp(at, tz=zone).strftime(fmt)
    times = state.received.get((account.settings.app_id, openid), [])
    same = sum(1 for t in times if datetime.fromtimestamp(t, tz=zone).strftime(fmt) == span)
    return same >= CAPS[account.settings.type]


def _everyone(sandbox: WeChatSandbox, app_id: str, tag: int | None) -> list[str]:
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
    if isinstance(msg_id, str) and msg_id.isdigit():
        msg_id = int(msg_id)
    with sandbox.mass.lock:
        return next(
            (j for j in sandbox.mass.jobs if j.app_id == req.app_id and j.msg_id == msg_id), None
        )


def _report_later(sandbox: WeChatSandbox, account: Account, job: MassJob) -> None:
    """MASSSENDJOBFINISH to the webhook from another thread, as WeChat reports after the send."""
    ACTIVITY.__enter__()  # counted from now: a --warp clock must not leap before it is sent

    def report() -> None:
        try:
            xml = _finish_xml(account, job)
            for attempt in range(3):
                try:
                    resp = sandbox.post_callback(account, xml)
                    if resp.ok:
                        return
                except Exception:  # WeChat retries, then gives up quietly
                    log.debug("MASSSENDJOBFINISH delivery failed", exc_info=True)
                threading.Event().wait(0.2 * (attempt + 1))
            log.warning("MASSSENDJOBFINISH for %s was not accepted by the webhook", job.msg_id)
        finally:
            ACTIVITY.__exit__()

    threading.Thread(target=report, name="mass-job-finish", daemon=True).start()


def _finish_xml(account: Account, job: MassJob) -> str:
    from wxengage_local.sandbox_callbacks import official_id

    status = "send success" if job.delivered else "send fail"
    return (
        f"<xml><ToUserName><![CDATA[{official_id(account.settings.app_id)}]]></ToUserName>"
        "<FromUserName><![CDATA[mphelper]]></FromUserName>"
        f"<CreateTime>{int(clock.now_ts())}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event>"
        f"<MsgID>{job.msg_id}</MsgID><Status><![CDATA[{status}]]></Status>"
        f"<TotalCount>{job.total}</TotalCount><FilterCount>{job.filtered}</FilterCount>"
        f"<SentCount>{len(job.delivered)}</SentCount><ErrorCount>0</ErrorCount></xml>"
    )


def _stats_day(sandbox: WeChatSandbox, req: Request) -> tuple[str, int]:
    begin, end = req.body.get("begin_date"), req.body.get("end_date")
    try:
        day = datetime.strptime(str(begin), "%Y-%m-%d").date()
        datetime.strptime(str(end), "%Y-%m-%d")
    except ValueError:
        return "", 61500  # date format error
    if begin != end:
        return "", 61501  # date range error: getarticletotal spans one day
    try:
        zone = ZoneInfo(sandbox.accounts.get(req.app_id).settings.timezone)
    except AccountNotFoundError:
        return "", 40013
    ready = datetime(day.year, day.month, day.day, STATS_READY_HOUR, tzinfo=zone) + timedelta(
        days=1
    )
    if clock.now_ts() < ready.timestamp():
        return "", 61501  # not yet: yesterday's figures arrive after 08:00
    return str(begin), 0


def _article_rows(sandbox: WeChatSandbox, app_id: str, day: str) -> list[dict[str, Any]]:
    zone = ZoneInfo(sandbox.accounts.get(app_id).settings.timezone)
    rows = []
    with sandbox.mass.lock:
        for job in sandbox.mass.jobs:
            sent_day = datetime.fromtimestamp(job.submitted_at, tz=zone).strftime("%Y-%m-%d")
            if job.app_id != app_id or job.msgtype != "mpnews" or sent_day != day:
                continue
            media = str(job.content.get("media_id"))
            rate = sandbox.mass.rates.get((app_id, media), sandbox.mass.rates.get(("", media), 0.0))
            sent = len(job.delivered)
            readers = round(rate * sent)
            rows.append(
                {
                    "ref_date": day,
                    "msgid": f"{job.msg_data_id}_1",
                    "title": media,
                    "details": [
                        {
                            "stat_date": day,
                            "target_user": sent,
                            "int_page_read_user": readers,
                            "int_page_read_count": readers,
                            "ori_page_read_user": 0,
                            "ori_page_read_count": 0,
                            "share_user": 0,
                            "share_count": 0,
                            "add_to_fav_user": 0,
                            "add_to_fav_count": 0,
                        }
                    ],
                }
            )
    return rows
