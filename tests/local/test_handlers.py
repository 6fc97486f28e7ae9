"""Loading handlers by file path, and the Lambda context they get."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools import Logger

from tests.local.conftest import WriteApp
from wxengage_local.handlers import FakeLambdaContext, load_handler


def test_two_app_py_files_load_as_two_modules(write_app: WriteApp) -> None:
    # Given two functions whose files are both called app.py
    a = write_app("a", "def handler(event, context):\n    return 'a'\n")
    b = write_app("b", "def handler(event, context):\n    return 'b'\n")
    # When both are loaded
    # Then each runs its own code, and loading again gives the cached function
    assert load_handler(a, "app.handler")({}, None) == "a"
    assert load_handler(b, "app.handler")({}, None) == "b"
    assert load_handler(a, "app.handler") is load_handler(a, "app.handler")


def test_a_missing_handler_is_reported(write_app: WriteApp) -> None:
    folder = write_app("c", "x = 1\n")
    with pytest.raises(ImportError, match="no callable 'handler'"):
        load_handler(folder, "app.handler")


def test_powertools_accepts_the_fake_context() -> None:
    # Given a handler decorated with Powertools' inject_lambda_context
    logger = Logger(service="t")
    seen: list[dict[str, Any]] = []

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> str:
        seen.append(dict(logger.get_current_keys()))
        return "ok"

    # When it is called twice with fresh contexts
    one, two = FakeLambdaContext("fn", 256), FakeLambdaContext("fn", 256)
    assert handler({}, one) == "ok" and handler({}, two) == "ok"
    # Then the logger picked the context up, and each invocation had its own request id
    assert seen[0]["function_name"] == "fn" and seen[0]["function_memory_size"] == 256
    assert seen[0]["function_request_id"] != seen[1]["function_request_id"]
    assert seen[0]["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"


def test_remaining_time_counts_down_from_the_timeout() -> None:
    context = FakeLambdaContext("fn", timeout_ms=3000)
    assert 2900 < context.get_remaining_time_in_millis() <= 3000
