"""The sandbox's mass send behaves like WeChat's: batch sizes, clientmsgid, quotas and caps in the
account's time zone, MASSSENDJOBFINISH reports, mass/get, delete, preview and speed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, APP_SECRET, Harness
from wxengage.accounts import (
    Account,
    AccountNotFoundError,
    AccountSecrets,
    AccountSettings,
    AccountType,
    MessageMode,
)
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import CallbackQuery, open_callback
from wxengage.wechat.messages import MassSendJobFinishEvent
from wxengage_local.sandbox import WeChatSandbox

# Service account, Shanghai, plaintext (the fixture's clock: 2026-11-22T10:00Z = 18:00 there).
SERVICE = APP_ID
# Subscription account in New York (2026-11-22T10:00Z = 05:00 there).
SUBSCRIPTION = "wx1111111111111111"
# Service account in safe mode: its callbacks are encrypted.
SAFE = "wx2222222222222222"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SEND = "/cgi-bin/message/mass/send"
SENDALL = "/cgi-bin/message/mass/sendall"
GET = "/cgi-bin/message/mass/get"
DELETE = "/cgi-bin/message/mass/delete"
PREVIEW = "/cgi-bin/message/mass/preview"
NEWS = {"msgtype": "mpnews", "mpnews": {"media_id": "M1"}, "send_ignore_reprint": 0}
TEXT = {"msgtype": "text", "text": {"content": "hello"}}
FOLLOWERS = [f"o{i}" for i in range(5)]


class Accounts:
    """The accounts the sandbox reads: one of each kind the mass send tells apart."""

    def __init__(self) -> None:
        def account(app_id: str, **settings: Any) -> Account:
            secrets = {"token": "testToken42", "app_secret": APP_SECRET}
            if settings.get("mode") is MessageMode.SAFE:
                secrets["aes_key"] = AES_KEY
            return Account(
                settings=AccountSettings(app_id=app_id, **settings),
                secrets=AccountSecrets.model_validate(secrets),
            )

        self.by_id = {
            SERVICE: account(SERVICE, mode=MessageMode.PLAINTEXT),
            SUBSCRIPTION: account(
                SUBSCRIPTION,
                mode=MessageMode.PLAINTEXT,
                type=AccountType.SUBSCRIPTION,
                timezone="America/New_York",
            ),
            SAFE: account(SAFE, mode=MessageMode.SAFE),
        }

    def get(self, app_id: str) -> Account:
        if app_id not in self.by_id:
            raise AccountNotFoundError(app_id)
        return self.by_id[app_id]


class Webhook:
    """A webhook stub that opens every callback as the real webhook does (signature, decryption,
    parsing) and keeps the mass job reports; it can refuse the next posts or stall on each."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.refuse = 0
        self.stall: threading.Event | None = None
        self.posts = 0
        self.reports: list[tuple[str, MassSendJobFinishEvent, bool]] = []
        self._seen = threading.Condition()

    def take(self, path: str, query: dict[str, str], body: bytes) -> int:
        if self.stall is not None:
            self.stall.wait(timeout=10)
        with self._seen:
            self.posts += 1
            if self.refuse:
                self.refuse -= 1
                self._seen.notify_all()
                return 500
        app_id = path.rsplit("/", 1)[-1]
        account = self.accounts.get(app_id)
        key = account.secrets.aes_key
        crypto = MessageCrypto(key.get_secret_value(), app_id) if key else None
        callback, encrypted = open_callback(
            body,
            CallbackQuery.model_validate(query),
            account.secrets.token.get_secret_value(),
            crypto,
        )
        assert query["openid"] == callback.from_user
        if isinstance(callback, MassSendJobFinishEvent):
            with self._seen:
                self.reports.append((app_id, callback, encrypted))
                self._seen.notify_all()
        return 200

    def wait_for(self, *, reports: int = 0, posts: int = 0) -> None:
        """Until that many reports were taken and posts seen (10 s at most: a safety net)."""
        with self._seen:
            done = self._seen.wait_for(
                lambda: len(self.reports) >= reports and self.posts >= posts, timeout=10
            )
        assert done, f"{len(self.reports)} reports / {self.posts} posts, not {reports} / {posts}"

    def report(self, msg_id: int) -> MassSendJobFinishEvent:
        (found,) = [r for _, r, _ in self.reports if r.msg_id == msg_id]
        return found


class World(Harness):
    """A running sandbox for the three accounts, its webhook the stub."""

    def __init__(self, sandbox: WeChatSandbox, webhook: Webhook) -> None:
        super().__init__(sandbox)
        self.webhook = webhook

    def follow(self, app_id: str, *openids: str, tags: list[int] | None = None) -> None:
        for openid in openids:
            body = {"app_id": app_id, "openid": openid, "tags": tags or []}
            self.control("POST", "followers", body)

    def send(
        self,
        touser: list[str],
        cmid: str | None,
        message: dict[str, Any] = TEXT,
        app_id: str = SERVICE,
    ) -> Any:
        body = {"touser": touser, **message}
        if cmid is not None:
            body["clientmsgid"] = cmid
        return self.wechat(SEND, body, app_id=app_id)

    def sendall(
        self, cmid: str, message: dict[str, Any] = TEXT, app_id: str = SERVICE, tag: int = 0
    ) -> Any:
        """mass/sendall to every follower, or to `tag`."""
        flt = {"is_to_all": False, "tag_id": tag} if tag else {"is_to_all": True}
        return self.wechat(SENDALL, {"filter": flt, **message, "clientmsgid": cmid}, app_id=app_id)

    def masses(self, app_id: str = SERVICE) -> list[dict[str, Any]]:
        return list(self.control("GET", "masses", app_id=app_id)["masses"])

    def job(self, msg_id: int, app_id: str = SERVICE) -> dict[str, Any]:
        (found,) = [j for j in self.masses(app_id) if j["msg_id"] == msg_id]
        return found

    def status(self, msg_id: int, app_id: str = SERVICE) -> str:
        return str(self.wechat(GET, {"msg_id": msg_id}, app_id=app_id)["msg_status"])


@contextmanager
def running_world() -> Iterator[World]:
    """The sandbox on a free port, reporting to the webhook stub on another."""
    accounts = Accounts()
    webhook = Webhook(accounts)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = webhook.take(parts.path, dict(parse_qsl(parts.query)), body)
            reply = b"success" if status == 200 else b"busy"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    sandbox = WeChatSandbox(accounts, f"http://127.0.0.1:{server.server_address[1]}", port=0)
    sandbox.start()
    try:
        yield World(sandbox, webhook)
    finally:
        if webhook.stall is not None:
            webhook.stall.set()
        sandbox.stop()
        server.shutdown()
        server.server_close()


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[World]:
    with running_world() as world:
        world.follow(SERVICE, *FOLLOWERS)
        yield world


# --- batches and content -----------------------------------------------------------------------


def test_a_batch_must_hold_2_to_10000_openids(wx: World) -> None:
    # Given batches of 1, 10,001, 2 and 10,000 openids (five of them followers)
    one = wx.send(["o0"], "c-1")
    too_many = wx.send([f"x{i}" for i in range(10_001)], "c-2")
    # When they are sent / Then the first two get 40130 and make no job
    assert (one["errcode"], too_many["errcode"]) == (40130, 40130)
    assert wx.masses() == []
    # And the bounds themselves are accepted, reaching the followers among them
    two = wx.send(["o0", "o1"], "c-3")
    most = wx.send(FOLLOWERS + [f"x{i}" for i in range(9_995)], "c-4")
    assert (two["errcode"], most["errcode"]) == (0, 0)
    assert two["errmsg"] == "send job submission success"
    job = wx.job(most["msg_id"])
    assert (job["total"], job["sent"], job["filtered"]) == (10_000, 5, 9_995)


@pytest.mark.parametrize(
    "message",
    [
        NEWS,
        TEXT,
        {"msgtype": "image", "images": {"media_ids": ["I1", "I2"], "recommend": "r"}},
        {"msgtype": "voice", "voice": {"media_id": "V1"}},
        {"msgtype": "mpvideo", "mpvideo": {"media_id": "MV1"}},
        {"msgtype": "wxcard", "wxcard": {"card_id": "C1"}},
    ],
    ids=lambda m: m["msgtype"],
)
def test_every_mass_msgtype_is_accepted(wx: World, message: dict[str, Any]) -> None:
    # When a batch of each msgtype is sent
    answer = wx.send(["o0", "o1"], "c-1", message)
    # Then it is a job; only news has a msg_data_id (its read statistics go by it)
    assert answer["errcode"] == 0
    assert ("msg_data_id" in answer) == (message["msgtype"] == "mpnews")
    (job,) = wx.masses()
    assert (job["msgtype"], job["delivered"]) == (message["msgtype"], ["o0", "o1"])


@pytest.mark.parametrize(
    ("message", "errcode"),
    [
        ({"msgtype": "news", "news": {"articles": []}}, 40008),
        ({"text": {"content": "hi"}}, 40008),
        ({"msgtype": "mpnews"}, 47001),
        ({"msgtype": "mpnews", "mpnews": {"media_id": ""}}, 47001),
        ({"msgtype": "image", "images": {"media_ids": []}}, 47001),
        ({"msgtype": "text", "text": {"content": "  "}}, 47001),
    ],
    ids=["custom-only-type", "no-msgtype", "no-content", "empty-media", "no-images", "blank"],
)
def test_bad_content_is_refused_and_sends_nothing(
    wx: World, message: dict[str, Any], errcode: int
) -> None:
    answer = wx.send(["o0", "o1"], "c-1", message)
    assert answer["errcode"] == errcode
    assert wx.masses() == []


def test_mass_apis_want_a_valid_access_token(wx: World) -> None:
    # When a mass send comes with a made-up token / Then 40001, and nothing is sent
    body = {"touser": ["o0", "o1"], **TEXT}
    resp = requests.post(f"{wx.url}{SEND}", params={"access_token": "nope"}, json=body, timeout=5)
    assert resp.json()["errcode"] == 40001
    assert wx.masses() == []


# --- clientmsgid ------------------------------------------------------------------------------


def test_a_clientmsgid_is_refused_within_a_minute_and_named_within_a_day(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given a batch accepted under "c-1"
    first = wx.send(["o0", "o1"], "c-1")
    assert first["errcode"] == 0
    # When the same id comes back 59 s later, then at 60 s, and just before 24 hours
    fake_clock.advance(59)
    too_fast = wx.send(["o0", "o1"], "c-1")
    fake_clock.advance(1)
    again = wx.send(["o2", "o3"], "c-1")
    fake_clock.advance(24 * 3600 - 61)
    wx.forget_tokens()
    late = wx.send(["o0", "o1"], "c-1", NEWS)
    # Then 45066, then 45065 naming the first job (twice), and nothing is sent again
    assert (too_fast["errcode"], too_fast["errmsg"]) == (45066, "same clientmsgid retry too fast")
    assert (again["errcode"], again["msg_id"]) == (45065, first["msg_id"])
    assert (late["errcode"], late["msg_id"]) == (45065, first["msg_id"])
    (job,) = wx.masses()
    assert job["delivered"] == ["o0", "o1"]
    # And once 24 hours have passed, the id makes a new job
    fake_clock.advance(1)
    fresh = wx.send(["o2", "o3"], "c-1")
    assert fresh["errcode"] == 0 and fresh["msg_id"] != first["msg_id"]
    assert [j["delivered"] for j in wx.masses()] == [["o0", "o1"], ["o2", "o3"]]


def test_clientmsgids_are_per_account(wx: World) -> None:
    # Given "c-1" used by one account / When another account uses it / Then both are sent
    wx.follow(SAFE, "s0", "s1")
    assert wx.send(["o0", "o1"], "c-1")["errcode"] == 0
    assert wx.send(["s0", "s1"], "c-1", app_id=SAFE)["errcode"] == 0


@pytest.mark.parametrize(
    ("cmid", "errcode"),
    [("c" * 64, 0), ("c" * 65, 45067), ("批" * 21, 0), ("批" * 22, 45067)],
    ids=["64-ascii", "65-ascii", "63-bytes-utf8", "66-bytes-utf8"],
)
def test_a_clientmsgid_holds_at_most_64_bytes(wx: World, cmid: str, errcode: int) -> None:
    # The limit is in bytes of UTF-8, not characters
    answer = wx.send(["o0", "o1"], cmid)
    assert answer["errcode"] == errcode
    if errcode:
        assert answer["errmsg"] == "clientmsgid size out of limit"
    assert len(wx.masses()) == (0 if errcode else 1)


def test_a_send_whose_answer_was_lost_is_named_on_the_retry(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given WeChat taking the next mass send but hanging up before it answers
    wx.control("POST", "faults", {"api": SEND, "drop": True, "applied": True})
    # When the engine sends: it sees only a broken connection
    with pytest.raises(requests.ConnectionError):
        wx.send(["o0", "o1"], "c-lost")
    (job,) = wx.masses()
    # And when it retries with the same id a minute later
    fake_clock.advance(61)
    retry = wx.send(["o0", "o1"], "c-lost")
    # Then WeChat names the job it already had; nobody got it twice
    assert (retry["errcode"], retry["msg_id"]) == (45065, job["msg_id"])
    assert len(wx.masses()) == 1


def test_a_dropped_call_that_was_not_applied_sends_nothing(wx: World) -> None:
    wx.control("POST", "faults", {"api": SEND, "drop": True})
    with pytest.raises(requests.ConnectionError):
        wx.send(["o0", "o1"], "c-1")
    assert wx.masses() == []
    # And the same id goes through on the retry: WeChat never saw it
    assert wx.send(["o0", "o1"], "c-1")["errcode"] == 0


def test_errcode_faults_hit_the_mass_apis_by_path(wx: World) -> None:
    # Given "system busy" then a frequency limit planned for the next mass sends
    wx.control("POST", "faults", {"api": SEND, "errcode": -1})
    wx.control("POST", "faults", {"api": SEND, "errcode": 45011})
    # When the engine sends three times with one clientmsgid
    answers = [wx.send(["o0", "o1"], "c-1")["errcode"] for _ in range(3)]
    # Then the faults had no effect: the third call is the first WeChat saw
    assert answers == [-1, 45011, 0]
    assert len(wx.masses()) == 1


# --- quotas and caps, in the account's time zone -----------------------------------------------


def test_a_service_account_follower_gets_at_most_4_a_calendar_month(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given four mass sends to o0 and o1 in November (Shanghai)
    for n in range(4):
        assert wx.send(["o0", "o1"], f"m-{n}")["errcode"] == 0
    # When a fifth goes to them and o2 at 23:59 on November 30th in Shanghai
    fake_clock.now = 1_796_054_340  # 2026-11-30T15:59:00Z
    wx.forget_tokens()
    fifth = wx.send(["o0", "o1", "o2"], "m-5")
    # And a sixth a minute later: December 1st in Shanghai, still November in UTC
    fake_clock.advance(60)
    sixth = wx.send(["o0", "o1"], "m-6")
    # Then the fifth reached only o2 (o0 and o1 filtered), the sixth reached both
    assert (fifth["errcode"], sixth["errcode"]) == (0, 0)
    jobs = {job["clientmsgid"]: job for job in wx.masses()}
    assert (jobs["m-5"]["delivered"], jobs["m-5"]["filtered"]) == (["o2"], 2)
    assert jobs["m-6"]["delivered"] == ["o0", "o1"]
    wx.webhook.wait_for(reports=6)
    report = wx.webhook.report(fifth["msg_id"])
    assert (report.total_count, report.filter_count, report.sent_count) == (3, 1, 1)


def test_a_subscription_account_sends_once_a_day_in_beijing_time(
    wx: World, fake_clock: FakeClock
) -> None:
    # Given a subscription account (in New York) that sent to all at 18:00 Beijing time
    wx.follow(SUBSCRIPTION, "n0", "n1", "n2")
    first = wx.sendall("d-1", app_id=SUBSCRIPTION)
    # When it sends again at 23:59 Beijing time, then at midnight there
    fake_clock.now = 1_795_363_140  # 2026-11-22T15:59:00Z
    wx.forget_tokens()
    second = wx.sendall("d-2", app_id=SUBSCRIPTION)
    fake_clock.advance(60)
    third = wx.sendall("d-3", app_id=SUBSCRIPTION)
    # Then the second is refused with 45028 and sends nothing; the third is a new day's send
    assert first["errcode"] == 0
    assert (second["errcode"], second["errmsg"]) == (45028, "has no masssend quota")
    assert third["errcode"] == 0
    jobs = wx.masses(SUBSCRIPTION)
    assert [j["clientmsgid"] for j in jobs] == ["d-1", "d-3"]
    assert jobs[1]["target"] == "all" and jobs[1]["in_history"]


def test_a_service_account_has_no_daily_quota(wx: World) -> None:
    answers = [wx.send(["o0", "o1"], f"s-{n}")["errcode"] for n in range(3)]
    assert answers == [0, 0, 0]


def test_strangers_and_leavers_are_filtered_and_a_job_reaching_nobody_fails(wx: World) -> None:
    # Given o4 who left, and two openids that never followed
    wx.play("o4", "unsubscribe")
    # When a batch goes to them, and another to o4 and o0
    nobody = wx.send(["o4", "x-1", "x-2"], "c-1")
    one = wx.send(["o4", "o0"], "c-2")
    # Then WeChat accepts both; the first fails (everyone filtered), the second reaches o0
    wx.webhook.wait_for(reports=2)
    report = wx.webhook.report(nobody["msg_id"])
    assert (report.status, report.total_count, report.filter_count, report.sent_count) == (
        "send fail",
        3,
        0,
        0,
    )
    assert wx.status(nobody["msg_id"]) == "SEND_FAIL"
    assert wx.job(one["msg_id"])["delivered"] == ["o0"]
    assert wx.status(one["msg_id"]) == "SEND_SUCCESS"


def test_sendall_goes_to_every_follower_or_a_tag(wx: World) -> None:
    # Given o0 and o1 tagged 100, and o4 gone
    wx.follow(SERVICE, "o0", "o1", tags=[100])
    wx.play("o4", "unsubscribe")
    # When the account sends to all, to tag 100, to an unknown tag and with no filter
    everyone = wx.wechat(SENDALL, {"filter": {"is_to_all": True}, **TEXT, "clientmsgid": "a"})
    tagged = wx.wechat(SENDALL, {"filter": {"is_to_all": False, "tag_id": 100}, **NEWS})
    unknown = wx.wechat(SENDALL, {"filter": {"is_to_all": False, "tag_id": 999}, **TEXT})
    bare = wx.wechat(SENDALL, TEXT)
    # Then all subscribed followers, then the tagged ones got theirs; the others are refused
    assert wx.job(everyone["msg_id"])["delivered"] == ["o0", "o1", "o2", "o3"]
    assert wx.job(tagged["msg_id"])["delivered"] == ["o0", "o1"]
    assert "msg_data_id" in tagged
    assert (unknown["errcode"], bare["errcode"]) == (45159, 47001)
    assert len(wx.masses()) == 2


# --- MASSSENDJOBFINISH --------------------------------------------------------------------------


def test_the_job_report_reaches_the_webhook_signed_and_encrypted(wx: World) -> None:
    # Given an account in safe mode with three followers
    wx.follow(SAFE, "s0", "s1", "s2")
    # When it sends news to two of them and a stranger
    answer = wx.send(["s0", "s1", "x-1"], "c-1", NEWS, app_id=SAFE)
    # Then the webhook gets one MASSSENDJOBFINISH it can verify and decrypt, with the counts
    wx.webhook.wait_for(reports=1)
    ((app_id, report, encrypted),) = wx.webhook.reports
    assert (app_id, encrypted) == (SAFE, True)
    assert report.msg_id == answer["msg_id"]
    assert (report.status, report.total_count, report.filter_count) == ("send success", 3, 2)
    assert (report.sent_count, report.error_count) == (2, 0)
    # And the job is done, its report delivered
    assert wx.status(answer["msg_id"], SAFE) == "SEND_SUCCESS"
    assert wx.job(answer["msg_id"], SAFE)["report"] == "delivered"


def test_a_slow_webhook_does_not_hold_up_the_send(wx: World) -> None:
    # Given a webhook that takes its time over every callback
    wx.webhook.stall = threading.Event()
    # When a batch is sent
    answer = wx.send(["o0", "o1"], "c-1")
    # Then the answer came back while the webhook still sits on the report
    assert answer["errcode"] == 0
    assert wx.job(answer["msg_id"])["report"] == "pending"
    # And once the webhook gets to it, the report is delivered
    wx.webhook.stall.set()
    wx.webhook.wait_for(reports=1)
    assert wx.status(answer["msg_id"]) == "SEND_SUCCESS"
    _until(lambda: wx.job(answer["msg_id"])["report"] == "delivered")


def test_a_refused_report_is_retried(wx: World) -> None:
    # Given a webhook refusing the first two posts
    wx.webhook.refuse = 2
    # When a job is sent / Then its report gets through on the third try
    answer = wx.send(["o0", "o1"], "c-1")
    wx.webhook.wait_for(reports=1, posts=3)
    assert wx.webhook.report(answer["msg_id"]).sent_count == 2


def test_a_report_refused_every_time_is_given_up_and_logged(
    wx: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a webhook refusing everything
    wx.webhook.refuse = 100
    caplog.set_level(logging.WARNING, logger="wxengage_local.sandbox")
    # When a job is sent
    answer = wx.send(["o0", "o1"], "c-1")
    wx.webhook.wait_for(posts=3)
    # Then after three tries the sandbox gives up and says so; mass/get still tells
    _until(lambda: wx.job(answer["msg_id"])["report"] == "failed")
    assert wx.webhook.posts == 3
    assert f"mass job {answer['msg_id']} was not accepted" in caplog.text
    assert wx.status(answer["msg_id"]) == "SEND_SUCCESS"


def test_held_reports_leave_mass_get_to_tell(wx: World) -> None:
    # Given reports held back
    wx.control("POST", "mass-callbacks", {"hold": True})
    # When a job is sent
    answer = wx.send(["o0", "o1"], "c-1")
    # Then no report comes, and mass/get says the job is done
    assert wx.status(answer["msg_id"]) == "SEND_SUCCESS"
    assert wx.job(answer["msg_id"])["report"] == "held"
    # And after the hold is lifted, new jobs are reported again but the held one is not
    wx.control("POST", "mass-callbacks", {"hold": False})
    later = wx.send(["o2", "o3"], "c-2")
    wx.webhook.wait_for(reports=1)
    assert [r.msg_id for _, r, _ in wx.webhook.reports] == [later["msg_id"]]


def test_held_jobs_can_stay_sending_and_be_reported_late(wx: World) -> None:
    # Given reports held with the jobs left SENDING
    wx.control("POST", "mass-callbacks", {"hold": True, "finish": False})
    answer = wx.send(["o0", "o1"], "c-1")
    assert wx.status(answer["msg_id"]) == "SENDING"
    # When the hold is lifted and the held reports released
    released = wx.control("POST", "mass-callbacks", {"hold": False, "release": True})
    # Then the job finishes and its report arrives, late
    assert released["released"] == 1
    wx.webhook.wait_for(reports=1)
    assert wx.webhook.report(answer["msg_id"]).sent_count == 2
    assert wx.status(answer["msg_id"]) == "SEND_SUCCESS"


@pytest.mark.parametrize(
    "body",
    [{}, {"hold": "yes"}, {"hold": True, "release": True}, {"hold": False, "finish": False}],
    ids=["empty", "not-bool", "release-while-holding", "finish-without-hold"],
)
def test_impossible_holds_are_refused(wx: World, body: dict[str, Any]) -> None:
    resp = requests.post(f"{wx.url}/_sandbox/mass-callbacks", json=body, timeout=5)
    assert resp.status_code == 400, resp.text


# --- mass/get, delete, preview, speed ----------------------------------------------------------


def test_delete_takes_news_down_everywhere_it_was_sent(wx: World) -> None:
    # Given the same news sent in two batches, another news, and a text
    first = wx.send(["o0", "o1"], "n-1", NEWS)
    second = wx.send(["o2", "o3"], "n-2", NEWS)
    other = wx.send(["o0", "o4"], "n-3", {"msgtype": "mpnews", "mpnews": {"media_id": "M2"}})
    text = wx.send(["o2", "o4"], "t-1")
    wx.webhook.wait_for(reports=4)
    # When the first is deleted whole, and deleting the text, an unknown job and article 9 is tried
    deleted = wx.wechat(DELETE, {"msg_id": first["msg_id"], "article_idx": 0})
    refused = {
        "text": wx.wechat(DELETE, {"msg_id": text["msg_id"], "article_idx": 0}),
        "unknown": wx.wechat(DELETE, {"msg_id": 42, "article_idx": 0}),
        "idx": wx.wechat(DELETE, {"msg_id": other["msg_id"], "article_idx": 9}),
    }
    # Then the news page is gone for both batches that sent it, and only for them
    assert deleted == {"errcode": 0, "errmsg": "ok"}
    assert [wx.status(first["msg_id"]), wx.status(second["msg_id"])] == ["DELETE", "DELETE"]
    assert wx.job(first["msg_id"])["deleted_articles"] == [0]
    assert wx.status(other["msg_id"]) == "SEND_SUCCESS"
    assert {k: v["errcode"] for k, v in refused.items()} == {
        "text": 40008,
        "unknown": 40059,
        "idx": 40060,
    }
    # And a single article of a news item can go too (1-based)
    assert wx.wechat(DELETE, {"msg_id": other["msg_id"], "article_idx": 2})["errcode"] == 0
    assert wx.job(other["msg_id"])["deleted_articles"] == [2]


def test_mass_get_takes_the_msg_id_as_a_string_and_names_an_unknown_one(wx: World) -> None:
    answer = wx.send(["o0", "o1"], "c-1")
    wx.webhook.wait_for(reports=1)
    found = wx.wechat(GET, {"msg_id": str(answer["msg_id"])})
    assert found == {"msg_id": answer["msg_id"], "msg_status": "SEND_SUCCESS"}
    assert wx.wechat(GET, {"msg_id": 7}) == {"errcode": 40059, "errmsg": "invalid msg id"}


def test_previews_by_wechat_id_are_a_hundred_a_day(wx: World, fake_clock: FakeClock) -> None:
    # Given a service account that previewed to a WeChat ID 100 times today
    answers = [
        wx.wechat(PREVIEW, {"towxname": "shop-owner", **TEXT}, app_id=SERVICE)["errcode"]
        for _ in range(100)
    ]
    # When it previews once more by WeChat ID, and once by openid
    over = wx.wechat(PREVIEW, {"towxname": "shop-owner", **TEXT}, app_id=SERVICE)
    wx.follow(SERVICE, "s0")
    by_openid = wx.wechat(PREVIEW, {"touser": "s0", **TEXT}, app_id=SERVICE)
    # Then the 101st by WeChat ID is refused, the openid one is not; tomorrow it works again
    assert answers == [0] * 100
    assert over["errcode"] == 45009 and by_openid["errcode"] == 0
    fake_clock.advance(24 * 3600)
    wx.forget_tokens()  # the day took the token's 2 hours too
    assert wx.wechat(PREVIEW, {"towxname": "shop-owner", **TEXT}, app_id=SERVICE)["errcode"] == 0


def test_preview_is_logged_and_uses_no_quota_and_no_cap(wx: World) -> None:
    # Given a subscription account with a follower
    wx.follow(SUBSCRIPTION, "n0", "n1")
    # When it previews to the follower twice and to a WeChat ID, then tries a stranger
    ok = [
        wx.wechat(PREVIEW, {"touser": "n0", **NEWS}, app_id=SUBSCRIPTION),
        wx.wechat(PREVIEW, {"touser": "n0", **TEXT}, app_id=SUBSCRIPTION),
        wx.wechat(
            PREVIEW,
            {"towxname": "shop-owner", "msgtype": "image", "image": {"media_id": "I1"}},
            app_id=SUBSCRIPTION,
        ),
    ]
    stranger = wx.wechat(PREVIEW, {"touser": "x-1", **TEXT}, app_id=SUBSCRIPTION)
    # Then the previews are logged (no job), and the day's one mass send is still there
    assert [a["errmsg"] for a in ok] == ["preview success"] * 3
    assert stranger["errcode"] == 40003
    log = wx.control("GET", "previews", app_id=SUBSCRIPTION)["previews"]
    assert [(p.get("touser"), p.get("towxname"), p["msgtype"]) for p in log] == [
        ("n0", None, "mpnews"),
        ("n0", None, "text"),
        (None, "shop-owner", "image"),
    ]
    assert wx.masses(SUBSCRIPTION) == []
    assert wx.sendall("d-1", app_id=SUBSCRIPTION)["errcode"] == 0
    assert wx.masses(SUBSCRIPTION)[0]["delivered"] == ["n0", "n1"]


def test_speed_is_read_and_set_within_0_to_4(wx: World) -> None:
    # Given the default speed / When set to 3, to 9 and without a speed
    before = wx.wechat("/cgi-bin/message/mass/speed/get", {})
    done = wx.wechat("/cgi-bin/message/mass/speed/set", {"speed": 3})
    out_of_range = wx.wechat("/cgi-bin/message/mass/speed/set", {"speed": 9})
    missing = wx.wechat("/cgi-bin/message/mass/speed/set", {})
    after = wx.wechat("/cgi-bin/message/mass/speed/get", {})
    # Then 0 (800k a minute) became 3 (300k a minute); the bad settings were refused
    assert before == {"speed": 0, "realspeed": 80}
    assert done == {"errcode": 0, "errmsg": "ok"}
    assert after == {"speed": 3, "realspeed": 30}
    assert (out_of_range["errcode"], missing["errcode"]) == (45083, 45084)


def test_reset_forgets_jobs_previews_reads_speed_and_clientmsgids(wx: World) -> None:
    # Given a job, a preview, a read rate, a speed and a held report
    wx.send(["o0", "o1"], "c-1")
    wx.wechat(PREVIEW, {"touser": "o0", **TEXT})
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.5})
    wx.wechat("/cgi-bin/message/mass/speed/set", {"speed": 2})
    wx.control("POST", "mass-callbacks", {"hold": True})
    # When the sandbox is reset
    wx.control("POST", "reset", {})
    # Then all of it is gone: the clientmsgid is new again and reports flow
    assert wx.masses() == [] and wx.control("GET", "previews")["previews"] == []
    assert wx.control("GET", "reads")["reads"] == []
    assert wx.wechat("/cgi-bin/message/mass/speed/get", {})["speed"] == 0
    wx.follow(SERVICE, "o0", "o1")
    again = wx.send(["o0", "o1"], "c-1")
    assert again["errcode"] == 0
    wx.webhook.wait_for(reports=2)


def _until(check: Callable[[], bool]) -> None:
    """Poll a condition another thread makes true (5 s at most: a safety net, not a timing)."""
    for _ in range(100):
        if check():
            return
        threading.Event().wait(0.05)
    assert check()
