"""The service name and namespace come from the function's environment, as template.yaml sets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

# A fresh interpreter: observability reads the environment once, at import, as in a Lambda.
HANDLER = """
from wxengage.observability import logger, metrics
from wxengage_local.handlers import FakeLambdaContext

@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    logger.info("hello")

handler({}, FakeLambdaContext("WebhookFunction"))
"""
POWERTOOLS = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")


def run(env: dict[str, str]) -> list[dict[str, Any]]:
    base = {k: v for k, v in os.environ.items() if k not in POWERTOOLS}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", HANDLER],
        env=base | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def cold_start(lines: list[dict[str, Any]]) -> dict[str, Any]:
    [metric] = [line for line in lines if "ColdStart" in line]
    return metric


@pytest.mark.parametrize(
    ("env", "service", "namespace"),
    [
        (
            {"POWERTOOLS_SERVICE_NAME": "shop-a", "POWERTOOLS_METRICS_NAMESPACE": "ns-a"},
            "shop-a",
            "ns-a",
        ),
        ({}, "wxengage", "wxengage"),
    ],
    ids=["from the environment", "defaults where unset"],
)
def test_the_service_name_reaches_the_log_line_and_the_cold_start_metric(
    env: dict[str, str], service: str, namespace: str
) -> None:
    # Given a function whose environment names (or does not name) its service and namespace
    # When it handles an event and logs
    lines = run(env)
    # Then its log line says that service
    [log] = [line for line in lines if line.get("message") == "hello"]
    assert log["service"] == service
    # And its ColdStart metric is in that namespace, with that service as a dimension
    metric = cold_start(lines)
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == namespace
    assert metric["service"] == service
