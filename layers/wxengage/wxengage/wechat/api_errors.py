"""WeChat API errors and what to do about each (WECHAT.md section 11)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCategory(StrEnum):
    """How the engine reacts to an errcode."""

    RETRY_BACKOFF = "retry_backoff"  # -1 system busy
    RETRY_NEXT_MINUTE = "retry_next_minute"  # 45011 per-minute frequency
    TOKEN = "token"  # noqa: S105 - a category name: refetch the access token, retry once
    FOLLOWER = "follower"  # window closed, quota used, not following...: never retry
    DAILY_QUOTA = "daily_quota"  # 45009: stop for today, alert
    MASS_QUOTA = "mass_quota"  # 45028
    CLIENTMSGID_EXISTS = "clientmsgid_exists"  # 45065: already submitted
    CLIENTMSGID_TOO_FAST = "clientmsgid_too_fast"  # 45066: wait a minute, same id
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # 89501..89505: the admin has to confirm
    REQUEST_BUG = "request_bug"  # our request is wrong: fail loudly
    CONFIGURATION = "configuration"  # IP whitelist, permission, credentials: fail loudly
    UNKNOWN = "unknown"


_CATEGORIES: dict[int, ErrorCategory] = {
    -1: ErrorCategory.RETRY_BACKOFF,
    45011: ErrorCategory.RETRY_NEXT_MINUTE,
    45009: ErrorCategory.DAILY_QUOTA,
    45028: ErrorCategory.MASS_QUOTA,
    45065: ErrorCategory.CLIENTMSGID_EXISTS,
    45066: ErrorCategory.CLIENTMSGID_TOO_FAST,
    **dict.fromkeys((40001, 40014, 42001), ErrorCategory.TOKEN),
    **dict.fromkeys((45015, 45047, 43004, 43019, 40003, 50002), ErrorCategory.FOLLOWER),
    # WxJava WxOpenErrorMsgEnum: 89501 a confirmation request is pending, retry later; 89502
    # wait for the admin; 89503 this call needs the admin's confirmation; 89504/89505 waiting for
    # the admin. 89506/89507: the admin refused this IP (retry after 24 h / 1 h): configuration,
    # as WECHAT.md section 11 says.
    **dict.fromkeys((89501, 89502, 89503, 89504, 89505), ErrorCategory.AWAITING_CONFIRMATION),
    # 40007: invalid media_id, e.g. customer-service mpnews since the draft box (WECHAT.md 5).
    **dict.fromkeys(
        (40033, 45002, 45008, 45067, 47001, 40130, 40008, 40007), ErrorCategory.REQUEST_BUG
    ),
    **dict.fromkeys((40164, 48001, 48004, 40013, 40125, 89506, 89507), ErrorCategory.CONFIGURATION),
}


def categorize(errcode: int) -> ErrorCategory:
    """The category of an errcode (UNKNOWN for codes we have no rule for)."""
    return _CATEGORIES.get(errcode, ErrorCategory.UNKNOWN)


class WeChatApiError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(
        self, errcode: int, errmsg: str, path: str, data: dict[str, Any] | None = None
    ) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        self.data = data or {}
        self.category = categorize(errcode)
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"WeChat {self.path} answered errcode {self.errcode}: {self.errmsg}"
        hint = _HINTS.get(self.errcode)
        return f"{text} - {hint}" if hint else text


# Configuration errors need an operator, so say what to change.
_HINTS: dict[int, str] = {
    40164: (
        "the caller's IP is not on the account's IP whitelist. Lambda has no fixed egress IP:"
        " route WeChat calls through a NAT gateway with an Elastic IP (or a fixed-IP proxy) and"
        " add that IP to the whitelist in the WeChat console"
    ),
    40013: "the AppID is not valid: check the account's app_id",
    40125: "the AppSecret is not valid (reset in the console?): update the account's app-secret",
    48001: "the account lacks this API permission (verified account needed?)",
    48004: "WeChat has banned this API for the account: see the notices in the WeChat console",
    89503: "this IP's calls need the account administrator's confirmation in WeChat",
    89506: "the account administrator refused this IP twice: no call from it for 24 hours",
    89507: "the account administrator refused this IP: no call from it for an hour",
    40007: (
        "invalid media_id; customer-service mpnews no longer takes a material media_id since"
        " the draft box: send the published article as mpnewsarticle with its article_id"
    ),
}


class WeChatTransportError(Exception):
    """No answer from WeChat; `maybe_delivered` says whether the request may have reached it."""

    def __init__(self, path: str, maybe_delivered: bool, detail: str = "") -> None:
        self.path = path
        self.maybe_delivered = maybe_delivered
        self.detail = detail
        delivered = "may have reached WeChat" if maybe_delivered else "never reached WeChat"
        super().__init__(
            f"no answer from WeChat {path}{': ' + detail if detail else ''} (request {delivered})"
        )
