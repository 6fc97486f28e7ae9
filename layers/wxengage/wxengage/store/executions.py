"""Starting and stopping the broadcast state machine's executions."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from wxengage.settings import Settings
from wxengage.store.aws import client


class ExecutionError(RuntimeError):
    """The state machine could not be reached or refused the request."""


class BroadcastExecutions:
    """Executions are named after the campaign (and its restarts), so a double start is refused."""

    def __init__(self, settings: Settings) -> None:
        if not settings.broadcast_state_machine_arn:
            raise ExecutionError(
                "the stack has no BroadcastStateMachineArn output: deploy this version of template.yaml"
            )
        self._arn = settings.broadcast_state_machine_arn

    def start(self, name: str, app_id: str, campaign_id: str) -> str:
        payload = json.dumps({"app_id": app_id, "campaign_id": campaign_id})
        try:
            resp = client("stepfunctions").start_execution(
                stateMachineArn=self._arn, name=name, input=payload
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ExecutionAlreadyExists":
                raise ExecutionError(f"an execution named {name} already exists") from None
            raise
        return str(resp["executionArn"])

    def stop(self, name: str, cause: str) -> None:
        arn = self.execution_arn(name)
        try:
            client("stepfunctions").stop_execution(executionArn=arn, cause=cause)
        except ClientError as err:
            # Already ended, or never started: nothing to stop.
            if err.response["Error"]["Code"] not in ("ExecutionDoesNotExist", "InvalidArn"):
                raise

    def execution_arn(self, name: str) -> str:
        return f"{self._arn.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def status(self, name: str) -> str:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED."""
        resp = client("stepfunctions").describe_execution(executionArn=self.execution_arn(name))
        return str(resp["status"])
