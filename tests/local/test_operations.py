"""Operating it: the fixed egress IP (parameter Egress), the alarms and the dashboard of template.yaml."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT, TEMPLATE
from wxengage.settings import Settings
from wxengage_local.aws import deploy, physical_ids
from wxengage_local.template import LocalTemplate

WECHAT_CALLERS = {"RecallSenderFunction", "BroadcastFunction", "SyncFunction"}
NOTIFY = {"Fn::If": ["AlarmsNotify", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


def document() -> dict[str, Any]:
    doc: dict[str, Any] = LocalTemplate(TEMPLATE).document
    return doc


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in document()["Resources"].items() if r["Type"] == kind}


def dashboard_body() -> dict[str, Any]:
    """The dashboard JSON with every ${...} of its Fn::Sub replaced by a plain word."""
    text = of_type("AWS::CloudWatch::Dashboard")["Dashboard"]["Properties"]["DashboardBody"]
    text = text["Fn::Sub"]
    text = re.sub(r"\$\{!", "${", text)  # Fn::Sub's escape for a literal ${
    body: dict[str, Any] = json.loads(re.sub(r"\$\{([^}]+)\}", r"SUB:\1", text))
    return body


def functions(session: boto3.Session) -> dict[str, dict[str, Any]]:
    """Logical id -> the deployed function's configuration."""
    physical = physical_ids(session, "wxengage")
    lam = session.client("lambda")
    return {
        logical_id: lam.get_function_configuration(FunctionName=physical[logical_id])
        for logical_id in LocalTemplate(TEMPLATE).functions()
    }


def test_by_default_no_function_is_in_a_vpc_and_the_dashboard_is_deployed(stack: Settings) -> None:
    # Given the template deployed with its defaults (Egress direct)
    session = boto3.Session()
    # Then no function runs in a VPC and the stack built none
    for logical_id, conf in functions(session).items():
        assert not conf.get("VpcConfig", {}).get("SubnetIds"), logical_id
    outputs = session.client("cloudformation").describe_stacks(StackName="wxengage")["Stacks"][0]
    names = {o["OutputKey"]: o["OutputValue"] for o in outputs["Outputs"]}
    assert "EgressIp" not in names
    # And the dashboard is there, reading this stack's metrics only
    body = session.client("cloudwatch").get_dashboard(DashboardName=names["DashboardName"])
    text = body["DashboardBody"]
    assert 'service=\\"wxengage\\"' in text and "${AWS::" not in text


def test_new_vpc_puts_only_the_wechat_callers_behind_one_nat_gateway_ip(aws_env: None) -> None:
    with mock_aws():
        # Given the template deployed with Egress new-vpc
        session = boto3.Session()
        outputs = deploy(session, TEMPLATE, "wxengage", {"Egress": "new-vpc"})
        physical = physical_ids(session, "wxengage")
        ec2 = session.client("ec2")
        # Then the functions that call WeChat run in the two private subnets, HTTPS out only
        configs = functions(session)
        private = {physical["EgressPrivateSubnetA"], physical["EgressPrivateSubnetB"]}
        for logical_id in WECHAT_CALLERS:
            vpc = configs[logical_id]["VpcConfig"]
            assert set(vpc["SubnetIds"]) == private, logical_id
            assert vpc["SecurityGroupIds"] == [physical["EgressSecurityGroup"]]
        # (moto keeps a group's default egress rule, so the template says what AWS gets)
        egress = of_type("AWS::EC2::SecurityGroup")["EgressSecurityGroup"]["Properties"]
        rules = [
            (r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in egress["SecurityGroupEgress"]
        ]
        assert rules == [("tcp", 443, 443)]
        # And the webhook and the sweep (which never call WeChat) stay out of it
        for logical_id in set(configs) - WECHAT_CALLERS:
            assert not configs[logical_id].get("VpcConfig", {}).get("SubnetIds"), logical_id
        # And the private subnets leave through one NAT gateway whose Elastic IP is the output
        [nat] = ec2.describe_nat_gateways()["NatGateways"]
        assert nat["SubnetId"] == physical["EgressPublicSubnet"]
        assert nat["NatGatewayAddresses"][0]["PublicIp"] == outputs["EgressIp"]
        [table] = ec2.describe_route_tables(RouteTableIds=[physical["EgressPrivateRouteTable"]])[
            "RouteTables"
        ]
        assert any(r.get("NatGatewayId") == nat["NatGatewayId"] for r in table["Routes"])
        # (moto does not list a route table's associations: the template says what AWS gets)
        associations = of_type("AWS::EC2::SubnetRouteTableAssociation").values()
        routed = {
            a["Properties"]["SubnetId"]["Ref"]
            for a in associations
            if a["Properties"]["RouteTableId"] == {"Ref": "EgressPrivateRouteTable"}
        }
        assert routed == {"EgressPrivateSubnetA", "EgressPrivateSubnetB"}
        # And DynamoDB and S3 are reached through gateway endpoints, not the NAT
        endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
        assert {e["ServiceName"].rsplit(".", 1)[1] for e in endpoints} == {"dynamodb", "s3"}
        assert all(e["RouteTableIds"] == [table["RouteTableId"]] for e in endpoints)


def test_every_alarm_is_named_after_the_stack_notifies_the_topic_and_is_on_the_dashboard() -> None:
    # Given the template's alarms
    alarms = of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 9
    # Then each is "<stack>.<what>" (what `wxengage status` lists) and notifies AlarmTopicArn
    suffixes = set()
    for logical_id, alarm in alarms.items():
        props = alarm["Properties"]
        name = props["AlarmName"]["Fn::Sub"]
        assert re.fullmatch(r"\$\{AWS::StackName\}\.[a-z0-9-]+", name), logical_id
        suffixes.add(name.split(".", 1)[1])
        assert props["AlarmActions"] == NOTIFY and props["OKActions"] == NOTIFY, logical_id
        assert props.get("AlarmDescription"), f"{logical_id} says what to do"
    # And the dashboard's alarm widget shows exactly these
    [widget] = [w for w in dashboard_body()["widgets"] if w["type"] == "alarm"]
    shown = {arn.rsplit("SUB:AWS::StackName.", 1)[1] for arn in widget["properties"]["alarms"]}
    assert shown == suffixes


def emitted_metrics() -> dict[str, set[tuple[str, ...]]]:
    """Metric name -> the dimension sets `count(...)` gives it anywhere in the Lambda code."""
    found: dict[str, set[tuple[str, ...]]] = {}
    sources = [
        *(ROOT / "layers/wxengage/wxengage").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
    ]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "count"
                and node.args
            ):
                continue
            name = node.args[0]
            # count("A") or count("A" if ... else "B")
            names = [name.body, name.orelse] if isinstance(name, ast.IfExp) else [name]
            dims = tuple(sorted(k.arg for k in node.keywords if k.arg))
            for constant in names:
                if isinstance(constant, ast.Constant):
                    found.setdefault(str(constant.value), set()).add(dims)
    return found


def referenced_metrics() -> set[tuple[str, tuple[str, ...]]]:
    """(metric, dimensions besides service) the dashboard and the alarms read in namespace wxengage."""
    refs: set[tuple[str, tuple[str, ...]]] = set()
    for widget in dashboard_body()["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            if metric[0] == "wxengage":
                refs.add((metric[1], tuple(sorted(d for d in metric[2:-1:2] if d != "service"))))
            elif isinstance(metric[0], dict) and "SEARCH" in metric[0]["expression"]:
                schema, name = re.findall(
                    r"\{wxengage,([^}]*)\} MetricName=\"(\w+)\"", metric[0]["expression"]
                )[0]
                refs.add((name, tuple(sorted(d for d in schema.split(",") if d != "service"))))
    for alarm in of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "wxengage":
            dims = [d["Name"] for d in props["Dimensions"]]
            refs.add((props["MetricName"], tuple(sorted(d for d in dims if d != "service"))))
        for query in props.get("Metrics", []):
            expression = query.get("Expression", "")
            expression = (
                expression.get("Fn::Sub", "") if isinstance(expression, dict) else expression
            )
            for name, schema in re.findall(
                r"SUM\(\"?(\w+)\"?\) FROM SCHEMA\(\"?wxengage\"?, ([^)]*)\)", expression
            ):
                dims = [d.strip().strip('"') for d in schema.split(",")]
                refs.add((name, tuple(sorted(d for d in dims if d != "service"))))
    return refs


def test_the_dashboard_and_alarms_read_metrics_the_code_emits_with_their_dimensions() -> None:
    # Given every wxengage metric the dashboard and the alarms read, and every count(...) call
    emitted = emitted_metrics()
    refs = referenced_metrics()
    assert {"WeChatApiError", "SweepRuns", "CallbacksRejected", "CampaignStatus"} <= {
        n for n, _ in refs
    }
    # Then each is emitted under that name with exactly those dimensions (plus `service`)
    missing = sorted(
        f"{name} by {dims}" for name, dims in refs if dims not in emitted.get(name, set())
    )
    assert missing == [], f"read but never emitted so: {missing}"


@pytest.mark.parametrize("parameter", ["Egress", "AlarmTopicArn"])
def test_operations_parameters_default_to_off(parameter: str) -> None:
    # Given the template's parameters / Then egress is direct and no alarm notifies by default
    assert document()["Parameters"][parameter]["Default"] in ("direct", "")
