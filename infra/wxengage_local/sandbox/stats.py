"""WeChat's read statistics in the sandbox: news mass sends read at seeded rates, told next day."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from wxengage import clock
from wxengage.accounts import AccountNotFoundError
from wxengage_local.sandbox.protocol import Answer, Request, err, refuse

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox
    from wxengage_local.sandbox.jobs import MassJob

# Yesterday's figures are there from 08:00 (account time zone); until then a day reads empty.
READY_HOUR = 8
# getarticletotal follows an article for 7 days from its send, one cumulative detail a day.
TRACKED_DAYS = 7
# Days one call may span: getarticletotal's documented 1 (getarticleread's is unverified).
MAX_SPAN_DAYS = 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ERRMSG = {61500: "date format error", 61501: "date range error"}


# getarticletotaldetail follows an article up to 30 days ("统计周期内(最大30天)", doc page
# wedata/news/api_getarticletotaldetail).
DETAIL_DAYS = 30


class Legacy(StrEnum):
    """How the legacy getarticletotal answers: with figures, or emptily as it has been seen doing
    since it was marked no longer maintained (doc api_getarticletotal "本接口已停止维护";
    community thread "getarticletotal,数据返回空?": {"list": []} for a day with reads)."""

    SERVED = "served"
    EMPTY = "empty"


class ReadRates:
    """The share of a news item's recipients who read it, per account (or every account)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rates: dict[tuple[str, str], float] = {}
        self._legacy: dict[str, Legacy] = {}  # app_id ("" for every account) -> mode

    def set_legacy(self, app_id: str, mode: Legacy) -> None:
        """From now on getarticletotal answers `mode` for the account ("": every account)."""
        with self._lock:
            self._legacy[app_id] = mode

    def legacy(self, app_id: str) -> Legacy:
        with self._lock:
            return self._legacy.get(app_id, self._legacy.get("", Legacy.SERVED))

    def seed(self, app_id: str, media_id: str, rate: float) -> None:
        """From now on `rate` of the recipients read `media_id` ("" for app_id: every account)."""
        with self._lock:
            self._rates[(app_id, media_id)] = rate

    def rate(self, app_id: str, media_id: str) -> float:
        """The account's own rate, else the one for every account, else nobody reads it."""
        with self._lock:
            return self._rates.get((app_id, media_id), self._rates.get(("", media_id), 0.0))

    def seeded(self, app_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"app_id": app or "*", "media_id": media, "rate": rate}
                for (app, media), rate in sorted(self._rates.items())
                if app_id in (None, app)
            ]

    def clear(self, app_id: str | None = None) -> None:
        with self._lock:
            self._rates = {k: v for k, v in self._rates.items() if app_id and k[0] != app_id}
            self._legacy = {k: v for k, v in self._legacy.items() if app_id and k != app_id}


def readers(sandbox: WeChatSandbox, job: MassJob) -> int:
    """Unique readers of a news job: its seeded rate of the followers it reached, rounded."""
    return round(sandbox.reads.rate(job.app_id, job.media_id or "") * len(job.delivered))


def article_total(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /datacube/getarticletotal {"begin_date","end_date"}: each news job sent that day, with
    a cumulative detail for each day since, up to 7 (the send day's readers, in the sandbox)."""
    days, code = _days(sandbox, req)
    if code:
        return err(code, ERRMSG.get(code))
    if sandbox.reads.legacy(req.app_id) is Legacy.EMPTY:
        return 200, {"list": []}  # no errcode: emptiness is all a caller sees
    rows = []
    for day, last in days:
        for job in _news_sent(sandbox, req.app_id, day):
            read = readers(sandbox, job)
            stat_days = (day + timedelta(days=n) for n in range(TRACKED_DAYS))
            rows.append(
                {
                    "ref_date": day.isoformat(),
                    "msgid": f"{job.msg_data_id}_1",
                    "title": job.media_id,
                    "details": [
                        _detail(d, len(job.delivered), read) for d in stat_days if d <= last
                    ],
                }
            )
    return 200, {"list": rows}


def article_read(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /datacube/getarticleread {"begin_date","end_date"}: the articles read that day and by
    how many. Only the documented fields: ref_date, msgid, detail.read_user, is_delay."""
    days, code = _days(sandbox, req)
    if code:
        return err(code, ERRMSG.get(code))
    rows = [
        {"ref_date": day.isoformat(), "msgid": f"{job.msg_data_id}_1", "detail": {"read_user": n}}
        for day, _ in days
        for job in _news_sent(sandbox, req.app_id, day)
        # In the sandbox every reader reads on the send day; an unread article is not listed.
        if (n := readers(sandbox, job)) > 0
    ]
    return 200, {"list": rows, "is_delay": False}


def article_total_detail(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /datacube/getarticletotaldetail {"begin_date","end_date"} (maintained successor of
    getarticletotal, doc wedata/news/api_getarticletotaldetail): every article published that
    day, read or not, with a `detail_list` entry per day since (up to 30), each the sum since
    publication; span 1 day (community thread: a 6-day span answered "dataRange error")."""
    days, code = _days(sandbox, req)
    if code:
        return err(code, ERRMSG.get(code))
    rows = []
    for day, last in days:
        for job in _news_sent(sandbox, req.app_id, day):
            read = readers(sandbox, job)
            stat_days = (day + timedelta(days=n) for n in range(DETAIL_DAYS))
            rows.append(
                {
                    "ref_date": day.isoformat(),
                    "msgid": f"{job.msg_data_id}_1",
                    "publish_type": 0,  # 0: 已通知 (a mass send notifies its recipients)
                    "detail_list": [
                        {"stat_date": d.isoformat(), "read_user": read, "share_user": 0}
                        for d in stat_days
                        if d <= last
                    ],
                }
            )
    return 200, {"list": rows, "is_delay": False}


def set_legacy(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/stats {"legacy": "served"|"empty", "app_id"?}: how getarticletotal answers."""
    mode, app_id = req.body.get("legacy"), req.body.get("app_id") or ""
    if mode not in {m.value for m in Legacy} or not isinstance(app_id, str):
        return refuse(400, 'legacy must be "served" or "empty"; app_id a string')
    if app_id:
        try:
            sandbox.accounts.get(app_id)
        except AccountNotFoundError:
            return refuse(404, f"no account {app_id} is registered")
    sandbox.reads.set_legacy(app_id, Legacy(mode))
    return 200, {"app_id": app_id or "*", "legacy": mode}


def _detail(day: date, sent: int, read: int) -> dict[str, Any]:
    return {
        "stat_date": day.isoformat(),
        "target_user": sent,
        "int_page_read_user": read,
        "int_page_read_count": read,
        "ori_page_read_user": 0,
        "ori_page_read_count": 0,
        "share_user": 0,
        "share_count": 0,
        "add_to_fav_user": 0,
        "add_to_fav_count": 0,
        "int_page_from_session_read_user": read,
        "int_page_from_session_read_count": read,
    }


def _days(sandbox: WeChatSandbox, req: Request) -> tuple[list[tuple[date, date]], int]:
    """The days asked for whose figures are out, each with the last day figures exist for; or
    61500 (not YYYY-MM-DD) or 61501 (backwards, too long, or not over yet)."""
    begin, end = _date(req.body.get("begin_date")), _date(req.body.get("end_date"))
    if begin is None or end is None:
        return [], 61500
    if end < begin or (end - begin).days >= MAX_SPAN_DAYS:
        return [], 61501
    try:
        zone = ZoneInfo(sandbox.accounts.get(req.app_id).settings.timezone)
    except AccountNotFoundError:
        return [], 40013
    now = datetime.fromtimestamp(clock.now_ts(), tz=zone)
    if end >= now.date():
        return [], 61501  # the latest day these APIs answer for is yesterday
    # Before 08:00 yesterday is still being counted: it reads as an empty list.
    last = now.date() - timedelta(days=1 if now.hour >= READY_HOUR else 2)
    span = (begin + timedelta(days=n) for n in range((end - begin).days + 1))
    return [(day, last) for day in span if day <= last], 0


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _news_sent(sandbox: WeChatSandbox, app_id: str, day: date) -> list[MassJob]:
    """The app's news jobs submitted on `day` (account time zone)."""
    zone = ZoneInfo(sandbox.accounts.get(app_id).settings.timezone)
    return [
        job
        for job in sandbox.mass.jobs_of(app_id)
        if job.msgtype == "mpnews"
        and datetime.fromtimestamp(job.submitted_at, tz=zone).date() == day
    ]
