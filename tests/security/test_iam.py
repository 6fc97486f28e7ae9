"""Least privilege in template.yaml after the SAM transform: no wildcard grants, no secrets in env."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from tests.conftest import TEMPLATE
from wxengage_local.template import LocalTemplate

# Every parameter value a condition in the template tests, so both branches of each Fn::If are
# produced by the transform (the walk below also follows both branches of what remains).
PARAMETER_SETS: list[dict[str, str]] = [{}, {"Tracing": "Active", "LogLevel": "DEBUG"}]

# Actions AWS only grants on Resource "*" (no resource-level permissions exist for them).
STAR_ONLY_ACTIONS: dict[str, str] = {
    "xray:PutTraceSegments": "X-Ray trace writes have no resource type",
    "xray:PutTelemetryRecords": "X-Ray telemetry has no resource type",
    "xray:GetSamplingRules": "the X-Ray SDK reads sampling rules account-wide",
    "xray:GetSamplingTargets": "the X-Ray SDK reads sampling targets account-wide",
    "xray:GetSamplingStatisticSummaries": "part of AWSXrayWriteOnlyAccess; no resource type",
    "cloudwatch:PutMetricData": "no resource type (narrow it with a cloudwatch:namespace condition)",
    "logs:CreateLogDelivery": "Step Functions / vended logs: AWS documents Resource *",
    "logs:GetLogDelivery": "Step Functions / vended logs: AWS documents Resource *",
    "logs:UpdateLogDelivery": "Step Functions / vended logs: AWS documents Resource *",
    "logs:DeleteLogDelivery": "Step Functions / vended logs: AWS documents Resource *",
    "logs:ListLogDeliveries": "Step Functions / vended logs: AWS documents Resource *",
    "logs:PutResourcePolicy": "Step Functions / vended logs: AWS documents Resource *",
    "logs:DescribeResourcePolicies": "Step Functions / vended logs: AWS documents Resource *",
    "logs:DescribeLogGroups": "Step Functions / vended logs: AWS documents Resource *",
}


@dataclass(frozen=True)
class Managed:
    """An AWS managed policy as AWS publishes it, so its statements are checked like ours."""

    statements: tuple[dict[str, Any], ...]
    # (action, why) pairs on "*" accepted for this policy only, each with its reason.
    accepted: tuple[tuple[str, str], ...] = ()


_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
_ENI_ACTIONS = (
    "CreateNetworkInterface",
    "DescribeNetworkInterfaces",
    "DescribeSubnets",
    "DeleteNetworkInterface",
    "AssignPrivateIpAddresses",
    "UnassignPrivateIpAddresses",
)
# The managed policies a role may carry. Anything else fails: it cannot be checked offline.
MANAGED: dict[str, Managed] = {
    "service-role/AWSLambdaBasicExecutionRole": Managed(
        ({"Effect": "Allow", "Action": list(_LOGS), "Resource": "*"},),
        # SAM gives every function role this policy; scoping it to the function's own log group
        # means hand-writing every role. It writes logs only: it can read or delete nothing.
        accepted=tuple((a, "SAM's baseline, write-only log access") for a in _LOGS),
    ),
    "AWSXrayWriteOnlyAccess": Managed(
        (
            {
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:GetSamplingStatisticSummaries",
                ],
                "Resource": "*",
            },
        )
    ),
    "service-role/AWSLambdaSQSQueueExecutionRole": Managed(
        (
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    *_LOGS,
                ],
                "Resource": "*",
            },
        ),
        accepted=tuple((a, "SAM's baseline, write-only log access") for a in _LOGS),
    ),
    # SAM attaches it to every function with a VpcConfig (template parameter Egress), even one
    # that an !If leaves out of any VPC: Lambda manages the function's network interfaces with it.
    "service-role/AWSLambdaVPCAccessExecutionRole": Managed(
        (
            {
                "Effect": "Allow",
                "Action": [*_LOGS, *(f"ec2:{a}" for a in _ENI_ACTIONS)],
                "Resource": "*",
            },
        ),
        accepted=(
            *((a, "SAM's baseline, write-only log access") for a in _LOGS),
            *(
                (
                    f"ec2:{a}",
                    "Lambda's VPC network interfaces; the subnets are not known to the role",
                )
                for a in _ENI_ACTIONS
            ),
        ),
    ),
}
MANAGED_ARN = re.compile(r"^arn:(?:aws|\$\{AWS::Partition\})[\w-]*:iam::aws:policy/(.+)$")


@dataclass(frozen=True)
class Statement:
    """One policy statement and where it was found."""

    where: str
    body: dict[str, Any]
    trust: bool = False  # an AssumeRolePolicyDocument: who may assume, not what is granted
    managed: str | None = None


# --- walking a CloudFormation document ------------------------------------------------------


def branches(node: Any) -> Iterator[Any]:
    """A value with every Fn::If resolved both ways (AWS::NoValue dropped)."""
    if isinstance(node, dict) and list(node) == ["Fn::If"]:
        _, yes, no = node["Fn::If"]
        yield from branches(yes)
        yield from branches(no)
    elif not (isinstance(node, dict) and node == {"Ref": "AWS::NoValue"}):
        yield node


def as_list(node: Any) -> list[Any]:
    """A string-or-list IAM field as a list, both sides of every Fn::If included."""
    out: list[Any] = []
    for value in branches(node):
        for item in value if isinstance(value, list) else [value]:
            out.extend(branches(item))
    return out


def statements(cfn: dict[str, Any]) -> Iterator[Statement]:
    """Every statement of every policy document anywhere in the template, managed ones expanded."""

    def walk(node: Any, where: str, trust: bool) -> Iterator[Statement]:
        if isinstance(node, dict):
            if "Statement" in node:
                for i, stmt in enumerate(as_list(node["Statement"])):
                    if isinstance(stmt, dict):
                        yield Statement(f"{where}.Statement[{i}]", stmt, trust)
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}", trust or key == "AssumeRolePolicyDocument")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}[{i}]", trust)

    for logical_id, resource in cfn.get("Resources", {}).items():
        props = resource.get("Properties", {})
        yield from walk(props, logical_id, False)
        for arn in as_list(props.get("ManagedPolicyArns", [])):
            name = managed_name(arn)
            for stmt in MANAGED[name].statements if name in MANAGED else ():
                yield Statement(f"{logical_id}.ManagedPolicyArns:{name}", stmt, managed=name)


def managed_name(arn: Any) -> str:
    """The AWS managed policy's path and name, or the ARN as written when it is not one."""
    text = arn.get("Fn::Sub", arn) if isinstance(arn, dict) else arn
    match = MANAGED_ARN.match(text) if isinstance(text, str) else None
    return match.group(1) if match else repr(arn)


def wildcard_actions(stmt: Statement) -> list[str]:
    """Why an Allow statement grants actions nobody listed: `*` in Action, or any NotAction."""
    if stmt.body.get("Effect") != "Allow" or stmt.trust:
        return []
    problems = [
        f'{stmt.where}: Action "{action}" is a wildcard'
        for action in as_list(stmt.body.get("Action", []))
        if isinstance(action, str) and "*" in action
    ]
    if "NotAction" in stmt.body:
        problems.append(f"{stmt.where}: Allow with NotAction grants every other action")
    return problems


def star_resources(stmt: Statement) -> list[str]:
    """Actions an Allow statement grants on every resource although a narrower one exists."""
    body = stmt.body
    if body.get("Effect") != "Allow" or stmt.trust:
        return []
    if "NotResource" in body:
        return [f"{stmt.where}: Allow with NotResource grants every other resource"]
    if "*" not in as_list(body.get("Resource", [])):
        return []
    accepted = dict(MANAGED[stmt.managed].accepted) if stmt.managed in MANAGED else {}
    return [
        f'{stmt.where}: "{action}" on Resource "*"'
        for action in as_list(body.get("Action", []))
        if action not in STAR_ONLY_ACTIONS and action not in accepted
    ]


def open_to_everyone(stmt: Statement) -> list[str]:
    """A resource or trust policy that lets anyone in, unconditionally."""
    if stmt.body.get("Effect") != "Allow" or "Condition" in stmt.body:
        return []
    principal = stmt.body.get("Principal")
    anyone = principal == "*" or (
        isinstance(principal, dict) and "*" in as_list(principal.get("AWS", []))
    )
    return [f"{stmt.where}: Principal * without a Condition"] if anyone else []


def unknown_managed_policies(cfn: dict[str, Any]) -> list[str]:
    """Managed policies whose statements this test cannot see."""
    return [
        f"{logical_id}: managed policy {managed_name(arn)} is not in MANAGED (add its statements)"
        for logical_id, resource in cfn.get("Resources", {}).items()
        for arn in as_list(resource.get("Properties", {}).get("ManagedPolicyArns", []))
        if managed_name(arn) not in MANAGED
    ]


# --- secrets in the environment -------------------------------------------------------------

SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|PWD|AES|ENCODING_?KEY|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY",
    re.IGNORECASE,
)
# A name ending like this points at where a secret lives (a table, an ARN, a name prefix).
POINTER_SUFFIX = re.compile(r"_(?:TABLE|TABLE_NAME|ARN|PREFIX|NAME|URL|BUCKET|QUEUE_URL)$", re.I)
SECRET_VALUE = [
    (re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure):"), "a resolved secret"),
    (re.compile(r"^[A-Za-z0-9]{43}$"), "the shape of an EncodingAESKey"),
    (re.compile(r"^[0-9a-f]{32}$", re.I), "the shape of an AppSecret"),
    (re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_+=]{24,}$"), "a long random-looking literal"),
]


def literals(node: Any) -> Iterator[str]:
    """Every literal string inside a value, Fn::Sub templates included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from literals(value)
    elif isinstance(node, list):
        for value in node:
            yield from literals(value)


def refs(node: Any) -> Iterator[str]:
    """Every Ref (and ${Name} in Fn::Sub) inside a value."""
    for text in literals(node):
        yield from re.findall(r"\$\{([A-Za-z0-9:]+)\}", text)
    if isinstance(node, dict):
        if isinstance(node.get("Ref"), str):
            yield node["Ref"]
        for value in node.values():
            if isinstance(value, dict | list):
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def secrets_in(name: str, value: Any, parameters: dict[str, Any], where: str) -> list[str]:
    """Why one environment variable (or substitution) may hold a secret."""
    problems = []
    if SECRET_NAME.search(name) and not (
        POINTER_SUFFIX.search(name) and not isinstance(value, str)
    ):
        problems.append(f"{where}.{name}: the name says it is a secret")
    for text in literals(value):
        for pattern, what in SECRET_VALUE:
            if pattern.search(text):
                problems.append(f"{where}.{name}: the value is {what}")
    for ref in refs(value):
        param = parameters.get(ref)
        if param is not None and (param.get("NoEcho") or SECRET_NAME.search(ref)):
            problems.append(f"{where}.{name}: passes the secret parameter {ref}")
    return problems


def environment_secrets(cfn: dict[str, Any], parameters: dict[str, Any]) -> list[str]:
    """Secret-looking variables in every function's environment (Globals merged by SAM) and
    every state machine's substitutions."""
    problems: list[str] = []
    for logical_id, resource in cfn.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for env in branches(props.get("Environment", {})):
            for name, value in (env.get("Variables") or {}).items():
                problems += secrets_in(name, value, parameters, f"{logical_id}.Environment")
        for name, value in (props.get("DefinitionSubstitutions") or {}).items():
            problems += secrets_in(name, value, parameters, f"{logical_id}.DefinitionSubstitutions")
    return problems


# --- the template ---------------------------------------------------------------------------


@cache
def transformed(parameter_set: int) -> dict[str, Any]:
    """template.yaml as CloudFormation after the SAM transform, offline."""
    cfn, _ = LocalTemplate(TEMPLATE).to_cloudformation("artifacts", PARAMETER_SETS[parameter_set])
    return cfn


@pytest.fixture(params=range(len(PARAMETER_SETS)), ids=["defaults", "tracing+debug"])
def cfn(request: pytest.FixtureRequest) -> dict[str, Any]:
    return transformed(request.param)


def test_the_walk_sees_every_role_and_function(cfn: dict[str, Any]) -> None:
    # Given the transformed template
    resources = cfn["Resources"]
    roles = {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    # When its statements are walked
    found = {s.where.split(".")[0] for s in statements(cfn) if not s.trust and not s.managed}
    # Then every role has statements we check (none is left unexamined)
    assert roles, "the transform produced no IAM roles"
    assert roles <= found | {
        k for k in roles if resources[k]["Properties"].get("ManagedPolicyArns")
    }
    # And every function and state machine runs under a role of this template
    for logical_id, resource in resources.items():
        if resource["Type"] in ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"):
            role = resource["Properties"].get("Role") or resource["Properties"].get("RoleArn")
            target = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
            assert target in roles, f"{logical_id} runs under {role!r}, which this test cannot see"


def test_no_statement_allows_a_wildcard_action(cfn: dict[str, Any]) -> None:
    # Given every statement of every policy (inline, SAM policy templates, managed, resource)
    # When each Allow is read / Then none names an action with "*" or uses NotAction
    problems = [p for s in statements(cfn) for p in wildcard_actions(s)]
    assert problems == [], "\n".join(problems)


def test_no_statement_allows_every_resource_where_a_narrower_one_exists(
    cfn: dict[str, Any],
) -> None:
    # Given every statement of every policy / When each Allow is read
    # Then Resource "*" carries only actions AWS grants on "*" and nowhere else
    problems = [p for s in statements(cfn) for p in star_resources(s)]
    assert problems == [], "\n".join(problems)


def test_no_policy_lets_everyone_in(cfn: dict[str, Any]) -> None:
    # Given every resource and trust policy / Then none allows Principal "*" unconditionally
    problems = [p for s in statements(cfn) for p in open_to_everyone(s)]
    assert problems == [], "\n".join(problems)


def test_every_managed_policy_is_known(cfn: dict[str, Any]) -> None:
    # Given the managed policies roles carry / Then each is one whose statements we check
    problems = unknown_managed_policies(cfn)
    assert problems == [], "\n".join(problems)


def test_no_function_environment_holds_a_secret(cfn: dict[str, Any]) -> None:
    # Given every function's environment after Globals are merged, and every substitution
    parameters = LocalTemplate(TEMPLATE).document.get("Parameters", {})
    # Then only table names, ARNs and settings are passed: no token, key, secret or password
    problems = environment_secrets(cfn, parameters)
    assert problems == [], "\n".join(problems)
    functions = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all(f["Properties"]["Environment"]["Variables"] for f in functions)


# --- the checks catch what they claim -------------------------------------------------------

BAD_TEMPLATE: dict[str, Any] = {
    "Parameters": {"WeChatToken": {"Type": "String", "NoEcho": True}},
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]
                },
                "ManagedPolicyArns": [
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"},
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
                ],
                "Policies": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": {
                            "Statement": [
                                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:t"},
                                {
                                    "Fn::If": [
                                        "C",
                                        {
                                            "Effect": "Allow",
                                            "Action": ["s3:GetObject"],
                                            "Resource": "*",
                                        },
                                        {"Ref": "AWS::NoValue"},
                                    ]
                                },
                                {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:t"},
                                {
                                    "Effect": "Allow",
                                    "Action": "xray:PutTraceSegments",
                                    "Resource": "*",
                                },
                                {"Effect": "Deny", "Action": "*", "Resource": "*"},
                            ]
                        },
                    }
                ],
            },
        },
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Environment": {
                    "Variables": {
                        "WXENGAGE_TOKENS_TABLE": {"Ref": "TokensTable"},
                        "WXENGAGE_SECRET_PREFIX": {"Fn::Sub": "wxengage/${AWS::StackName}/"},
                        "LOG_LEVEL": "INFO",
                        "WECHAT_TOKEN": "testToken42",
                        "KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
                        "CREDS": "{{resolve:secretsmanager:wx/app:SecretString:app_secret}}",
                        "FROM_PARAM": {"Ref": "WeChatToken"},
                    }
                }
            },
        },
    },
}


SQS_MANAGED = "Role.ManagedPolicyArns:service-role/AWSLambdaSQSQueueExecutionRole"
SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


def test_the_checks_catch_each_kind_of_over_grant_and_secret() -> None:
    # Given a template with one of each problem (and some things that are fine)
    found = list(statements(BAD_TEMPLATE))
    # When every check runs
    actions = [p for s in found for p in wildcard_actions(s)]
    resources = [p for s in found for p in star_resources(s)]
    everyone = [p for s in found for p in open_to_everyone(s)]
    unknown = unknown_managed_policies(BAD_TEMPLATE)
    env = environment_secrets(BAD_TEMPLATE, BAD_TEMPLATE["Parameters"])
    # Then each problem is reported, and only those
    assert actions == [
        'Role.Policies[0].PolicyDocument.Statement[0]: Action "dynamodb:*" is a wildcard',
        "Role.Policies[0].PolicyDocument.Statement[2]: Allow with NotAction grants every other action",
    ]
    assert resources == [
        'Role.Policies[0].PolicyDocument.Statement[1]: "s3:GetObject" on Resource "*"',
        *(f'{SQS_MANAGED}: "{action}" on Resource "*"' for action in SQS_ACTIONS),
    ]
    assert everyone == [
        "Role.AssumeRolePolicyDocument.Statement[0]: Principal * without a Condition"
    ]
    assert unknown == [
        "Role: managed policy AdministratorAccess is not in MANAGED (add its statements)"
    ]
    assert sorted(env) == [
        "Fn.Environment.CREDS: the value is a resolved secret",
        "Fn.Environment.FROM_PARAM: passes the secret parameter WeChatToken",
        "Fn.Environment.KEY: the value is a long random-looking literal",
        "Fn.Environment.KEY: the value is the shape of an EncodingAESKey",
        "Fn.Environment.WECHAT_TOKEN: the name says it is a secret",
    ]
