"""What every sandbox route shares: the parsed request, the answer shape and WeChat's errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
# (HTTP status, JSON payload): WeChat's APIs always answer 200 and put the failure in errcode.
Answer = tuple[int, Any]

# errmsg texts as WeChat words them, for the codes the sandbox answers or may be told to fake.
ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40008: "invalid message type",
    40014: "invalid access_token",
    40033: "invalid charset. please check your request, if include \\uxxxx will create fail!",
    40066: "invalid url",
    42001: "access_token expired",
    43004: "require subscribe",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45159: "invalid tag id",
    47001: "data format error",
}

# A \uXXXX escape whose backslash is not itself escaped (an even run of backslashes before it).
_UNICODE_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u[0-9A-Fa-f]{4}")


def err(code: int, msg: str | None = None) -> Answer:
    """WeChat's failure: HTTP 200 with errcode/errmsg."""
    return 200, {"errcode": code, "errmsg": msg or ERRMSG.get(code, "sandbox fault")}


def ok(**extra: Any) -> Answer:
    """WeChat's success: errcode 0 plus whatever the API returns."""
    return 200, {"errcode": 0, "errmsg": "ok", **extra}


def refuse(status: int, message: str) -> Answer:
    """A control-API refusal (not WeChat's shape: the CLI prints `error`)."""
    return status, {"error": message}


def has_unicode_escape(raw: bytes) -> bool:
    """True when a JSON body spells characters as \\uXXXX, which WeChat rejects with 40033."""
    return _UNICODE_ESCAPE.search(raw) is not None


@dataclass(frozen=True)
class Request:
    """One call as a route sees it: query, parsed JSON body, and the app its access_token names."""

    query: dict[str, str]
    body: Json = field(default_factory=dict)
    app_id: str = ""
