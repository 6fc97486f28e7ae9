"""The WeChat sandbox: plays WeChat for the local stack, both its API and its callbacks."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import requests
from pydantic import ValidationError

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError, MessageMode
from wxengage.wechat.envelope import seal_callback
from wxengage_local.handlers import ACTIVITY
from wxengage_local.http import LoopbackServer
from wxengage_local.sandbox.callbacks import PlayRequest, account_crypto, callback_xml, read_reply
from wxengage_local.sandbox.control import describe
from wxengage_local.sandbox.faults import Faults
from wxengage_local.sandbox.jobs import MassState
from wxengage_local.sandbox.protocol import Answer, Json, err, refuse
from wxengage_local.sandbox.routes import wsgi_app
from wxengage_local.sandbox.state import SandboxState
from wxengage_local.sandbox.stats import ReadRates
from wxengage_local.sandbox.tokens import FORCED_PER_DAY, TokenIssuer

log = logging.getLogger(__name__)

# A push WeChat sends on its own (a mass job's report) is tried this often, then given up.
PUSH_ATTEMPTS = 3
# Seconds between tries, growing; wall time on purpose: it paces a socket, it reads no clock.
PUSH_BACKOFF = 0.2


class AccountSource(Protocol):
    """Where the sandbox finds accounts: the AccountStore, or a fake in tests."""

    def get(self, app_id: str) -> Account:
        """The account, or AccountNotFoundError."""
        ...


class WeChatSandbox:
    """A WeChat stand-in on loopback: token APIs, and callbacks sent to the webhook on demand."""

    def __init__(self, accounts: AccountSource, webhook_base_url: str, port: int = 3100) -> None:
        self.accounts = accounts
        self.state = SandboxState()
        self.mass = MassState()
        self.reads = ReadRates()
        self.faults = Faults()
        self._webhook_base_url = webhook_base_url.rstrip("/")
        self._port = port
        self._lock = threading.Lock()
        self.tokens = TokenIssuer()
        self._server: LoopbackServer | None = None
        self._http = requests.Session()
        self._call = threading.local()

    @property
    def url(self) -> str:
        """Base URL of the sandbox (use it as the WeChat API base)."""
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        """Serve on loopback in a daemon thread."""
        self._server = LoopbackServer(wsgi_app(self), self._port, "WeChat sandbox")
        self._server.start()
        self._port = self._server.port

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._http.close()

    # --- WeChat's API -------------------------------------------------------------------

    def _account_for(self, app_id: str, secret: str) -> tuple[Account | None, Answer | None]:
        try:
            account = self.accounts.get(app_id)
        except AccountNotFoundError:
            return None, err(40013, "invalid appid")
        if not _same(account.secrets.app_secret.get_secret_value(), secret):
            return None, err(40125, "invalid appsecret")
        return account, None

    def token(self, query: dict[str, str], body: Json) -> Answer:
        """GET /cgi-bin/token: a new token each call; the one it replaces lives 5 more minutes."""
        if query.get("grant_type") != "client_credential":
            return err(40002, "invalid grant_type")
        _, failure = self._account_for(query.get("appid", ""), query.get("secret", ""))
        if failure:
            return failure
        token, expires_in = self.tokens.classic(query["appid"])
        return 200, {"access_token": token, "expires_in": expires_in}

    def stable_token(self, query: dict[str, str], body: Json) -> Answer:
        """POST /cgi-bin/stable_token: isolated from /cgi-bin/token; the same token while valid."""
        if body.get("grant_type") != "client_credential":
            return err(40002, "invalid grant_type")
        app_id = str(body.get("appid", ""))
        _, failure = self._account_for(app_id, str(body.get("secret", "")))
        if failure:
            return failure
        force = body.get("force_refresh", False)
        if not isinstance(force, bool):  # JSON true/false only (sandbox/tokens.py: unverified)
            return err(47001, "data format error: force_refresh must be a boolean")
        if force and self.tokens.forced_left(app_id) <= 0:
            return err(
                45009, f"reach max api daily quota limit (force_refresh {FORCED_PER_DAY}/day)"
            )
        token, expires_in = self.tokens.stable(app_id, force)
        return 200, {"access_token": token, "expires_in": expires_in}

    def check_token(self, app_id: str, access_token: str) -> Answer | None:
        """The errcode WeChat gives for a bad or expired access_token, or None when it is valid."""
        owner, code = self.tokens.check(access_token)
        if code == 0 and owner == app_id:
            return None
        return err(code or 40001)

    def app_for_token(self, access_token: str) -> tuple[str, Answer | None]:
        """The app an access_token belongs to, or WeChat's errcode for it (40001, 42001)."""
        owner, code = self.tokens.check(access_token)
        return owner, (err(code) if code else None)

    # --- One call and what it leaves for later ---------------------------------------------

    @contextmanager
    def answering(self) -> Iterator[None]:
        """The span of one HTTP call: work queued by `after_answer` runs when it closes."""
        queued: list[Callable[[], None]] = []
        self._call.queued = queued
        try:
            yield
        finally:
            self._call.queued = None
            for action in queued:
                action()

    def after_answer(self, action: Callable[[], None]) -> None:
        """Run `action` once the current call's answer is out (at once outside a call)."""
        queued: list[Callable[[], None]] | None = getattr(self._call, "queued", None)
        if queued is None:
            action()
        else:
            queued.append(action)

    # --- Callbacks to the webhook ----------------------------------------------------------

    def play(self, query: dict[str, str], body: Json) -> Answer:
        """POST /_sandbox/play: deliver one follower action to the webhook as WeChat would."""
        try:
            req = PlayRequest.model_validate(body)
        except ValidationError as problem:
            return refuse(400, describe(problem))
        try:
            account = self.accounts.get(req.app_id)
        except AccountNotFoundError:
            return refuse(404, f"no account {req.app_id} is registered")
        try:
            return 200, self.deliver(account, req)
        except requests.RequestException as problem:
            # The follower's action still happened: WeChat knows it whether or not we heard.
            return refuse(502, f"webhook unreachable: {type(problem).__name__}")

    def deliver(self, account: Account, req: PlayRequest) -> Json:
        """Seal the callback per the account's mode, POST it, and read the reply like WeChat."""
        now = int(clock.now_ts())
        create_time = req.create_time if req.create_time is not None else now
        # WeChat's view changes with the action itself, before the webhook even answers.
        self.state.observe(req.app_id, req.openid, req.action, create_time)
        resp = self.post_callback(account, callback_xml(req, create_time), openid=req.openid)
        token = account.secrets.token.get_secret_value()
        reply, reply_error = (
            read_reply(resp.text, token, account_crypto(account)) if resp.ok else (None, None)
        )
        return {
            "status": resp.status_code,
            "body": resp.text if not resp.ok or resp.text in ("", "success") else None,
            "reply": reply,
            "reply_error": reply_error,
            "create_time": create_time,
        }

    def post_callback(
        self, account: Account, xml: str, openid: str | None = None
    ) -> requests.Response:
        """Seal a callback per the account's mode and POST it to the webhook, as WeChat does."""
        token = account.secrets.token.get_secret_value()
        mode = account.settings.mode
        crypto = account_crypto(account) if mode is not MessageMode.PLAINTEXT else None
        body, query = seal_callback(
            xml,
            token,
            crypto,
            timestamp=str(int(clock.now_ts())),
            nonce=str(secrets.randbelow(10**10)),
            compatible=mode is MessageMode.COMPATIBLE,
        )
        if openid is not None:
            query["openid"] = openid
        url = f"{self._webhook_base_url}/wechat/{account.settings.app_id}"
        # A fresh session per call: callbacks also come from other threads (mass job reports).
        return requests.post(
            url, params=query, data=body, headers={"Content-Type": "text/xml"}, timeout=10
        )

    def push_later(
        self,
        account: Account,
        build: Callable[[], str],
        done: Callable[[bool], None],
        *,
        what: str,
        openid: str | None = None,
    ) -> None:
        """POST a callback WeChat sends on its own, from a background thread once the current
        answer is out, so a slow webhook never holds up an API answer. `build` makes the XML
        when it goes; `done` hears whether the webhook took it (a refusal is retried first)."""
        ACTIVITY.__enter__()  # counted from now: a --warp clock must not leap before it is sent

        def push() -> None:
            try:
                done(self._push(account, build(), what, openid))
            finally:
                ACTIVITY.__exit__()

        self.after_answer(
            lambda: threading.Thread(target=push, name="wechat-push", daemon=True).start()
        )

    def _push(self, account: Account, xml: str, what: str, openid: str | None) -> bool:
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            try:
                if self.post_callback(account, xml, openid=openid).ok:
                    return True
            except requests.RequestException as problem:
                log.debug("%s: webhook unreachable (%s)", what, type(problem).__name__)
            if attempt < PUSH_ATTEMPTS:
                time.sleep(PUSH_BACKOFF * attempt)
        log.warning("%s was not accepted by the webhook after %d attempts", what, PUSH_ATTEMPTS)
        return False


def _same(issued: str, given: str) -> bool:
    # Bytes, so a non-ASCII token in the query cannot raise inside compare_digest.
    return secrets.compare_digest(issued.encode(), given.encode())
