"""LocalStack's lifecycle: moto server + deploy + gateway + ticker on free ports, then nothing left."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.local.conftest import WriteApp, WriteTemplate, free_port, port_is_free
from wxengage_local.gateway import PortInUseError
from wxengage_local.stack import LocalStack

TEMPLATE = """
Globals:
  Function:
    Environment:
      Variables:
        ECHO_GREETING: hello
        ECHO_TABLE: !Ref Table
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Api:
    Type: AWS::Serverless::HttpApi
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: '/echo/{name}', Method: GET}}
        Tick: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions: {EchoArn: !GetAtt Echo.Arn}
      Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Echo}}]
Outputs:
  TableName: {Value: !Ref Table}
  MachineArn: {Value: !Ref Machine}
"""
ASL = {
    "StartAt": "Call",
    "States": {"Call": {"Type": "Task", "Resource": "${EchoArn}", "End": True}},
}


class Extra:
    """A stand-in for the WeChat sandbox: records when the stack starts and stops it."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self) -> None:
        self.events.append("start")

    def stop(self) -> None:
        self.events.append("stop")


def _wait_for(predicate: Callable[[], bool], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _execute(machine_arn: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")  # through AWS_ENDPOINT_URL, as the CLI would
    arn = sfn.start_execution(stateMachineArn=machine_arn, name="e1", input='{"via": "sfn"}')
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            result: dict[str, Any] = sfn.describe_execution(executionArn=arn["executionArn"])
            if result["status"] != "RUNNING":
                return result
            time.sleep(0.02)
        raise AssertionError("the execution did not finish")
    finally:
        sfn.close()


def test_the_stack_serves_a_function_and_leaves_nothing_behind(
    tmp_path: Path,
    write_template: WriteTemplate,
    write_app: WriteApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a template with a table, an HTTP route, a schedule and a state machine
    write_app("fn")
    (tmp_path / "machine.asl.json").write_text(json.dumps(ASL))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("ECHO_RECORD", str(tmp_path / "calls.jsonl"))
    port, aws_port = free_port(), free_port()
    threads_before = set(threading.enumerate())
    stack = LocalStack(
        write_template(TEMPLATE), port=port, aws_port=aws_port, stack_name="t", speed=600
    )
    extra = Extra()
    stack.register_extra_server(extra)
    # When it starts and a GET goes through the gateway
    with stack:
        resp = requests.get(f"{stack.webhook_base_url}/echo/alice?x=1", timeout=10)
        ticked = _wait_for(lambda: stack.ticker is not None and stack.ticker.fired > 0)
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        execution = _execute(stack.outputs["MachineArn"])
        table = stack.outputs["TableName"]
    # Then the real handler answered with the path parameter and the deployed environment
    body = resp.json()
    assert resp.status_code == 200
    assert body["event"]["pathParameters"] == {"name": "alice"}
    assert (body["greeting"], stack.webhook_base_url) == ("hello", f"http://127.0.0.1:{port}")
    assert table.startswith("t-Table-")
    # And the schedule ticked, the extra server lived and died with the stack
    assert ticked and extra.events == ["start", "stop"]
    # And Step Functions, through the moto server, ran the real handler as its Task
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["event"] == {"via": "sfn"}
    assert endpoint == stack.aws_endpoint_url == f"http://127.0.0.1:{aws_port}"
    # And afterwards: ports free, our threads gone, the environment as it was
    assert port_is_free(port) and port_is_free(aws_port)
    assert _wait_for(lambda: not (set(threading.enumerate()) - threads_before)), [
        t.name for t in set(threading.enumerate()) - threads_before
    ]
    assert "AWS_ENDPOINT_URL" not in os.environ and "ECHO_GREETING" not in os.environ


def test_a_taken_port_fails_with_a_clear_message(write_template: WriteTemplate) -> None:
    # Given something already listening where the gateway should go
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        stack = LocalStack(write_template(TEMPLATE), port=taken, aws_port=free_port())
        # When the stack starts, Then it says which port and what for, and starts nothing
        with pytest.raises(PortInUseError) as err:
            stack.start()
    assert str(err.value) == (
        f"port {taken} for the HTTP gateway (--port) is in use: "
        "stop what holds it or pick another port"
    )
    assert isinstance(err.value, OSError) and stack.gateway is None


def test_losing_the_aws_port_race_fails_instead_of_hanging(
    write_template: WriteTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the pre-check passes but the AWS port is taken by the time moto binds
    # (moto's stock server would wait for ever on its ready flag)
    monkeypatch.setattr("wxengage_local.stack.ensure_free", lambda port, what: None)
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        stack = LocalStack(write_template(TEMPLATE), port=free_port(), aws_port=taken)
        with pytest.raises(PortInUseError, match=f"port {taken} for the embedded AWS"):
            stack.start()
    # And the environment it had started to change is put back
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before


def test_a_stack_started_after_another_in_the_same_process_starts_empty(
    tmp_path: Path,
    write_template: WriteTemplate,
    write_app: WriteApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a local stack that ran and stopped in this process (moto's backends are per process)
    write_app("fn")
    (tmp_path / "machine.asl.json").write_text(json.dumps(ASL))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    template = write_template(TEMPLATE)
    with LocalStack(template, port=free_port(), aws_port=free_port(), stack_name="t"):
        pass
    # When another one with the same stack name starts
    second = LocalStack(template, port=free_port(), aws_port=free_port(), stack_name="t")
    with second:
        table = second.outputs["TableName"]
    # Then it deployed from nothing (no "stack t already exists")
    assert table.startswith("t-Table-")
