"""The local stack's parts on their own: template reading, substitutions, gateway, ticker, ports."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from wxengage_local.gateway import Gateway, http_response
from wxengage_local.stack import ensure_free
from wxengage_local.template import (
    FunctionSpec,
    LocalTemplate,
    fold_substitutions,
    render_definition,
)
from wxengage_local.ticker import Ticker, interval_seconds


def test_the_template_lists_the_webhook_with_its_routes() -> None:
    # Given the project's template
    functions = LocalTemplate(ROOT / "template.yaml").functions()
    # Then the webhook serves GET and POST /wechat/{app_id} from functions/webhook
    webhook = functions["WebhookFunction"]
    assert set(webhook.http_routes) == {("GET", "/wechat/{app_id}"), ("POST", "/wechat/{app_id}")}
    assert webhook.code_uri == (ROOT / "functions/webhook").resolve()
    assert webhook.handler == "app.lambda_handler"


def test_the_transform_points_code_at_s3_and_keeps_the_tables() -> None:
    # Given the project's template
    cfn, artifacts = LocalTemplate(ROOT / "template.yaml").to_cloudformation("bucket-x")
    # Then every function and layer is an S3 artifact and the tables come through untouched
    kinds = {r["Type"] for r in cfn["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::DynamoDB::Table"} <= kinds
    assert {a.key for a in artifacts} >= {"WebhookFunction.zip", "SharedLayer.zip"}


def test_definition_substitutions_are_folded_into_fn_sub() -> None:
    # Given a state machine definition using ${Key} next to JSONPath
    props: dict[str, Any] = {
        "Definition": {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Task", "Resource": "${FnArn}", "InputPath": "$.x", "End": True}
            },
        },
        "DefinitionSubstitutions": {"FnArn": {"Fn::GetAtt": ["Fn", "Arn"]}},
    }
    # When folded
    fold_substitutions(props)
    # Then one Fn::Sub carries the text and the substitutions, and JSONPath is untouched
    text, subs = props["DefinitionString"]["Fn::Sub"]
    assert "${FnArn}" in text and '"$.x"' in text
    assert subs == {"FnArn": {"Fn::GetAtt": ["Fn", "Arn"]}}
    assert "DefinitionSubstitutions" not in props


def test_an_unknown_substitution_is_refused() -> None:
    props: dict[str, Any] = {
        "Definition": {"A": "${Typo}"},
        "DefinitionSubstitutions": {"FnArn": "x"},
    }
    with pytest.raises(ValueError, match="Typo"):
        fold_substitutions(props)


def test_render_definition_replaces_keys_but_not_jsonpath(tmp_path: Path) -> None:
    asl = tmp_path / "m.asl.json"
    asl.write_text(
        json.dumps({"Resource": "${FnArn}", "ItemsPath": "$.items", "Other": "${Missing}"})
    )
    rendered = json.loads(render_definition(asl, {"FnArn": "arn:aws:lambda:fn"}))
    assert rendered == {
        "Resource": "arn:aws:lambda:fn",
        "ItemsPath": "$.items",
        "Other": "${Missing}",
    }


def _spec(
    routes: tuple[tuple[str, str], ...] = (), schedules: tuple[tuple[str, str], ...] = ()
) -> FunctionSpec:
    return FunctionSpec(
        logical_id="Fn",
        code_uri=Path("."),
        handler="app.h",
        http_routes=routes,
        schedules=schedules,
    )


def test_the_gateway_builds_a_payload_2_event_and_maps_the_answer() -> None:
    # Given a gateway whose only function echoes what it got
    seen: list[dict[str, Any]] = []

    def fake(function: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 201, "headers": {"x-a": "1"}, "body": "done"}

    gw = Gateway({"Fn": _spec(routes=(("POST", "/wechat/{app_id}"),))}, invoke=fake)
    # When a POST with a query and a non-UTF-8 body comes in
    status, headers, body = gw.handle(
        "POST", "/wechat/wx1?a=1&b=", {"host": "h"}, b"\xff\xfe", "10.0.0.1"
    )
    # Then the event has the route, path parameters, query and a base64 body
    event = seen[0]
    assert (status, headers["x-a"], body) == (201, "1", b"done")
    assert event["version"] == "2.0" and event["routeKey"] == "POST /wechat/{app_id}"
    assert event["pathParameters"] == {"app_id": "wx1"}
    assert event["queryStringParameters"] == {"a": "1", "b": ""}
    assert event["isBase64Encoded"] is True and event["requestContext"]["http"]["method"] == "POST"


def test_the_gateway_answers_404_for_unknown_routes_and_500_for_crashes() -> None:
    def boom(function: FunctionSpec, event: dict[str, Any]) -> Any:
        raise RuntimeError("x")

    gw = Gateway({"Fn": _spec(routes=(("GET", "/a"),))}, invoke=boom)
    assert gw.handle("GET", "/nope", {}, b"", "1.1.1.1")[0] == 404
    assert gw.handle("POST", "/a", {}, b"", "1.1.1.1")[0] == 404
    assert gw.handle("GET", "/a", {}, b"", "1.1.1.1")[0] == 500


def test_a_bare_result_is_json_like_api_gateway_infers() -> None:
    assert http_response({"ok": True}) == (
        200,
        {"content-type": "application/json"},
        b'{"ok": true}',
    )


@pytest.mark.parametrize(
    ("expr", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("cron(0/2 * * * ? *)", 120),
        ("cron(* * * * ? *)", 60),
    ],
)
def test_schedule_expressions(expr: str, seconds: int) -> None:
    assert interval_seconds(expr) == seconds


def test_an_unsupported_schedule_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="supports rate"):
        interval_seconds("cron(15 10 ? * 6L 2026)")


def test_the_ticker_fires_each_schedule_and_survives_a_failure() -> None:
    # Given two scheduled functions, one of which fails
    calls: list[str] = []

    def fake(function: FunctionSpec, event: dict[str, Any]) -> None:
        calls.append(event["detail-type"])
        if function.logical_id == "Bad":
            raise RuntimeError("boom")

    good = FunctionSpec("Good", Path("."), "app.h", schedules=(("Every", "rate(1 minute)"),))
    bad = FunctionSpec("Bad", Path("."), "app.h", schedules=(("Every", "rate(1 minute)"),))
    ticker = Ticker({"Good": good, "Bad": bad}, invoke=fake)
    # When both are ticked
    fired = ticker.tick_now()
    # Then both were invoked with a Scheduled Event and the good one counted
    assert fired == 2 and calls == ["Scheduled Event", "Scheduled Event"] and ticker.fired == 1


def test_a_taken_port_is_reported_clearly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(OSError, match=f"port {port} for the gateway is in use"):
            ensure_free(port, "gateway")
