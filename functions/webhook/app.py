"""Webhook Lambda: WeChat URL verification (GET) and callbacks (POST) on /wechat/{app_id}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from wxengage.observability import count, logger, metrics, tracer
from wxengage.webhook.callbacks import WebhookAnswer, WebhookRejected
from wxengage.webhook.http_api import HttpApiRequest
from wxengage.wiring.webhook import get_webhook

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Parse the HTTP API event, call the domain, map its answer or rejection to HTTP."""
    try:
        request = HttpApiRequest.model_validate(event)
        body = request.body_bytes() if request.method == "POST" else b""
    except (ValidationError, ValueError):
        return _reject(WebhookRejected(400, "bad_request", "not an HTTP API payload 2.0 request"))
    app_id = request.path_parameters.get("app_id", "")
    logger.append_keys(app_id=app_id)
    webhook = get_webhook()
    webhook.bind(context)
    try:
        if request.method == "GET":
            answer = webhook.verify_url(app_id, request.query)
        else:
            answer = webhook.receive(app_id, request.query, body)
    except WebhookRejected as rejected:
        return _reject(rejected)
    return _http(200, answer)


def _reject(rejected: WebhookRejected) -> dict[str, Any]:
    count("CallbacksRejected", reason=rejected.reason)
    logger.warning(
        "callback rejected", extra={"reason": rejected.reason, "status": rejected.status}
    )
    return _http(rejected.status, WebhookAnswer(body=rejected.message))


def _http(status: int, answer: WebhookAnswer) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": answer.content_type},
        "body": answer.body,
    }
