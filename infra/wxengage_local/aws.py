"""Deploying template.yaml into moto (in-process mock or server) exactly as the cloud gets it."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3

from wxengage_local.template import LocalTemplate

_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


class DeployError(RuntimeError):
    """The stack did not come up; the message lists the failed resources."""


def _placeholder_zip() -> bytes:
    # Code runs in-process from the work tree; moto only needs an object to exist.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "wxengage local stack: code runs in-process from the work tree\n")
    return buf.getvalue()


def deploy(
    session: boto3.Session,
    template_path: Path,
    stack_name: str = "wxengage",
    parameters: dict[str, str] | None = None,
) -> dict[str, str]:
    """Create the stack from template.yaml and return its Outputs.

    Works inside `moto.mock_aws()` and against a moto server (AWS_ENDPOINT_URL).
    """
    region = session.region_name or "us-east-1"
    bucket = f"{stack_name.lower()}-local-artifacts"
    s3 = session.client("s3", region_name=region)
    cfn = session.client("cloudformation", region_name=region)
    cfn_doc, artifacts = LocalTemplate(template_path).to_cloudformation(bucket, parameters, region)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    blob = _placeholder_zip()
    for artifact in artifacts:
        s3.put_object(Bucket=bucket, Key=artifact.key, Body=blob)
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(cfn_doc),
        Capabilities=_CAPABILITIES,
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()
        ],
    )
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in events
            if e["ResourceStatus"].endswith("FAILED")
        ]
        raise DeployError(f"stack {stack_name} is {stack['StackStatus']}: {failed}")
    _enable_ttl(session, region, cfn_doc, cfn, stack_name)
    _pause_event_source_mappings(session, region)
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _enable_ttl(
    session: boto3.Session, region: str, cfn_doc: dict[str, Any], cfn: Any, stack_name: str
) -> None:
    """moto ignores TimeToLiveSpecification in CloudFormation: apply it through the API."""
    physical = _physical_ids(cfn, stack_name)
    ddb = session.client("dynamodb", region_name=region)
    for logical_id, res in cfn_doc["Resources"].items():
        spec = res.get("Properties", {}).get("TimeToLiveSpecification")
        if res["Type"] == "AWS::DynamoDB::Table" and spec and spec.get("Enabled"):
            ddb.update_time_to_live(
                TableName=physical[logical_id],
                TimeToLiveSpecification={"AttributeName": spec["AttributeName"], "Enabled": True},
            )


def _pause_event_source_mappings(session: boto3.Session, region: str) -> None:
    """moto would deliver SQS messages to Lambda itself (via Docker, without partial-batch
    semantics); the local stack's queue pump delivers them instead, as Lambda's poller does."""
    lam = session.client("lambda", region_name=region)
    for mapping in lam.list_event_source_mappings().get("EventSourceMappings", []):
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)


def function_environments(session: boto3.Session, stack_name: str) -> dict[str, dict[str, str]]:
    """Each deployed function's environment variables, as CloudFormation resolved them."""
    cfn = session.client("cloudformation")
    lam = session.client("lambda")
    out: dict[str, dict[str, str]] = {}
    for res in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if res.get("ResourceType") == "AWS::Lambda::Function":
            conf = lam.get_function_configuration(FunctionName=res["PhysicalResourceId"])
            out[res["LogicalResourceId"]] = conf.get("Environment", {}).get("Variables", {})
    return out


def _physical_ids(cfn: Any, stack_name: str) -> dict[str, str]:
    # Resources moto skips (HTTP API, schedules, secrets) come back without ids: leave them out.
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }


def physical_ids(session: boto3.Session, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created."""
    return _physical_ids(session.client("cloudformation"), stack_name)
