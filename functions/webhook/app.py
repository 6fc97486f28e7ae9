"""Webhook Lambda: WeChat URL verification (GET) and callbacks (POST) on /wechat/{app_id}."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from wxengage.domain.callbacks import WebhookAnswer, WebhookRejected
from wxengage.observability import count, logger, metrics, tracer
from wxengage.webhook_service import get_webhook


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
@event_source(data_class=APIGatewayProxyEventV2)
def lambda_handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict[str, Any]:
    """Route by method, call the domain, map its answer or rejection to HTTP."""
    app_id = (event.path_parameters or {}).get("app_id", "")
    query = dict(event.query_string_parameters or {})
    logger.append_keys(app_id=app_id)
    webhook = get_webhook()
    webhook.bind(context)
    try:
        if event.request_context.http.method == "GET":
            answer = webhook.verify_url(app_id, query)
        else:
            answer = webhook.receive(app_id, query, _body_bytes(event))
    except WebhookRejected as rejected:
        count("CallbacksRejected", reason=rejected.reason)
        logger.warning(
            "callback rejected", extra={"reason": rejected.reason, "status": rejected.status}
        )
        return _http(rejected.status, WebhookAnswer(body=rejected.message))
    return _http(200, answer)


def _body_bytes(event: APIGatewayProxyEventV2) -> bytes:
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def _http(status: int, answer: WebhookAnswer) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": answer.content_type},
        "body": answer.body,
    }
