"""The WeChat sandbox under test: a sandbox on a free port, a webhook that says "success", helpers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from wxengage.accounts import (
    Account,
    AccountNotFoundError,
    AccountSecrets,
    AccountSettings,
    MessageMode,
)
from wxengage_local.sandbox import WeChatSandbox

APP_ID = "wx0123456789abcdef"
OTHER_APP_ID = "wxfedcba9876543210"
APP_SECRET = "0123456789abcdef0123456789abcdef"
SEND = "/cgi-bin/message/custom/send"


class FakeAccounts:
    """The account source the sandbox reads: plaintext accounts, no AWS."""

    def __init__(self, *app_ids: str) -> None:
        self._accounts = {
            app_id: Account(
                settings=AccountSettings(app_id=app_id, mode=MessageMode.PLAINTEXT),
                secrets=AccountSecrets.model_validate(
                    {"token": "testToken42", "app_secret": APP_SECRET}
                ),
            )
            for app_id in app_ids
        }

    def get(self, app_id: str) -> Account:
        if app_id not in self._accounts:
            raise AccountNotFoundError(app_id)
        return self._accounts[app_id]


class _Success(BaseHTTPRequestHandler):
    """A webhook that takes every callback and answers "success"."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, format: str, *args: Any) -> None:
        return


class Harness:
    """A running sandbox and the calls tests make to it."""

    def __init__(self, sandbox: WeChatSandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url
        self._tokens: dict[str, str] = {}

    def token(self, app_id: str = APP_ID) -> str:
        if app_id not in self._tokens:
            body = {"grant_type": "client_credential", "appid": app_id, "secret": APP_SECRET}
            answer = requests.post(f"{self.url}/cgi-bin/stable_token", json=body, timeout=5)
            self._tokens[app_id] = answer.json()["access_token"]
        return self._tokens[app_id]

    def forget_tokens(self) -> None:
        """Fetch new tokens on the next call (after the clock moved past their 2 hours)."""
        self._tokens.clear()

    def wechat(
        self,
        path: str,
        body: Any = None,
        *,
        app_id: str = APP_ID,
        params: dict[str, str] | None = None,
        timeout: float = 5,
    ) -> Any:
        """Call a WeChat API as the engine does: token in the query, raw UTF-8 JSON."""
        query = {"access_token": self.token(app_id), **(params or {})}
        if body is None:
            return requests.get(f"{self.url}{path}", params=query, timeout=timeout).json()
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        resp = requests.post(f"{self.url}{path}", params=query, data=data, timeout=timeout)
        return resp.json()

    def send_text(self, openid: str, text: str = "hi", app_id: str = APP_ID) -> int:
        message = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return int(self.wechat(SEND, message, app_id=app_id)["errcode"])

    def control(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        resp = requests.request(
            method, f"{self.url}/_sandbox/{path}", json=body, params=params, timeout=5
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def play(self, openid: str, action: str, app_id: str = APP_ID, **extra: Any) -> Any:
        body = {"app_id": app_id, "openid": openid, "action": action, **extra}
        answer = self.control("POST", "play", body)
        assert answer["status"] == 200, answer
        return answer


@contextmanager
def running_sandbox() -> Iterator[Harness]:
    """A sandbox for two accounts on a free port, its webhook a local "success" server."""
    webhook = ThreadingHTTPServer(("127.0.0.1", 0), _Success)
    threading.Thread(target=webhook.serve_forever, args=(0.05,), daemon=True).start()
    sandbox = WeChatSandbox(
        FakeAccounts(APP_ID, OTHER_APP_ID),
        f"http://127.0.0.1:{webhook.server_address[1]}",
        port=0,
    )
    sandbox.start()
    try:
        yield Harness(sandbox)
    finally:
        sandbox.stop()
        webhook.shutdown()
        webhook.server_close()
