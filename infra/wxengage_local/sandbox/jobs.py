"""The sandbox's mass-send jobs: WeChat's limits, a job and its report, and what is remembered."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wxengage import clock
from wxengage.accounts import AccountType

MIN_TOUSER, MAX_TOUSER = 2, 10_000
CLIENTMSGID_BYTES = 64
DEDUP_SECONDS = 24 * 3600
TOO_FAST_SECONDS = 60
# Mass sends a follower may receive: service accounts per calendar month, subscription per day.
CAPS = {AccountType.SERVICE: 4, AccountType.SUBSCRIPTION: 1}
# Mass sends a subscription account may submit per day; service accounts have no such quota.
# developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html
# "对于认证订阅号, 群发接口每天可成功调用1次" (errcode 45028 "has no masssend quota" beyond it:
# community thread 00068a383183b08b0540eab396b800).
SUBSCRIPTION_DAILY = 1
# Service accounts: sendall is_to_all sends (the ones kept in the history list) plus console
# sends, at most 4 a calendar month (same page: "服务号在一个月内, 使用is_to_all为true群发的次数,
# 加上公众平台官网群发...的次数, 最多只能是4次"); the sandbox answers 45028 beyond them.
SERVICE_HISTORY_MONTHLY = 4
# Mass-send calls (mass/send + mass/sendall) per account: 100 a day (API_Call_Limits.html table
# "高级群发接口 100"; errcode 45009 "reach max api daily quota limit") and 60 a minute
# (Batch_Sends_and_Originality_Checks "群发接口每分钟限制请求60次, 超过限制的请求会被拒绝"; errcode
# 45011 "api minute-quota reach limit" is the global code for per-minute limits, unverified
# for this API in particular). Refused calls are not counted (unverified).
DAILY_CALLS = 100
MINUTE_CALLS = 60
# WeChat counts its days in Beijing time (unverified: assumed, no page names the zone).
WECHAT_ZONE = "Asia/Shanghai"
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
# errmsg texts as WeChat words them (protocol.ERRMSG holds the general ones).
ERRMSG = {
    40013: "invalid appid",
    40059: "invalid msg id",
    40060: "invalid article idx",
    40130: "invalid openid list size, at least two openid",
    45028: "has no masssend quota",
    48001: "api unauthorized",
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
    # How it was addressed: "openids" (mass/send), "all" (sendall is_to_all), "tag:<id>".
    target: str = "openids"

    @property
    def in_history(self) -> bool:
        """Only sendall with is_to_all lands in the account's history list (same page as above:
        "使用is_to_all为true且成功群发, 会使得此次群发进入历史消息列表")."""
        return self.target == "all"

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
            "target": self.target,
            "in_history": self.in_history,
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
    # When each account's mass calls were accepted: the daily and per-minute budgets count these.
    calls: dict[str, list[int]] = field(default_factory=dict)
    # Per-account overrides of DAILY_CALLS / MINUTE_CALLS (tests set them).
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)
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
            self.calls = {k: v for k, v in self.calls.items() if keep(k)}
            self.limits = {k: v for k, v in self.limits.items() if keep(k)}
            if app_id is None:
                self.hold_reports, self.finish_held = False, True


def read_content(
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
        filled = isinstance(value, list) and bool(value) and all(is_filled(v) for v in value)
    else:
        filled = is_filled(value)
    return msgtype, dict(payload), 0 if filled else 47001


def is_filled(value: Any) -> bool:
    """A non-blank string."""
    return isinstance(value, str) and value.strip() != ""
