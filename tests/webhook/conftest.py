"""Fixtures for driving the webhook Lambda through its real entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ROOT
from wxengage.settings import Settings
from wxengage_local.handlers import FakeLambdaContext, load_handler

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def invoke(stack: Settings) -> Invoke:
    """Call functions/webhook/app.lambda_handler as Lambda would."""
    handler = load_handler(ROOT / "functions/webhook", "app.lambda_handler")

    def call(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = handler(event, FakeLambdaContext("WebhookFunction"))
        return result

    return call
