"""Helpers for the security tests: signed requests of any shape, the webhook, the state of the stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT, TEMPLATE, _reset_process_caches
from tests.support.callbacks import WxAccount, http_event
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.wechat.signature import sha1_signature
from wxengage_local.aws import deploy
from wxengage_local.handlers import FakeLambdaContext, load_handler

NONCE = "1357924680"
PLAIN_APP_ID = "wx00000000000000aa"
SAFE_APP_ID = "wx00000000000000bb"
ARTIFACTS_SUFFIX = "-local-artifacts"  # deploy()'s code bucket: not application state


@dataclass(frozen=True)
class Request:
    """One HTTP request to the webhook, before it becomes an API Gateway event."""

    app_id: str
    query: dict[str, str]
    body: bytes | None
    method: str = "POST"
    # Replaces the whole event: for requests API Gateway itself could never have built.
    raw_event: dict[str, Any] | None = field(default=None, compare=False)

    def event(self) -> dict[str, Any]:
        """The API Gateway HTTP API (payload 2.0) event for this request."""
        if self.raw_event is not None:
            return self.raw_event
        return http_event(self.method, self.app_id, self.query, self.body)


def signed_query(account: WxAccount, timestamp: int | str, nonce: str = NONCE) -> dict[str, str]:
    """The query WeChat puts on every callback: signature over token, timestamp and nonce."""
    ts = str(timestamp)
    return {"signature": sha1_signature(account.token, ts, nonce), "timestamp": ts, "nonce": nonce}


def plain_request(account: WxAccount, timestamp: int, body: bytes) -> Request:
    """A correctly signed plaintext-mode POST carrying any body."""
    return Request(account.app_id, signed_query(account, timestamp), body)


def encrypted_body(encrypt: str, to_user: str = "gh_0123456789ab") -> bytes:
    """A safe-mode body around an Encrypt value, as WeChat lays it out."""
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()


def encrypted_request(account: WxAccount, timestamp: int, encrypt: str) -> Request:
    """A safe-mode POST around any Encrypt value, with a correct signature and msg_signature."""
    query = signed_query(account, timestamp) | {
        "encrypt_type": "aes",
        "msg_signature": sha1_signature(account.token, str(timestamp), NONCE, encrypt),
    }
    return Request(account.app_id, query, encrypted_body(encrypt))


def call_webhook(event: dict[str, Any]) -> dict[str, Any]:
    """functions/webhook/app.lambda_handler, called as Lambda calls it."""
    handler = load_handler(ROOT / "functions/webhook", "app.lambda_handler")
    result: dict[str, Any] = handler(event, FakeLambdaContext("WebhookFunction"))
    return result


def _pages(method: Any, key: str, **kwargs: Any) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = method(**kwargs, **({"ExclusiveStartKey": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("LastEvaluatedKey")
        if not token:
            return


def world_state() -> dict[str, Any]:
    """Every item of every DynamoDB table, every S3 object and every queue's depth.

    Tables are listed, not named: tables added to the template later are covered too.
    """
    ddb = client("dynamodb")
    state: dict[str, Any] = {}
    for name in ddb.list_tables()["TableNames"]:
        items = _pages(ddb.scan, "Items", TableName=name, ConsistentRead=True)
        state[f"dynamodb:{name}"] = sorted(json.dumps(i, sort_keys=True) for i in items)
    s3 = client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        if not bucket["Name"].endswith(ARTIFACTS_SUFFIX):
            objects = s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
            state[f"s3:{bucket['Name']}"] = sorted((o["Key"], o["ETag"]) for o in objects)
    sqs = client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        state[f"sqs:{url}"] = attrs
    return state


def dynamodb_tables(state: dict[str, Any]) -> set[str]:
    """The table names a world_state() covered."""
    return {key.split(":", 1)[1] for key in state if key.startswith("dynamodb:")}


def settings_tables(settings: Settings) -> set[str]:
    """The tables the settings name (a world_state() must cover at least these)."""
    return {v for k, v in settings.model_dump().items() if k.endswith("_table")}


@contextmanager
def deployed_stack() -> Iterator[Settings]:
    """template.yaml in moto with the Lambdas' environment, like tests/conftest.py's `stack`,
    for fixtures wider than one test (its cases prove they write nothing, so they can share)."""
    with pytest.MonkeyPatch.context() as env:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            env.delenv(key, raising=False)
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "1",
        }.items():
            env.setenv(key, value)
        with mock_aws():
            _reset_process_caches()
            outputs = deploy(boto3.Session(), TEMPLATE, stack_name="wxengage")
            settings = Settings.from_stack_outputs(outputs)
            for key, value in settings.model_dump().items():
                env.setenv(f"WXENGAGE_{key.upper()}", str(value))
            _reset_process_caches()
            try:
                yield settings
            finally:
                _reset_process_caches()
