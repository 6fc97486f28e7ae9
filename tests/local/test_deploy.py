"""Deploying templates into moto: the project's tables, and a state machine that really runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT
from tests.local.conftest import WriteApp, WriteTemplate
from wxengage_local.aws import (
    deploy,
    enable_stepfunctions_execution,
    physical_ids,
    stack_resolver,
)
from wxengage_local.moto_patches import install_inprocess_lambda
from wxengage_local.template import LocalTemplate

pytestmark = pytest.mark.usefixtures("fake_aws")


def test_the_project_template_deploys_its_tables_with_ttl_and_key_schemas() -> None:
    # Given the project's template and the tables it declares
    tables = LocalTemplate(ROOT / "template.yaml").resources("AWS::DynamoDB::Table")
    assert tables, "the template declares tables"
    with mock_aws():
        # When it is deployed into moto
        session = boto3.Session()
        outputs = deploy(session, ROOT / "template.yaml", stack_name="wxengage")
        physical = physical_ids(session, "wxengage")
        ddb = session.client("dynamodb")
        # Then every table exists with the template's key schema and, where asked, TTL on
        for logical_id, res in tables.items():
            props = res["Properties"]
            table = ddb.describe_table(TableName=physical[logical_id])["Table"]
            assert table["KeySchema"] == props["KeySchema"], logical_id
            ttl = ddb.describe_time_to_live(TableName=physical[logical_id])
            ttl = ttl["TimeToLiveDescription"]
            if "TimeToLiveSpecification" in props:
                expected = props["TimeToLiveSpecification"]["AttributeName"]
                assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", expected)
            else:
                assert ttl["TimeToLiveStatus"] == "DISABLED", logical_id
        # And the outputs name the deployed resources; SQS event sources are left to the pump
        assert outputs["FollowersTableName"] == physical["FollowersTable"]
        mappings = session.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        assert mappings and all(m["State"] == "Disabled" for m in mappings)


MACHINE_TEMPLATE = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions:
        FnArn: !GetAtt Fn.Arn
        TableName: !Ref Table
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Fn}
Outputs:
  MachineArn: {Value: !Ref Machine}
  TableName: {Value: !Ref Table}
"""

ASL = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": "${FnArn}",
                "Payload": {
                    "fail.$": "$.fail",
                    "table": "${TableName}",
                    "run.$": "$$.Execution.Name",
                },
            },
            "OutputPath": "$.Payload",
            "Catch": [{"ErrorEquals": ["CustomerError"], "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "Result": {"caught": True}, "End": True},
    },
}


@pytest.fixture
def machine(
    tmp_path: Path, write_template: WriteTemplate, write_app: WriteApp
) -> Iterator[tuple[Any, dict[str, str]]]:
    """The machine template deployed in moto with execution on and the in-process Lambda hook."""
    write_app("fn")
    (tmp_path / "machine.asl.json").write_text(json.dumps(ASL))
    path = write_template(MACHINE_TEMPLATE)
    with mock_aws():
        enable_stepfunctions_execution()
        session = boto3.Session()
        outputs = deploy(session, path, stack_name="sm")
        uninstall = install_inprocess_lambda(stack_resolver(session, path, "sm"))
        try:
            yield session.client("stepfunctions"), outputs
        finally:
            uninstall()


def _run(sfn: Any, machine_arn: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    arn = sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        result: dict[str, Any] = sfn.describe_execution(executionArn=arn["executionArn"])
        if result["status"] != "RUNNING":
            return result
        time.sleep(0.02)
    raise AssertionError("the execution did not finish")


def test_a_deployed_state_machine_runs_the_real_handler_with_substitutions(
    machine: tuple[Any, dict[str, str]],
) -> None:
    # Given the deployed machine whose Task calls ${FnArn} with ${TableName}
    sfn, outputs = machine
    # When it is executed
    result = _run(sfn, outputs["MachineArn"], "run-1", {"fail": False})
    # Then the handler got the resolved table name and $$ context, not a mangled "$."
    assert result["status"] == "SUCCEEDED", result
    event = json.loads(result["output"])["event"]
    assert event == {"fail": False, "table": outputs["TableName"], "run": "run-1"}


def test_a_handler_exception_is_caught_by_its_error_name(
    machine: tuple[Any, dict[str, str]],
) -> None:
    sfn, outputs = machine
    result = _run(sfn, outputs["MachineArn"], "run-2", {"fail": True})
    assert (result["status"], json.loads(result["output"])) == ("SUCCEEDED", {"caught": True})
