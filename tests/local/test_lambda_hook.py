"""Canary for the pinned moto: lambda.invoke runs the real handler in this process.

The hook replaces a private moto method (`LambdaFunction._invoke_lambda`); if a moto upgrade
moves it, these tests fail loudly instead of Step Functions silently getting canned answers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from tests.local.conftest import WriteApp, WriteTemplate
from wxengage_local.aws import deploy, stack_resolver
from wxengage_local.moto_patches import install_inprocess_lambda

pytestmark = pytest.mark.usefixtures("fake_aws")

TEMPLATE = """
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11, MemorySize: 256}
Outputs:
  EchoName: {Value: !Ref Echo}
"""


@pytest.fixture
def lam(write_template: WriteTemplate, write_app: WriteApp) -> Iterator[tuple[Any, str]]:
    """A Lambda client and the deployed echo function's name, hook installed."""
    write_app("fn")
    path = write_template(TEMPLATE)
    with mock_aws():
        session = boto3.Session()
        name = deploy(session, path, stack_name="canary")["EchoName"]
        uninstall = install_inprocess_lambda(stack_resolver(session, path, "canary"))
        try:
            yield session.client("lambda"), name
        finally:
            uninstall()


def test_the_hook_still_replaces_moto_s_private_invoke_method() -> None:
    # The pinned moto must still have the method the hook replaces, with this signature.
    original = LambdaFunction._invoke_lambda
    uninstall = install_inprocess_lambda(lambda name: None)
    try:
        assert LambdaFunction._invoke_lambda is not original
    finally:
        uninstall()
    assert LambdaFunction._invoke_lambda is original
    assert list(original.__code__.co_varnames[:2]) == ["self", "event"]


def test_lambda_invoke_runs_the_real_handler(lam: tuple[Any, str]) -> None:
    # Given the deployed echo function
    client, name = lam
    # When it is invoked with a payload and a log tail
    resp = client.invoke(FunctionName=name, Payload=json.dumps({"hello": "world"}), LogType="Tail")
    # Then the real handler ran with the event and a context carrying the deployed name
    body = json.loads(resp["Payload"].read())
    assert "FunctionError" not in resp
    assert body["event"] == {"hello": "world"}
    assert (body["function_name"], body["memory"]) == (name, 256)
    assert "START RequestId: " + body["request_id"] in base64.b64decode(resp["LogResult"]).decode()


def test_an_empty_payload_is_an_empty_event(lam: tuple[Any, str]) -> None:
    client, name = lam
    body = json.loads(client.invoke(FunctionName=name)["Payload"].read())
    assert body["event"] == {}


def test_an_exception_comes_back_as_a_function_error_with_its_type(lam: tuple[Any, str]) -> None:
    client, name = lam
    resp = client.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))
    body = json.loads(resp["Payload"].read())
    assert resp.get("FunctionError")
    assert (body["errorType"], body["errorMessage"]) == ("CustomerError", "asked to fail")
