"""Webhook Lambda: WeChat URL verification (GET) and callbacks (POST) on /wechat/{app_id}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from wxengage.observability import count, logger, metrics, tracer
from wxengage.webhook.errors import (
    BodyTooLarge,
    InProgress,
    StaleTimestamp,
    UnknownApp,
    WebhookRefusal,
)
from wxengage.webhook.http_api import HttpApiRequest
from wxengage.webhook.verify import WebhookAnswer
from wxengage.wechat.errors import CallbackError, CallbackForbidden, CallbackTooLarge
from wxengage.wiring.webhook import get_webhook

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# The one place a refusal becomes an HTTP status; the most specific class listed wins (a bad
# query, plaintext in safe mode and a far-future CreateTime are the base classes' 400).
STATUS: dict[type[Exception], int] = {
    UnknownApp: 404,
    StaleTimestamp: 403,
    BodyTooLarge: 413,
    # WeChat retries a 5xx: the first delivery is still being applied.
    InProgress: 503,
    CallbackForbidden: 403,
    CallbackTooLarge: 413,
    CallbackError: 400,
    WebhookRefusal: 400,
}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Parse the HTTP API event, call the use case, map its answer or refusal to HTTP."""
    try:
        request = HttpApiRequest.model_validate(event)
        body = request.body_bytes() if request.method == "POST" else b""
    except (ValidationError, ValueError):
        return _reject(400, "bad_request", "not an HTTP API payload 2.0 request")
    app_id = request.path_parameters.get("app_id", "")
    logger.append_keys(app_id=app_id)
    webhook = get_webhook()
    webhook.bind(context)
    try:
        if request.method == "GET":
            answer = webhook.verification.verify_url(app_id, request.query)
        else:
            answer = webhook.receiver().receive(app_id, request.query, body)
    except (WebhookRefusal, CallbackError) as refused:
        return _reject(status_for(refused), refused.reason, refused.message)
    return _http(200, answer)


def status_for(refused: WebhookRefusal | CallbackError) -> int:
    """The HTTP status of a refusal: that of its nearest class in STATUS."""
    return next(STATUS[cls] for cls in type(refused).__mro__ if cls in STATUS)


def _reject(status: int, reason: str, message: str) -> dict[str, Any]:
    count("CallbacksRejected", reason=reason)
    logger.warning("callback rejected", extra={"reason": reason, "status": status})
    return _http(status, WebhookAnswer(body=message))


def _http(status: int, answer: WebhookAnswer) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": answer.content_type},
        "body": answer.body,
    }
