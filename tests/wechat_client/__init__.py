"""WeChat API client tests: a fake WeChat over HTTP (`responses`) and helpers the modules share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import responses
from pydantic import SecretStr
from requests import PreparedRequest
from responses import matchers

from wxengage import clock
from wxengage.wechat.client import WeChatClient
from wxengage.wechat.tokens import CachedToken, TokenStore

BASE = "https://api.weixin.qq.com"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tAB"
TOKEN_API = "/cgi-bin/stable_token"
SEND = "/cgi-bin/message/custom/send"
TAGS = "/cgi-bin/tags/getidlist"
FOLLOWERS = "/cgi-bin/user/get"
TAG_FOLLOWERS = "/cgi-bin/user/tag/get"
OK = {"errcode": 0, "errmsg": "ok"}
FIRST_TOKEN = "TOKEN-1"
# What an answer may be: a JSON body (HTTP 200), a bare status code, or an exception to raise.
Answer = dict[str, Any] | int | Exception


class FakeWeChat:
    """WeChat as the client sees it over HTTP; every request not scripted here is refused."""

    def __init__(self, mock: responses.RequestsMock, base: str = BASE) -> None:
        self.mock = mock
        self.base = base

    def issue_tokens(self, *tokens: str, expires_in: int = 7200) -> None:
        """stable_token hands out these tokens in turn, only to the exact request WeChat expects."""
        expected = {
            "grant_type": "client_credential",
            "appid": APP_ID,
            "secret": APP_SECRET,
            "force_refresh": False,
        }
        for token in tokens:
            self.mock.add(
                "POST",
                self.base + TOKEN_API,
                json={"access_token": token, "expires_in": expires_in},
                match=[matchers.json_params_matcher(expected)],
            )

    def answer(self, method: str, path: str, *answers: Answer, token: str | None = None) -> None:
        """The API answers these in turn (the last one repeats); `token` restricts the match."""
        match = [matchers.query_param_matcher({"access_token": token}, strict_match=False)]
        for answer in answers:
            kwargs: dict[str, Any]
            if isinstance(answer, Exception):
                kwargs = {"body": answer}
            elif isinstance(answer, int):
                kwargs = {"status": answer, "body": "<html>bad gateway</html>"}
            else:
                kwargs = {"json": answer}
            self.mock.add(method, self.base + path, match=match if token else [], **kwargs)

    def requests_to(self, path: str) -> list[PreparedRequest]:
        """The requests that reached `path`, in order."""
        return [c.request for c in self.mock.calls if urlsplit(c.request.url or "").path == path]

    def tokens_used(self, path: str) -> list[str]:
        """The access_token each request to `path` carried."""
        return [
            str(dict(r.params)["access_token"])  # type: ignore[attr-defined]
            for r in self.requests_to(path)
        ]


class MemoryTokens:
    """A token store in memory, holding one token that is good for two hours."""

    def __init__(self, token: str = FIRST_TOKEN) -> None:
        self.token: CachedToken | None = CachedToken(
            access_token=SecretStr(token), expires_at=int(clock.now_ts()) + 7200
        )

    def get(self, app_id: str) -> CachedToken | None:
        return self.token

    def put(self, app_id: str, token: CachedToken) -> None:
        self.token = token

    def invalidate(self, app_id: str, access_token: str) -> None:
        if self.token and self.token.access_token.get_secret_value() == access_token:
            self.token = None


def make_client(
    tokens: TokenStore,
    sleeps: list[float] | None = None,
    base: str = BASE,
    timeout: tuple[float, float] = (3.05, 10.0),
) -> WeChatClient:
    """A client whose backoff sleeps are recorded instead of slept."""
    record: Callable[[float], None] = (sleeps if sleeps is not None else []).append
    return WeChatClient(
        APP_ID, SecretStr(APP_SECRET), tokens, base_url=base, timeout=timeout, sleep=record
    )


def text(openid: str, content: str) -> dict[str, Any]:
    """A customer-service text message."""
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}
