"""The one WeChat API client: stable_token shared through DynamoDB, retries only where safe."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

import requests
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from wxengage import clock
from wxengage.observability import count, logger
from wxengage.store.tokens import CachedToken, DynamoTokenStore, TokenStore
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError

if TYPE_CHECKING:
    from wxengage.accounts import Account
    from wxengage.settings import Settings

# urllib3 logs full request URLs at DEBUG, and WeChat puts the access token in the query string:
# keep that logger above DEBUG whatever the root level is.
logging.getLogger("urllib3").setLevel(logging.ERROR)  # retry WARNINGs name the URL too

# stable_token rotates 5 minutes before expiry: refresh before that so we never hold a stale one.
REFRESH_BEFORE_SECONDS = 300
# Further tries for idempotent calls (system busy, read timeout, 5xx), with exponential backoff.
RETRIES = 2
BACKOFF_SECONDS = 0.5
TOKEN_API = "/cgi-bin/stable_token"  # noqa: S105 - an API path, not a secret
# WeChat refuses \uXXXX escapes (40033), so bodies go out as raw UTF-8 and say so.
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def _session() -> requests.Session:
    session = requests.Session()
    # Only connection failures are retried here: such a request never reached WeChat. Read
    # errors, statuses and Retry-After stay with the caller, who knows if a resend is safe.
    retry = Retry(
        total=2,
        connect=2,
        read=0,
        status=0,
        other=0,
        backoff_factor=0.2,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# Shared by every client in the container: connections and tokens outlive one invocation.
_SESSION = _session()
_MEMORY: dict[str, CachedToken] = {}
_MEMORY_LOCK = threading.Lock()


def forget_tokens() -> None:
    """Drop the in-memory tokens (tests simulate a fresh Lambda container)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()


def _fresh(token: CachedToken | None, now: float) -> TypeGuard[CachedToken]:
    return token is not None and token.expires_at - now >= REFRESH_BEFORE_SECONDS


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
        headers = _JSON_HEADERS if data is not None else {}
        tries = 1 + (RETRIES if idempotent else 0)
        for attempt in range(tries):
            answer = self._send(method, path, data, headers, params)
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

    def _send(
        self,
        method: str,
        path: str,
        data: bytes | None,
        headers: dict[str, str],
        params: dict[str, str],
    ) -> dict[str, Any] | WeChatTransportError:
        """One exchange. Failures are returned, not raised from requests' exceptions, whose
        messages and tracebacks carry the full URL and so the access token."""
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
                return WeChatTransportError(
                    path, maybe_delivered=False, detail=f"could not connect ({_reason(err)})"
                )
            return WeChatTransportError(
                path, maybe_delivered=True, detail=f"connection lost ({_reason(err)})"
            )
        except requests.Timeout:
            return WeChatTransportError(
                path, maybe_delivered=True, detail="timed out waiting for the answer"
            )
        except requests.RequestException as err:
            return WeChatTransportError(path, maybe_delivered=True, detail=type(err).__name__)
        logger.debug("WeChat answered", extra={"path": path, "status": resp.status_code})
        if resp.status_code >= 500:
            return WeChatTransportError(
                path, maybe_delivered=True, detail=f"HTTP {resp.status_code}"
            )
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return WeChatTransportError(
                path, maybe_delivered=True, detail=f"HTTP {resp.status_code}, not a JSON object"
            )
        return payload

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
        """One page (up to 10,000) of subscribed followers, and where the next page starts
        ("" when there is none)."""
        data = self.call(
            "GET", "/cgi-bin/user/get", params={"next_openid": next_openid}, idempotent=True
        )
        return _page(data)

    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]:
        """One page of followers carrying a tag, and where the next page starts."""
        data = self.call(
            "POST",
            "/cgi-bin/user/tag/get",
            body={"tagid": tag_id, "next_openid": next_openid},
            idempotent=True,
        )
        return _page(data)

    # --- mass send (群发) ----------------------------------------------------------------
    # Not retried here: the engine decides, using the batch's clientmsgid (45065/45066).

    def mass_send(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]:
        """Submit one batch (2..10,000 openids); the answer carries msg_id and msg_data_id."""
        body = {"touser": touser, **message, "clientmsgid": clientmsgid}
        return self.call("POST", "/cgi-bin/message/mass/send", body=body, idempotent=False)

    def mass_preview(self, openid: str, message: dict[str, Any]) -> None:
        """Send a test message to one follower (no quota used)."""
        body = {"touser": openid, **message}
        self.call("POST", "/cgi-bin/message/mass/preview", body=body, idempotent=False)

    def mass_status(self, msg_id: int) -> str:
        """SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
        data = self.call(
            "POST", "/cgi-bin/message/mass/get", body={"msg_id": msg_id}, idempotent=True
        )
        return str(data.get("msg_status", ""))

    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None:
        """Take a sent news item down (0 = every article of it); the card stays in chats."""
        body = {"msg_id": msg_id, "article_idx": article_idx}
        self.call("POST", "/cgi-bin/message/mass/delete", body=body, idempotent=True)

    def article_totals(self, day: str) -> list[dict[str, Any]]:
        """getarticletotal for the articles sent on `day` (YYYY-MM-DD); ready after 08:00 next day."""
        body = {"begin_date": day, "end_date": day}
        data = self.call("POST", "/datacube/getarticletotal", body=body, idempotent=True)
        return list(data.get("list", []))

    def article_reads(self, day: str) -> list[dict[str, Any]]:
        """getarticleread, the newer statistics API, for the articles sent on `day`."""
        body = {"begin_date": day, "end_date": day}
        data = self.call("POST", "/datacube/getarticleread", body=body, idempotent=True)
        return list(data.get("list", []))


def _count_failure(path: str, failure: WeChatApiError | WeChatTransportError) -> None:
    """The WeChatApiError metric (dashboard, alarms on 45009, 40164 and stable_token): one per
    failure handed to the caller. Both dimensions stay few: `path` is one of the API paths this
    module calls, `errcode` one of WeChat's codes, or "transport" when no answer came."""
    errcode = str(failure.errcode) if isinstance(failure, WeChatApiError) else "transport"
    count("WeChatApiError", 1, errcode=errcode, path=path)


def _with_token(params: dict[str, str] | None, token: str) -> dict[str, str]:
    return {**(params or {}), "access_token": token}


def _page(data: dict[str, Any]) -> tuple[list[str], str]:
    openids = [str(o) for o in data.get("data", {}).get("openid", [])]
    # An empty page may still echo a next_openid: stop there rather than loop forever.
    return openids, (str(data.get("next_openid") or "") if openids else "")


def _never_sent(err: requests.ConnectionError) -> bool:
    """A failure to connect: the request never left, so it cannot have been delivered."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _reason(err: requests.ConnectionError) -> str:
    # Only a class name: the exceptions' text holds the URL, access token included.
    inner = err.args[0] if err.args else None
    reason = getattr(inner, "reason", None) or inner
    return type(reason).__name__ if isinstance(reason, BaseException) else type(err).__name__


def client_for(account: Account, settings: Settings) -> WeChatClient:
    """The one way the project builds a client: the shared token store and the configured base URL."""
    return WeChatClient(
        account.settings.app_id,
        account.secrets.app_secret,
        DynamoTokenStore(settings),
        base_url=settings.wechat_api_base,
        timeout=(3.05, settings.wechat_read_timeout),
    )
