"""Operator requests (preview, take offline, read rates) run in the broadcast function, whose
calls come from the IP WeChat's whitelist lets through; the CLI and the console send them here."""

from __future__ import annotations

import json
from typing import Any

from wxengage.settings import Settings
from wxengage.store.aws import client


class BroadcastRequestError(RuntimeError):
    """The broadcast function failed the request: Lambda's error type and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class NoBroadcastFunctionError(RuntimeError):
    """This deployment does not name its broadcast function."""


class BroadcastFunction:
    """Invoke the broadcast function synchronously with one request (broadcast/tasks.py)."""

    def __init__(self, settings: Settings) -> None:
        self._name = settings.broadcast_function_name

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self._name:
            raise NoBroadcastFunctionError(
                "the stack has no BroadcastFunctionName output: deploy this version of "
                "template.yaml"
            )
        resp = client("lambda").invoke(
            FunctionName=self._name, Payload=json.dumps(payload).encode()
        )
        body = json.loads(resp["Payload"].read() or b"null")
        if resp.get("FunctionError"):
            if isinstance(body, dict):
                raise BroadcastRequestError(
                    str(body.get("errorType") or "Error"),
                    str(body.get("errorMessage") or "unknown error"),
                )
            raise BroadcastRequestError("Error", str(body))
        if not isinstance(body, dict):
            raise BroadcastRequestError("Error", f"the broadcast function answered {body!r}")
        return body
