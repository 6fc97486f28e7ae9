"""The one observability module: the Logger, Tracer and Metrics every entry point shares."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE
# (template Globals); the defaults keep the CLI and tests working without them.
logger = Logger(service="wxengage")
tracer = Tracer(service="wxengage")
metrics = Metrics(namespace="wxengage", service="wxengage")
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
