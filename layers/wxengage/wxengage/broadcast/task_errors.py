"""Errors leaving a broadcast task for Step Functions, and the Reason a Catch makes of them."""

# ruff: noqa: RUF001  -- the zh-CN sentences use Chinese punctuation on purpose
from __future__ import annotations

import json
import re

from pydantic import ValidationError

from wxengage.broadcast.reasons import (
    RESUME,
    RESUME_ZH,
    Reason,
    clean,
    from_wechat,
    reason,
    unreachable,
)
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError

_TRANSIENT = {
    ErrorCategory.RETRY_BACKOFF,
    ErrorCategory.RETRY_NEXT_MINUTE,
    ErrorCategory.TOKEN,
    ErrorCategory.CLIENTMSGID_TOO_FAST,
    ErrorCategory.AWAITING_CONFIRMATION,
    ErrorCategory.UNKNOWN,
}


def transient(err: WeChatApiError) -> bool:
    """Whether WeChat may answer differently if asked again later (Step Functions retries these)."""
    return err.category in _TRANSIENT


class WeChatBusyError(RuntimeError):
    """A WeChat error worth retrying; its message is the Reason as JSON (the state machine's Cause)."""


class WeChatRefusedError(RuntimeError):
    """A WeChat error asking again will not fix; its message is the Reason as JSON."""


class WeChatUnreachableError(RuntimeError):
    """WeChat did not answer; its message is the Reason as JSON."""


def task_error(err: Exception) -> Exception | None:
    """The error a task raises to Step Functions for a WeChat failure (None: raise `err` as is)."""
    if isinstance(err, WeChatApiError):
        found = from_wechat(err.errcode, err.path, err.errmsg).model_dump_json()
        return WeChatBusyError(found) if transient(err) else WeChatRefusedError(found)
    if isinstance(err, WeChatTransportError):
        return WeChatUnreachableError(unreachable(err.path).model_dump_json())
    return None


# Our own errors whose message is already an operator's sentence (no paths, no input echoed).
_SELF_EXPLAINED = {"CampaignConflictError", "ScheduleError", "CampaignNotFoundError", "AccountNotFoundError"}  # fmt: skip


def from_task_error(error: str, cause: str) -> Reason:
    """A Reason from what a Catch gave the state machine: the error name and Lambda's error JSON.

    Only the error message is read, and only when it is a Reason or one of our own sentences;
    the stack trace and anything else in `cause` stay in the logs.
    """
    message = _error_message(cause)
    try:
        return Reason.model_validate_json(message)
    except ValidationError:
        pass
    if error in _SELF_EXPLAINED and message:
        return reason(
            f"task.{error}",
            clean(message, 200) + ".",
            "活动状态不允许继续：" + clean(message, 200),
            "look at `wxengage campaign status`, then " + RESUME,
            "查看 `wxengage campaign status`，" + RESUME_ZH,
        )
    if error == "States.Timeout":
        return reason(
            "task.timeout",
            "A broadcast step took too long and was stopped.",
            "群发步骤超时被终止。",
            "run `wxengage campaign resume`: it re-sends only what did not go out",
            "运行 `wxengage campaign resume`：只补发未发出的部分",
        )
    name = error if re.fullmatch(r"[A-Za-z_.]{1,64}", error or "") else "unknown"
    return reason(
        "task.internal",
        f"The broadcast engine hit an unexpected error ({name}); details are in the broadcast function's logs.",
        f"群发引擎出现意外错误（{name}），详情见群发函数日志。",
        "tell the team running wxengage, and once it is fixed " + RESUME,
        "联系 wxengage 维护人员，待修复" + RESUME_ZH,
    )  # fmt: skip


def _error_message(cause: str) -> str:
    try:
        found = json.loads(cause)
    except (TypeError, ValueError):
        return ""
    text = found.get("errorMessage") if isinstance(found, dict) else None
    return text if isinstance(text, str) else ""
