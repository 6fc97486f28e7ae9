"""Failure reasons: a code, a sentence in English and Chinese, what to do; never a trace or a path."""

from __future__ import annotations

import json

import pytest

from wxengage.broadcast.reasons import Reason, from_wechat
from wxengage.broadcast.task_errors import (
    WeChatBusyError,
    WeChatRefusedError,
    WeChatUnreachableError,
    from_task_error,
    task_error,
)
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError


def _lambda_cause(message: str, error_type: str = "WeChatRefusedError") -> str:
    """The Cause Step Functions hands a Catch for a failed Lambda task."""
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": "0d1c",
            "stackTrace": ['  File "/var/task/functions/broadcast/app.py", line 27, in handler\n'],
        }
    )


@pytest.mark.parametrize("errcode", [-1, 45011, 45009, 45028, 40007, 40130, 48001, 40164, 40001, 89503, 89507, 12345])  # fmt: skip
def test_every_wechat_error_reads_as_a_sentence_with_what_to_do(errcode: int) -> None:
    found = from_wechat(errcode, "/cgi-bin/message/mass/send", "some errmsg rid: 1")
    assert found.code == f"wechat.{errcode}"
    assert found.message.startswith(f"WeChat refused the mass send ({errcode}): ")
    assert found.message_zh.startswith(f"微信拒绝了群发（{errcode}）")  # noqa: RUF001
    assert found.action and found.action_zh
    assert found.text().endswith(f"[wechat.{errcode}]") and "What to do:" in found.text()


def test_a_known_code_explains_itself_and_an_unknown_one_keeps_wechats_words() -> None:
    assert "at least 2 openids" in from_wechat(40130).message
    unknown = from_wechat(99999, "/datacube/getarticletotal", "weird\nthing")
    assert "read statistics" in unknown.message and "(weird thing)" in unknown.message


@pytest.mark.parametrize(
    ("err", "kind"),
    [
        (WeChatApiError(-1, "busy", "/datacube/getarticletotal"), WeChatBusyError),
        (WeChatApiError(45011, "freq", "/cgi-bin/message/mass/get"), WeChatBusyError),
        (WeChatApiError(48001, "unauthorized", "/datacube/getarticletotal"), WeChatRefusedError),
        (WeChatApiError(40007, "media", "/cgi-bin/message/mass/send"), WeChatRefusedError),
        (
            WeChatTransportError("/cgi-bin/message/mass/get", True, "timed out"),
            WeChatUnreachableError,
        ),
    ],
)
def test_a_wechat_error_leaves_the_task_as_a_retried_or_final_error_carrying_its_reason(
    err: Exception, kind: type[Exception]
) -> None:
    translated = task_error(err)
    assert isinstance(translated, kind)
    # The state machine's Catch gets it back as the same Reason
    back = from_task_error(kind.__name__, _lambda_cause(str(translated), kind.__name__))
    assert back == Reason.model_validate_json(str(translated))


def test_other_errors_leave_the_task_unchanged() -> None:
    assert task_error(KeyError("x")) is None


def test_an_unexpected_error_is_named_but_its_trace_and_message_stay_in_the_logs() -> None:
    cause = _lambda_cause(
        "'NoneType' object has no attribute 'x' in /var/task/a.py", "AttributeError"
    )
    found = from_task_error("AttributeError", cause)
    assert found.code == "task.internal" and "AttributeError" in found.message
    dumped = found.model_dump_json()
    for leak in ("/var/task", "NoneType", "stackTrace", "app.py", "line 27"):
        assert leak not in dumped


def test_our_own_errors_keep_their_sentence_and_odd_input_is_survived() -> None:
    own = from_task_error(
        "CampaignConflictError",
        _lambda_cause("campaign c1 has no leg g9 (not prepared?)", "CampaignConflictError"),
    )
    assert own.code == "task.CampaignConflictError" and "has no leg g9" in own.message
    assert from_task_error("States.Timeout", "").code == "task.timeout"
    assert from_task_error("", "not json").code == "task.internal"
    assert "unknown" in from_task_error("a/b{c}", "[]").message
