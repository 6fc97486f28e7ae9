"""The template deployed into moto (in-process mock or server), and moto taught to run our code."""

from __future__ import annotations

import contextlib
import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import WaiterError

from wxengage_local import moto_patches
from wxengage_local.template import FunctionSpec, LocalTemplate

_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_SFN_EXECUTE = "execute_state_machine"


class ClientSource(Protocol):
    """A boto3.Session, or anything else that hands out clients the same way."""

    @property
    def region_name(self) -> str | None: ...

    def client(self, service_name: str, **kwargs: Any) -> Any: ...


class DeployError(RuntimeError):
    """The stack did not come up; the message lists the failed resources."""


def deploy(
    session: ClientSource,
    template_path: Path,
    stack_name: str = "wxengage",
    parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Create the stack from a SAM template and return its Outputs.

    Works inside `moto.mock_aws()` and against a moto server (boto3 honours AWS_ENDPOINT_URL).
    """
    region = session.region_name or "us-east-1"
    bucket = f"{stack_name.lower()}-local-artifacts"
    cfn_doc, artifacts = LocalTemplate(template_path).to_cloudformation(bucket, parameters, region)
    moto_patches.state_machines_follow_execution_config()
    with _clients(session, region, "s3", "cloudformation", "dynamodb", "lambda") as (
        s3,
        cfn,
        ddb,
        lam,
    ):
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
        _wait_created(cfn, stack_name)
        physical = _physical_ids(cfn, stack_name)
        _enable_ttl(ddb, cfn_doc, physical)
        _pause_event_source_mappings(lam, cfn_doc, physical)
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def function_environments(session: ClientSource, stack_name: str) -> dict[str, dict[str, str]]:
    """Each deployed function's environment variables (logical id -> vars), as CFN resolved them."""
    with _clients(session, session.region_name, "cloudformation", "lambda") as (cfn, lam):
        out: dict[str, dict[str, str]] = {}
        for res in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
            if res.get("ResourceType") == "AWS::Lambda::Function":
                conf = lam.get_function_configuration(FunctionName=res["PhysicalResourceId"])
                out[res["LogicalResourceId"]] = conf.get("Environment", {}).get("Variables", {})
        return out


def physical_ids(session: ClientSource, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created."""
    with _clients(session, session.region_name, "cloudformation") as (cfn,):
        return _physical_ids(cfn, stack_name)


# --- Lambda: the real handler, in this process -------------------------------------------


class FunctionResolver:
    """Function name -> FunctionSpec: logical ids at once, deployed names once `bind` is called."""

    def __init__(self, functions: Mapping[str, FunctionSpec]) -> None:
        self.functions = dict(functions)
        self._by_name = dict(functions)

    def bind(self, physical: Mapping[str, str]) -> None:
        """Learn the deployed names (logical id -> physical id) of the template's functions."""
        for logical_id, spec in self.functions.items():
            if logical_id in physical:
                self._by_name[physical[logical_id]] = spec

    def __call__(self, function_name: str) -> FunctionSpec | None:
        return self._by_name.get(function_name.rsplit(":function:", 1)[-1].split(":")[0])


def stack_resolver(session: ClientSource, template_path: Path, stack_name: str) -> FunctionResolver:
    """A resolver for a deployed stack's functions."""
    resolver = FunctionResolver(LocalTemplate(template_path).functions())
    resolver.bind(physical_ids(session, stack_name))
    return resolver


# --- Step Functions: execute the real ASL -------------------------------------------------


def enable_stepfunctions_execution(endpoint_url: str | None = None) -> bool:
    """Make moto execute state machines; returns the previous setting (to restore later).

    With `endpoint_url`, asks that moto server (POST /moto-api/config); without, sets the
    in-process config, which `mock_aws()` restores when it exits.
    """
    return set_stepfunctions_execution(True, endpoint_url)


def set_stepfunctions_execution(enabled: bool, endpoint_url: str | None = None) -> bool:
    """Turn moto's Step Functions interpreter on or off; returns the previous setting."""
    moto_patches.state_machines_follow_execution_config()
    if endpoint_url is None:
        from moto.core.config import default_user_config

        sfn = default_user_config.get("stepfunctions", {})
        previous = bool(sfn.get("execute_state_machine", False))
        default_user_config["stepfunctions"] = {"execute_state_machine": enabled}
        return previous
    url = f"{endpoint_url.rstrip('/')}/moto-api/config"
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (our own loopback moto)
        previous = bool(json.load(resp).get("stepfunctions", {}).get(_SFN_EXECUTE, False))
    body = json.dumps({"stepfunctions": {_SFN_EXECUTE: enabled}}).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass
    return previous


# --- helpers ------------------------------------------------------------------------------


@contextlib.contextmanager
def _clients(session: ClientSource, region: str | None, *services: str) -> Iterator[list[Any]]:
    # Closed afterwards: a pooled keep-alive connection would pin a moto server thread.
    clients = [session.client(s, region_name=region or "us-east-1") for s in services]
    try:
        yield clients
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()


def _placeholder_zip() -> bytes:
    # Code runs in-process from the work tree; moto only needs an object to exist.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "wxengage local stack: code runs in-process from the work tree\n")
    return buf.getvalue()


def _wait_created(cfn: Any, stack_name: str) -> None:
    try:
        # The waiter looks first and sleeps only if needed (moto creates synchronously).
        cfn.get_waiter("stack_create_complete").wait(
            StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
    except WaiterError:
        status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
        failed = [
            f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason', '')}"
            for e in events
            if str(e.get("ResourceStatus", "")).endswith("FAILED")
        ]
        raise DeployError(f"stack {stack_name} is {status}: {failed}") from None


def _enable_ttl(ddb: Any, cfn_doc: dict[str, Any], physical: Mapping[str, str]) -> None:
    """moto ignores TimeToLiveSpecification in CloudFormation: apply it through the API."""
    for logical_id, res in cfn_doc["Resources"].items():
        spec = res.get("Properties", {}).get("TimeToLiveSpecification")
        if res["Type"] != "AWS::DynamoDB::Table" or not spec or spec.get("Enabled") is False:
            continue
        ddb.update_time_to_live(
            TableName=physical[logical_id],
            TimeToLiveSpecification={"AttributeName": spec["AttributeName"], "Enabled": True},
        )


def _pause_event_source_mappings(
    lam: Any, cfn_doc: dict[str, Any], physical: Mapping[str, str]
) -> None:
    """moto would deliver SQS messages to Lambda itself, inside send_message and without
    partial-batch semantics; the local stack's queue pump delivers them, as Lambda's poller does."""
    for logical_id, res in cfn_doc["Resources"].items():
        if res["Type"] == "AWS::Lambda::EventSourceMapping" and logical_id in physical:
            lam.update_event_source_mapping(UUID=physical[logical_id], Enabled=False)


def _physical_ids(cfn: Any, stack_name: str) -> dict[str, str]:
    # Resources moto skips (HTTP API, schedules, secrets) come back without ids: leave them out.
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
