"""The one WeChat API client: stable_token shared through a TokenStore, retries only where safe."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeGuard

import requests
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from wxengage import clock
from wxengage.observability import count, logger
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.wechat.apis import DataCubeApi, MessageApi, TagApi, UserApi
from wxengage.wechat.targets import PreviewTarget
from wxengage.wechat.tokens import CachedToken, TokenStore
from wxengage.wechat.transport import JSON_HEADERS, SESSION, exchange

# stable_token rotates 5 minutes before expiry: refresh before that so we never hold a stale one.
REFRESH_BEFORE_SECONDS = 300
# Further tries for idempotent calls (system busy, read timeout, 5xx), with exponential backoff.
RETRIES = 2
BACKOFF_SECONDS = 0.5
TOKEN_API = "/cgi-bin/stable_token"  # noqa: S105 - an API path, not a secret

# Shared by every client in the container: tokens outlive one invocation.
_MEMORY: dict[str, CachedToken] = {}
_MEMORY_LOCK = threading.Lock()


def forget_tokens() -> None:
    """Drop the in-memory tokens (tests simulate a fresh Lambda container)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()


def _fresh(token: CachedToken | None, now: float) -> TypeGuard[CachedToken]:
    return token is not None and token.expires_at - now >= REFRESH_BEFORE_SECONDS


class WeChatClient:
    """Calls one account's WeChat APIs: `call` for any of them, grouped by area as wechatpy does
    (`message`, `user`, `tag`, `datacube`); the flat methods below are the ports' names."""

    def __init__(
        self,
        app_id: str,
        app_secret: SecretStr,
        tokens: TokenStore,
        base_url: str = "https://api.weixin.qq.com",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._app_id = app_id
        self._secret = app_secret
        self._tokens = tokens
        self._base = base_url.rstrip("/")
        self._http = session or SESSION
        self._timeout = timeout
        self._sleep = sleep
        self.message = MessageApi(self)
        self.user = UserApi(self)
        self.tag = TagApi(self)
        self.datacube = DataCubeApi(self)

    # --- tokens -------------------------------------------------------------------------

    def access_token(self) -> str:
        """A token with time left: from memory, then the shared store, then stable_token."""
        now = clock.now_ts()
        with _MEMORY_LOCK:
            cached = _MEMORY.get(self._app_id)
        if not _fresh(cached, now):
            cached = self._tokens.get(self._app_id)
            if not _fresh(cached, now):
                cached = self._fetch_token()
                self._tokens.put(self._app_id, cached)
            with _MEMORY_LOCK:
                _MEMORY[self._app_id] = cached
        return cached.access_token.get_secret_value()

    def _fetch_token(self) -> CachedToken:
        # Count the lifetime from before the request so it is never overestimated.
        started = int(clock.now_ts())
        body = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._secret.get_secret_value(),
            "force_refresh": False,  # force_refresh is 20/day and for leaks only
        }
        data = self._request("POST", TOKEN_API, body=body, params={}, idempotent=True)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatApiError(-2, "stable_token answered without a token", TOKEN_API)
        logger.info("fetched an access token", extra={"app_id": self._app_id})
        return CachedToken(
            access_token=SecretStr(token), expires_at=started + int(data.get("expires_in", 7200))
        )

    def _token_for(self, path: str) -> str:
        try:
            return self.access_token()
        except WeChatTransportError as err:
            # Whatever happened to stable_token, the API itself was never called.
            raise WeChatTransportError(
                err.path, maybe_delivered=False, detail=f"{err.detail}; {path} was not called"
            ) from None
        except (ClientError, BotoCoreError) as err:
            # The shared token store failed: nothing was sent, so the caller may retry.
            raise WeChatTransportError(
                path, maybe_delivered=False, detail=f"token store: {type(err).__name__}"
            ) from None

    def _drop_token(self, token: str) -> None:
        with _MEMORY_LOCK:
            cached = _MEMORY.get(self._app_id)
            if cached is not None and cached.access_token.get_secret_value() == token:
                del _MEMORY[self._app_id]
        # Conditional: another Lambda may already have stored a newer token.
        self._tokens.invalidate(self._app_id, token)

    # --- calls --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        idempotent: bool,
    ) -> dict[str, Any]:
        """Call an API with the access token; a refused token is refetched and retried once."""
        token = self._token_for(path)
        try:
            return self._request(
                method, path, body=body, params=_with_token(params, token), idempotent=idempotent
            )
        except WeChatApiError as err:
            if err.category is not ErrorCategory.TOKEN:
                raise
            logger.info(
                "access token refused; fetching a fresh one",
                extra={"path": path, "errcode": err.errcode},
            )
        # A refused token means WeChat did nothing, so even a custom send is safe to repeat once.
        self._drop_token(token)
        token = self._token_for(path)
        return self._request(
            method, path, body=body, params=_with_token(params, token), idempotent=idempotent
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None,
        params: dict[str, str],
        idempotent: bool,
    ) -> dict[str, Any]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = JSON_HEADERS if data is not None else {}
        tries = 1 + (RETRIES if idempotent else 0)
        for attempt in range(tries):
            answer = exchange(
                self._http,
                method,
                self._base + path,
                path,
                data=data,
                headers=headers,
                params=params,
                timeout=self._timeout,
            )
            failure: WeChatApiError | WeChatTransportError
            if isinstance(answer, WeChatTransportError):
                failure = answer
                # A request that never left was already retried by the adapter.
                retryable = answer.maybe_delivered
            else:
                errcode = int(answer.get("errcode") or 0)
                if errcode == 0:
                    return answer
                failure = WeChatApiError(errcode, str(answer.get("errmsg", "")), path, answer)
                retryable = failure.category is ErrorCategory.RETRY_BACKOFF
            if not retryable or attempt + 1 >= tries:
                _count_failure(path, failure)
                raise failure
            logger.warning(
                "retrying a WeChat call",
                extra={"path": path, "attempt": attempt + 1, "reason": str(failure)},
            )
            self._sleep(BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable")  # the last try always returns or raises

    # --- the ports' names (recall sender, broadcast engine), one line each ------------

    def send_custom(self, message: dict[str, Any]) -> None:
        """Customer-service send: no idempotency key, so never retried blindly."""
        self.message.send_custom(message)

    def tag_ids_of(self, openid: str) -> list[int]:
        """A follower's tag ids, fresh from WeChat."""
        return self.tag.get_user_tags(openid)

    def followers_page(self, next_openid: str = "") -> tuple[list[str], str]:
        """One page of subscribed followers, and where the next page starts ("" at the end)."""
        return self.user.get_followers(next_openid)

    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]:
        """One page of followers carrying a tag, and where the next page starts."""
        return self.tag.get_tag_users(tag_id, next_openid)

    def mass_send(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        """Submit one mass-send batch; the answer carries msg_id and msg_data_id."""
        return self.message.send_mass(touser, message, clientmsgid)

    def mass_sendall(
        self, flt: dict[str, Any], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        """Submit one mass/sendall (to a tag, or to all with is_to_all)."""
        return self.message.send_mass_all(flt, message, clientmsgid)

    def mass_preview(self, to: PreviewTarget, message: dict[str, Any]) -> None:
        """Send a test message to one follower, by openid or WeChat ID (no quota used)."""
        self.message.preview_mass(to, message)

    def mass_status(self, msg_id: int) -> str:
        """SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
        return self.message.get_mass_status(msg_id)

    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None:
        """Take a sent news item down (0 = every article of it)."""
        self.message.delete_mass(msg_id, article_idx)

    def article_totals(self, day: str) -> list[dict[str, Any]]:
        """getarticletotal for the articles sent on `day` (YYYY-MM-DD)."""
        return self.datacube.get_article_total(day)

    def article_reads(self, day: str) -> list[dict[str, Any]]:
        """getarticleread for the articles sent on `day`."""
        return self.datacube.get_article_read(day)

    def article_total_details(self, day: str) -> dict[str, Any]:
        """getarticletotaldetail for the articles published on `day` (list and is_delay)."""
        return self.datacube.get_article_total_detail(day)


def _count_failure(path: str, failure: WeChatApiError | WeChatTransportError) -> None:
    """The WeChatApiError metric (dashboard, alarms on 45009, 40164 and stable_token): one per
    failure handed to the caller. Both dimensions stay few: `path` is one of the API paths this
    module calls, `errcode` one of WeChat's codes, or "transport" when no answer came."""
    errcode = str(failure.errcode) if isinstance(failure, WeChatApiError) else "transport"
    count("WeChatApiError", 1, errcode=errcode, path=path)


def _with_token(params: dict[str, str] | None, token: str) -> dict[str, str]:
    return {**(params or {}), "access_token": token}
