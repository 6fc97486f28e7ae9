"""The WeChat sandbox: plays WeChat for the local stack, both its API and its callbacks."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from pydantic import ValidationError

from wxengage import clock
from wxengage.domain.accounts import Account, MessageMode
from wxengage.store.accounts import AccountNotFoundError, AccountStore
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import seal_callback
from wxengage.wechat.errors import CallbackError
from wxengage.wechat.signature import sha1_signature
from wxengage.wechat.xml import parse_xml
from wxengage_local.sandbox_callbacks import PlayRequest, callback_xml

TOKEN_SECONDS = 7200
# stable_token hands out the same token until 5 minutes before it expires.
STABLE_ROTATE_BEFORE = 300

Json = dict[str, Any]
Route = Callable[["WeChatSandbox", dict[str, str], Json], tuple[int, Json]]


def _err(code: int, msg: str) -> tuple[int, Json]:
    # WeChat reports errors as HTTP 200 with errcode/errmsg.
    return 200, {"errcode": code, "errmsg": msg}


class WeChatSandbox:
    """A WeChat stand-in on loopback: token APIs, and callbacks sent to the webhook on demand."""

    def __init__(self, accounts: AccountStore, webhook_base_url: str, port: int = 3100) -> None:
        self._accounts = accounts
        self._webhook_base_url = webhook_base_url.rstrip("/")
        self._port = port
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._http = requests.Session()

    @property
    def url(self) -> str:
        """Base URL of the sandbox (use it as the WeChat API base)."""
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        """Serve on loopback in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wechat-sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._http.close()

    # --- WeChat's API -------------------------------------------------------------------

    def _account_for(
        self, app_id: str, secret: str
    ) -> tuple[Account | None, tuple[int, Json] | None]:
        try:
            account = self._accounts.get(app_id)
        except AccountNotFoundError:
            return None, _err(40013, "invalid appid")
        if not secrets.compare_digest(account.secrets.app_secret.get_secret_value(), secret):
            return None, _err(40125, "invalid appsecret")
        return account, None

    def token(self, query: dict[str, str], body: Json) -> tuple[int, Json]:
        """GET /cgi-bin/token: a new token each call (the classic API's ping-pong included)."""
        if query.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        _, failure = self._account_for(query.get("appid", ""), query.get("secret", ""))
        if failure:
            return failure
        return 200, {
            "access_token": self._issue(query["appid"], force=True),
            "expires_in": TOKEN_SECONDS,
        }

    def stable_token(self, query: dict[str, str], body: Json) -> tuple[int, Json]:
        """POST /cgi-bin/stable_token: the same token until shortly before it expires."""
        if body.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        app_id = str(body.get("appid", ""))
        _, failure = self._account_for(app_id, str(body.get("secret", "")))
        if failure:
            return failure
        token = self._issue(app_id, force=bool(body.get("force_refresh")))
        with self._lock:
            expires_in = int(self._tokens[app_id][1] - clock.now_ts())
        return 200, {"access_token": token, "expires_in": expires_in}

    def _issue(self, app_id: str, force: bool) -> str:
        now = clock.now_ts()
        with self._lock:
            current = self._tokens.get(app_id)
            if force or current is None or current[1] - now <= STABLE_ROTATE_BEFORE:
                current = (secrets.token_urlsafe(48), now + TOKEN_SECONDS)
                self._tokens[app_id] = current
            return current[0]

    def check_token(self, app_id: str, access_token: str) -> tuple[int, Json] | None:
        """The errcode WeChat gives for a bad or expired access_token, or None when it is valid."""
        with self._lock:
            current = self._tokens.get(app_id)
        if current is None or not secrets.compare_digest(current[0], access_token):
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if clock.now_ts() >= current[1]:
            return _err(42001, "access_token expired")
        return None

    # --- Callbacks to the webhook ----------------------------------------------------------

    def play(self, query: dict[str, str], body: Json) -> tuple[int, Json]:
        """POST /_sandbox/play: deliver one follower action to the webhook as WeChat would."""
        try:
            req = PlayRequest.model_validate(body)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                for e in err.errors(include_input=False)
            )
            return 400, {"error": problems}
        try:
            account = self._accounts.get(req.app_id)
        except AccountNotFoundError:
            return 404, {"error": f"no account {req.app_id} is registered"}
        return 200, self.deliver(account, req)

    def deliver(self, account: Account, req: PlayRequest) -> Json:
        """Seal the callback per the account's mode, POST it, and read the reply like WeChat."""
        now = int(clock.now_ts())
        xml = callback_xml(req, req.create_time if req.create_time is not None else now)
        token = account.secrets.token.get_secret_value()
        mode = account.settings.mode
        crypto = _crypto(account) if mode is not MessageMode.PLAINTEXT else None
        nonce = str(secrets.randbelow(10**10))
        body, query = seal_callback(
            xml,
            token,
            crypto,
            timestamp=str(now),
            nonce=nonce,
            compatible=mode is MessageMode.COMPATIBLE,
        )
        query["openid"] = req.openid
        url = f"{self._webhook_base_url}/wechat/{account.settings.app_id}"
        resp = self._http.post(
            url, params=query, data=body, headers={"Content-Type": "text/xml"}, timeout=10
        )
        reply, reply_error = (
            _read_reply(resp.text, token, _crypto(account)) if resp.ok else (None, None)
        )
        return {
            "status": resp.status_code,
            "body": resp.text if not resp.ok or resp.text in ("", "success") else None,
            "reply": reply,
            "reply_error": reply_error,
            "create_time": int(req.create_time if req.create_time is not None else now),
        }


def _crypto(account: Account) -> MessageCrypto | None:
    key = account.secrets.aes_key
    return MessageCrypto(key.get_secret_value(), account.settings.app_id) if key else None


def _read_reply(
    text: str, token: str, crypto: MessageCrypto | None
) -> tuple[str | None, str | None]:
    """WeChat's view of a passive reply: plaintext, or verified and decrypted."""
    if text in ("", "success"):
        return None, None
    try:
        fields = parse_xml(text.encode())
        if "Encrypt" not in fields:
            return text, None
        if crypto is None:
            return None, "encrypted reply but the account has no aes key"
        expected = sha1_signature(token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if not secrets.compare_digest(expected, fields.get("MsgSignature", "")):
            return None, "reply MsgSignature does not verify"
        return crypto.decrypt(fields["Encrypt"]).decode(), None
    except (CallbackError, KeyError) as err:
        # WeChat shows the follower "this account cannot serve you right now".
        return None, f"unreadable reply: {err}"


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/cgi-bin/token"): WeChatSandbox.token,
    ("POST", "/cgi-bin/stable_token"): WeChatSandbox.stable_token,
    ("POST", "/_sandbox/play"): WeChatSandbox.play,
}


def _handler_for(sandbox: WeChatSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            route = ROUTES.get((method, parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if route is None:
                status, payload = (
                    int(HTTPStatus.NOT_FOUND),
                    {"errcode": 40066, "errmsg": "invalid url"},
                )
            else:
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    status, payload = _err(47001, "data format error")
                else:
                    status, payload = route(sandbox, query, body if isinstance(body, dict) else {})
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            # Query strings carry secrets and tokens: never log request lines.
            return

    return Handler
