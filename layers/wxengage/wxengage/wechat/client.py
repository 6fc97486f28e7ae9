"""The one WeChat API client: stable_token shared through DynamoDB, retries only where safe."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from wxengage import clock
from wxengage.observability import logger
from wxengage.store.tokens import CachedToken, DynamoTokenStore, TokenStore
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError

if TYPE_CHECKING:
    from wxengage.domain.accounts import Account
    from wxengage.settings import Settings

# urllib3 logs full request URLs at DEBUG, and WeChat puts the access token in the query string:
# keep that logger above DEBUG whatever the root level is.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

# stable_token rotates 5 minutes before expiry: refresh before that so we never hold a stale one.
REFRESH_BEFORE_SECONDS = 300
BUSY_RETRIES = 2


def _session() -> requests.Session:
    session = requests.Session()
    # Only connection failures are retried here: such a request never reached WeChat.
    retry = Retry(
        total=2, connect=2, read=0, status=0, other=0, backoff_factor=0.2, allowed_methods=None
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_SESSION = _session()
_MEMORY: dict[str, CachedToken] = {}
_MEMORY_LOCK = threading.Lock()


def forget_tokens() -> None:
    """Drop the in-memory tokens (tests simulate a fresh Lambda container)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()


class WeChatClient:
    """Calls one account's WeChat APIs."""

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
        self._http = session or _SESSION
        self._timeout = timeout
        self._sleep = sleep

    # --- tokens -------------------------------------------------------------------------

    def access_token(self) -> str:
        """A token with time left: from memory, then the shared store, then stable_token."""
        now = clock.now_ts()
        with _MEMORY_LOCK:
            cached = _MEMORY.get(self._app_id)
        if cached is None or cached.expires_at - now <= REFRESH_BEFORE_SECONDS:
            cached = self._tokens.get(self._app_id)
            if cached is None or cached.expires_at - now <= REFRESH_BEFORE_SECONDS:
                cached = self._fetch_token()
                self._tokens.put(self._app_id, cached)
            with _MEMORY_LOCK:
                _MEMORY[self._app_id] = cached
        return cached.access_token.get_secret_value()

    def _fetch_token(self) -> CachedToken:
        body = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._secret.get_secret_value(),
            "force_refresh": False,  # force_refresh is 20/day and for leaks only
        }
        data = self._request("POST", "/cgi-bin/stable_token", body=body, params={}, idempotent=True)
        if "access_token" not in data:
            raise WeChatApiError(
                -2, "stable_token answered without a token", "/cgi-bin/stable_token"
            )
        return CachedToken(
            access_token=SecretStr(str(data["access_token"])),
            expires_at=int(clock.now_ts()) + int(data.get("expires_in", 7200)),
        )

    def _drop_token(self, token: str) -> None:
        with _MEMORY_LOCK:
            cached = _MEMORY.get(self._app_id)
            if cached is not None and cached.access_token.get_secret_value() == token:
                del _MEMORY[self._app_id]
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
        token = self.access_token()
        try:
            return self._request(
                method,
                path,
                body=body,
                params={**(params or {}), "access_token": token},
                idempotent=idempotent,
            )
        except WeChatApiError as err:
            if err.category is not ErrorCategory.TOKEN:
                raise
            logger.info(
                "access token refused; fetching a fresh one",
                extra={"path": path, "errcode": err.errcode},
            )
            self._drop_token(token)
            token = self.access_token()
            return self._request(
                method,
                path,
                body=body,
                params={**(params or {}), "access_token": token},
                idempotent=idempotent,
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
        # WeChat wants raw UTF-8 JSON: \\uXXXX escapes are refused with 40033.
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        attempts = 1 + (BUSY_RETRIES if idempotent else 0)
        for attempt in range(attempts):
            try:
                resp = self._http.request(
                    method,
                    self._base + path,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=self._timeout,
                )
            except requests.ConnectionError as err:
                if _never_sent(err):
                    raise WeChatTransportError(
                        path, maybe_delivered=False, detail=f"could not connect ({_reason(err)})"
                    ) from None
                if idempotent and attempt + 1 < attempts:
                    continue
                raise WeChatTransportError(
                    path, maybe_delivered=True, detail="connection lost"
                ) from None
            except requests.Timeout:
                if idempotent and attempt + 1 < attempts:
                    continue
                raise WeChatTransportError(path, maybe_delivered=True, detail="timed out") from None
            if resp.status_code >= 500:
                if idempotent and attempt + 1 < attempts:
                    continue
                raise WeChatTransportError(
                    path, maybe_delivered=True, detail=f"HTTP {resp.status_code}"
                )
            payload: dict[str, Any] = resp.json()
            errcode = int(payload.get("errcode", 0) or 0)
            if errcode == 0:
                return payload
            api_error = WeChatApiError(errcode, str(payload.get("errmsg", "")), path, payload)
            if (
                api_error.category is ErrorCategory.RETRY_BACKOFF
                and idempotent
                and attempt + 1 < attempts
            ):
                self._sleep(0.2 * 2**attempt)
                continue
            raise api_error
        raise AssertionError("unreachable")  # the loop always returns or raises

    # --- areas --------------------------------------------------------------------------

    def send_custom(self, message: dict[str, Any]) -> None:
        """Customer-service send: no idempotency key, so never retried blindly."""
        self.call("POST", "/cgi-bin/message/custom/send", body=message, idempotent=False)

    def tag_ids_of(self, openid: str) -> list[int]:
        """A follower's tag ids, fresh from WeChat."""
        data = self.call(
            "POST", "/cgi-bin/tags/getidlist", body={"openid": openid}, idempotent=True
        )
        return [int(t) for t in data.get("tagid_list", [])]

    def followers_page(self, next_openid: str = "") -> tuple[list[str], str]:
        """One page (up to 10,000) of subscribed followers, and where the next page starts."""
        data = self.call(
            "GET", "/cgi-bin/user/get", params={"next_openid": next_openid}, idempotent=True
        )
        return list(data.get("data", {}).get("openid", [])), str(data.get("next_openid", ""))

    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]:
        """One page of followers carrying a tag."""
        data = self.call(
            "POST",
            "/cgi-bin/user/tag/get",
            body={"tagid": tag_id, "next_openid": next_openid},
            idempotent=True,
        )
        return list(data.get("data", {}).get("openid", [])), str(data.get("next_openid", ""))


def _never_sent(err: requests.ConnectionError) -> bool:
    """A failure to connect (the request never left): safe to report as not delivered."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def client_for(account: Account, settings: Settings) -> WeChatClient:
    """The one way the project builds a client: the shared token store and the configured base URL."""
    return WeChatClient(
        account.settings.app_id,
        account.secrets.app_secret,
        DynamoTokenStore(settings),
        base_url=settings.wechat_api_base,
    )


def _reason(err: requests.ConnectionError) -> str:
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return type(reason or err).__name__
