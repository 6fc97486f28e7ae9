"""The one observability module: the Logger, Tracer and Metrics every entry point shares."""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE
# (template Globals: the stack's name); the defaults apply only where they are unset (CLI, tests).
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "wxengage"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "wxengage"
logger = Logger(service=SERVICE)


class _NoTracing:
    """Stands in for Powertools' Tracer when tracing is off.

    Powertools imports the X-Ray SDK even for a disabled Tracer, which measured +190 ms of
    cold start (bench/webhook.py); with tracing off we skip that import entirely.
    """

    def capture_lambda_handler(self, lambda_handler: Any = None, **_: Any) -> Any:
        return lambda_handler if lambda_handler is not None else (lambda f: f)

    def capture_method(self, method: Any = None, **_: Any) -> Any:
        return method if method is not None else (lambda f: f)


def _make_tracer() -> Tracer:
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true"):
        return cast("Tracer", _NoTracing())
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


tracer = _make_tracer()
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# Counts go out through single_metric (each with its own dimensions), so the handler-level
# Metrics object is often empty on purpose; Powertools documents silencing this warning.
warnings.filterwarnings("ignore", "No application metrics to publish*")


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one count metric with its own dimensions (e.g. rejections by reason)."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace
    ) as metric:
        for key, dim_value in dimensions.items():
            metric.add_dimension(name=key, value=dim_value)
