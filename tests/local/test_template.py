"""Reading and transforming SAM templates: functions, routes, schedules, definition folding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.local.conftest import WriteApp, WriteTemplate
from wxengage_local.template import LocalTemplate, fold_substitutions, render_definition

ASL = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": "${FnArn}",
                "Payload": {
                    "table": "${TableName}",
                    "mode": "${Mode}",
                    "run.$": "$$.Execution.Name",
                },
            },
            "End": True,
        }
    },
}

MACHINE = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
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
        Mode: %s
"""


def test_the_project_template_lists_its_functions_with_routes_schedules_and_queues() -> None:
    # Given the project's template
    functions = LocalTemplate(ROOT / "template.yaml").functions()
    # Then the webhook serves GET and POST /wechat/{app_id} from functions/webhook
    webhook = functions["WebhookFunction"]
    assert set(webhook.http_routes) == {("GET", "/wechat/{app_id}"), ("POST", "/wechat/{app_id}")}
    assert webhook.code_uri == (ROOT / "functions/webhook").resolve()
    assert (webhook.handler, webhook.timeout_s, webhook.memory_mb) == ("app.lambda_handler", 4, 512)
    # And Globals' environment is merged in, unresolved
    assert webhook.environment["WXENGAGE_ACCOUNTS_TABLE"] == {"Ref": "AccountsTable"}
    # And the sweep ticks every minute, the sender drains the recall queue
    assert functions["RecallSweepFunction"].schedules == (("EveryMinute", "rate(1 minute)"),)
    assert functions["RecallSenderFunction"].queues == ("RecallQueue",)
    assert functions["RecallSenderFunction"].batch_sizes == {"RecallQueue": 3}


def test_disabled_schedules_and_inputs_are_read(
    write_template: WriteTemplate, write_app: WriteApp
) -> None:
    # Given a function with an enabled Schedule carrying Input and two disabled ones
    write_app("fn")
    path = write_template("""
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: fn
              Handler: app.handler
              Runtime: python3.11
              Events:
                Live: {Type: Schedule, Properties: {Schedule: rate(5 minutes), Input: '{"k": 1}'}}
                Paused: {Type: Schedule, Properties: {Schedule: rate(1 minute), Enabled: false}}
                PausedV2: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 hour), State: DISABLED}}
        """)
    # When its functions are listed
    fn = LocalTemplate(path).functions()["Fn"]
    # Then only the enabled schedule is there, with its Input
    assert fn.schedules == (("Live", "rate(5 minutes)"),)
    assert fn.schedule_inputs == {"Live": '{"k": 1}'}


def test_the_transform_points_code_at_s3_and_keeps_the_tables() -> None:
    # Given the project's template
    cfn, artifacts = LocalTemplate(ROOT / "template.yaml").to_cloudformation("bucket-x")
    # Then every function and layer is an S3 artifact and the tables come through untouched
    kinds = {r["Type"] for r in cfn["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::DynamoDB::Table"} <= kinds
    assert {a.key for a in artifacts} >= {"WebhookFunction.zip", "SharedLayer.zip"}
    code = cfn["Resources"]["WebhookFunction"]["Properties"]["Code"]
    assert code == {"S3Bucket": "bucket-x", "S3Key": "WebhookFunction.zip"}
    assert not any(r["Type"].startswith("AWS::Serverless::") for r in cfn["Resources"].values())


def _machine(tmp_path: Path, write_template: WriteTemplate, mode: str) -> dict[str, Any]:
    (tmp_path / "machine.asl.json").write_text(json.dumps(ASL))
    cfn, _ = LocalTemplate(write_template(MACHINE % mode)).to_cloudformation("b")
    props: dict[str, Any] = cfn["Resources"]["Machine"]["Properties"]
    return props


def test_definition_substitutions_fold_into_one_fn_sub_string(
    tmp_path: Path, write_template: WriteTemplate
) -> None:
    # Given a state machine whose DefinitionUri file uses ${Key} next to ASL's $ and $$ paths
    props = _machine(tmp_path, write_template, "fast")
    # Then the definition is a plain Fn::Sub string (no variable map: moto would run
    # string.Template over it and turn $$ into $), references in Fn::Sub's own syntax
    text = props["DefinitionString"]["Fn::Sub"]
    assert isinstance(text, str)
    assert "DefinitionSubstitutions" not in props and "Definition" not in props
    params = json.loads(text)["States"]["Call"]["Parameters"]
    assert params["FunctionName"] == "${Fn.Arn}"
    assert params["Payload"] == {
        "table": "${Table}",
        "mode": "fast",
        "run.$": "$$.Execution.Name",
    }


def test_a_literal_that_looks_like_a_reference_stays_literal(
    tmp_path: Path, write_template: WriteTemplate
) -> None:
    props = _machine(tmp_path, write_template, "'${NotARef}'")
    params = json.loads(props["DefinitionString"]["Fn::Sub"])["States"]["Call"]["Parameters"]
    assert params["Payload"]["mode"] == "${!NotARef}"  # Fn::Sub turns ${!X} into ${X}


def test_an_unknown_substitution_is_refused() -> None:
    props: dict[str, Any] = {
        "Definition": {"StartAt": "${Typo}"},
        "DefinitionSubstitutions": {"FnArn": "x"},
    }
    with pytest.raises(ValueError, match="Typo"):
        fold_substitutions(props)


def test_an_intrinsic_the_fold_cannot_express_is_refused() -> None:
    props: dict[str, Any] = {
        "Definition": {"StartAt": "${Arn}"},
        "DefinitionSubstitutions": {"Arn": {"Fn::Join": ["", ["a", "b"]]}},
    }
    with pytest.raises(ValueError, match=r"Arn.*Fn::Join"):
        fold_substitutions(props)


def test_render_definition_replaces_keys_but_not_jsonpath(tmp_path: Path) -> None:
    asl = tmp_path / "m.asl.json"
    asl.write_text(json.dumps({"Resource": "${FnArn}", "ItemsPath": "$$.Map", "Other": "${No}"}))
    rendered = json.loads(render_definition(asl, {"FnArn": "arn:aws:lambda:fn"}))
    assert rendered == {"Resource": "arn:aws:lambda:fn", "ItemsPath": "$$.Map", "Other": "${No}"}
