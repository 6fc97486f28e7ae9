"""Canary: a state machine's Retry intervals wait on the one clock, so --warp leaps over them.

moto 5.2.5 sleeps `IntervalSeconds * BackoffRate^n` in real time inside a private method
(RetrierDecl._eval_body); moto_patches replaces that sleep. Were the patch lost, this test's
hour-long interval would hang it until its bound and fail.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.local.conftest import WriteApp, WriteTemplate
from wxengage import clock
from wxengage_local.aws import deploy, enable_stepfunctions_execution, stack_resolver
from wxengage_local.moto_patches import install_clock_waits, install_inprocess_lambda
from wxengage_local.warp import VirtualClock

pytestmark = pytest.mark.usefixtures("fake_aws")
START = 1_795_341_600.0
TEMPLATE = """
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11}
Outputs:
  EchoName: {Value: !Ref Echo}
"""


def machine(function: str) -> str:
    """A Task failing with CustomerError, retried twice an hour apart (then two), then caught."""
    return json.dumps(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": function, "Payload.$": "$"},
                    "Retry": [
                        {
                            "ErrorEquals": ["CustomerError"],
                            "IntervalSeconds": 3600,
                            "BackoffRate": 2.0,
                            "MaxAttempts": 2,
                        }
                    ],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "GaveUp"}],
                    "End": True,
                },
                "GaveUp": {"Type": "Pass", "End": True},
            },
        }
    )


@pytest.fixture
def sfn(
    write_template: WriteTemplate, write_app: WriteApp
) -> Iterator[tuple[Any, str, VirtualClock]]:
    write_app("fn")
    path = write_template(TEMPLATE)
    with mock_aws():
        enable_stepfunctions_execution()
        session = boto3.Session()
        name = deploy(session, path, stack_name="canary")["EchoName"]
        undo = [install_inprocess_lambda(stack_resolver(session, path, "canary"))]
        vclock = VirtualClock(start=START, settle=0.02)
        clock.set_source(vclock)
        undo.append(lambda: clock.set_source(None))
        undo.append(install_clock_waits(vclock.wait_until))
        try:
            yield session.client("stepfunctions"), name, vclock
        finally:
            for step in reversed(undo):
                step()


def test_retry_intervals_with_backoff_pass_on_the_virtual_clock(
    sfn: tuple[Any, str, VirtualClock],
) -> None:
    # Given a Task that always fails, retried after 1 h then 2 h (BackoffRate 2)
    client, function, vclock = sfn
    arn = client.create_state_machine(
        name="retrying", definition=machine(function), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    # When it runs on the warp clock
    run = client.start_execution(stateMachineArn=arn, name="e1", input=json.dumps({"fail": True}))
    deadline = time.monotonic() + 60
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.describe_execution(executionArn=run["executionArn"])["status"]
    # Then it ended through its Catch after both retries, three virtual hours later, by leaps
    assert status == "SUCCEEDED"
    assert vclock() - START >= 3 * 3600 and vclock.leaps >= 2
    events = client.get_execution_history(executionArn=run["executionArn"])["events"]
    assert (
        sum(e["type"] == "LambdaFunctionFailed" or e["type"] == "TaskFailed" for e in events) == 3
    )
