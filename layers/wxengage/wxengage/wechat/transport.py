"""One HTTP exchange with WeChat: a shared session, and failures returned without the URL."""

from __future__ import annotations

import logging
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from wxengage.observability import logger
from wxengage.wechat.api_errors import WeChatTransportError

# urllib3 logs full request URLs at DEBUG, and WeChat puts the access token in the query string:
# keep that logger above DEBUG whatever the root level is.
logging.getLogger("urllib3").setLevel(logging.ERROR)  # retry WARNINGs name the URL too

# WeChat refuses \uXXXX escapes (40033), so bodies go out as raw UTF-8 and say so.
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


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


# Shared by every client in the container: connections outlive one invocation.
SESSION = _session()


def exchange(
    http: requests.Session,
    method: str,
    url: str,
    path: str,
    *,
    data: bytes | None,
    headers: dict[str, str],
    params: dict[str, str],
    timeout: tuple[float, float],
) -> dict[str, Any] | WeChatTransportError:
    """One exchange. Failures are returned, not raised from requests' exceptions, whose
    messages and tracebacks carry the full URL and so the access token."""
    try:
        resp = http.request(method, url, params=params, data=data, headers=headers, timeout=timeout)
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
        return WeChatTransportError(path, maybe_delivered=True, detail=f"HTTP {resp.status_code}")
    try:
        payload = resp.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return WeChatTransportError(
            path, maybe_delivered=True, detail=f"HTTP {resp.status_code}, not a JSON object"
        )
    return payload


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
