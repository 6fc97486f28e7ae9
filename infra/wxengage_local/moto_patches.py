"""Every private part of moto the local stack patches, for one pinned moto version (the Step
Functions clock patches, Wait and Retry, in moto_clock.py, installed only through here).

Each patch replaces a private method of moto 5.2.5 (there is no public hook for these); a
different moto may have moved or changed any of them, so each one first checks the version and
refuses to run on another. Canary tests cover the patches (tests/local/test_lambda_hook.py,
test_deploy.py, test_stack.py, test_moto_patches.py, test_retry_on_clock.py,
test_async_invoke.py; the broadcast tests run the Wait states).
"""

from __future__ import annotations

import importlib.metadata
import json
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from wxengage_local.handlers import ACTIVITY, FakeLambdaContext, invoke_in_process, load_handler
from wxengage_local.http import LoopbackServer
from wxengage_local.template import FunctionSpec
from wxengage_local.warp import Waiter, wait_on_clock

MOTO_VERSION = "5.2.5"
Resolver = Callable[[str], FunctionSpec | None]


def check_version() -> None:
    """Raise RuntimeError unless the installed moto is the one these patches were written for."""
    try:
        found = importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        found = "none"
    if found != MOTO_VERSION:
        raise RuntimeError(
            f"the local stack patches private parts of moto {MOTO_VERSION}, but moto {found} is "
            f"installed: install moto=={MOTO_VERSION} (pip install -e '.[local]', as pinned in "
            "pyproject.toml), or, to move to another moto, check every patch in "
            "infra/wxengage_local/moto_patches.py against it, run tests/local, then change "
            "MOTO_VERSION and the pin together"
        )


# --- The server: moto's own WSGI app on the local stack's loopback server ----------------


def moto_server(port: int, what: str) -> LoopbackServer:
    """moto's server app (what ThreadedMotoServer serves) on a LoopbackServer: a taken port
    raises PortInUseError instead of werkzeug's sys.exit(1)."""
    check_version()
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    class Handler(MotoRequestHandler):
        # moto writes headers and body apart too: no Nagle stall between them.
        disable_nagle_algorithm = True

    return LoopbackServer(DomainDispatcherApplication(create_backend_app), port, what, Handler)


# --- Lambda: the real handler, in this process -------------------------------------------

_resolvers: list[Resolver] = []
_hook_lock = threading.Lock()
_original_invoke: Callable[..., tuple[str, bool, str]] | None = None
_original_public_invoke: Callable[..., str | bytes] | None = None


def install_inprocess_lambda(resolver: Resolver) -> Callable[[], None]:
    """Make moto run a resolvable function's real handler in this process; returns `uninstall`.

    moto's `LambdaFunction._invoke_lambda` (private, pinned moto) is where lambda.invoke,
    Step Functions Tasks and the optimised lambda:invoke integration all end up; it wants
    Docker. Functions no resolver knows keep moto's own behaviour.
    """
    global _original_invoke
    check_version()
    from moto.awslambda.models import LambdaFunction

    with _hook_lock:
        if _original_invoke is None:
            _original_invoke = LambdaFunction._invoke_lambda
            LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
            _install_async_invoke(LambdaFunction)
        _resolvers.insert(0, resolver)

    def uninstall() -> None:
        global _original_invoke, _original_public_invoke
        with _hook_lock:
            if resolver in _resolvers:
                _resolvers.remove(resolver)
            if not _resolvers and _original_invoke is not None:
                LambdaFunction._invoke_lambda = _original_invoke  # type: ignore[method-assign]
                _original_invoke = None
                if _original_public_invoke is not None:
                    LambdaFunction.invoke = _original_public_invoke  # type: ignore[method-assign]
                    _original_public_invoke = None

    return uninstall


def _install_async_invoke(function_class: Any) -> None:
    """moto runs an `InvocationType: Event` invoke before answering, so the caller would wait on
    the function; Lambda queues it and answers 202 at once. Here a resolvable function's Event
    invoke runs on its own thread after the answer, one at a time per function as the local
    stack's other invocations (no retries of a failed run: Lambda would retry twice)."""
    global _original_public_invoke
    _original_public_invoke = function_class.invoke

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
        assert _original_public_invoke is not None
        kind = request_headers.get("X-Amz-Invocation-Type") or request_headers.get(
            "x-amz-invocation-type"
        )
        spec = next((s for r in list(_resolvers) if (s := r(self.function_name)) is not None), None)
        if kind != "Event" or spec is None:
            return _original_public_invoke(self, body, request_headers, response_headers)
        event = json.loads(body) if body else {}
        ACTIVITY.__enter__()  # the warp sees the queued run from now on

        def run() -> None:
            try:
                invoke_in_process(spec, event)
            except Exception:
                traceback.print_exc()  # Lambda would log it in the function's log group
            finally:
                ACTIVITY.__exit__()

        threading.Thread(target=run, name=f"async-{spec.logical_id}", daemon=True).start()
        return ""  # moto answers 202 with an empty payload for an Event invoke

    function_class.invoke = invoke


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    """Replacement for `LambdaFunction._invoke_lambda`: (payload JSON, errored, log tail)."""
    spec = next((s for r in list(_resolvers) if (s := r(self.function_name)) is not None), None)
    if spec is None:
        assert _original_invoke is not None
        return _original_invoke(self, event)
    if event is None or event == "{}":
        event = {}  # moto hands an empty payload over as the string "{}"
    context = FakeLambdaContext(
        self.function_name,
        memory_limit_in_mb=int(self.memory_size),
        timeout_ms=int(self.timeout) * 1000,
        invoked_function_arn=self.function_arn,
        region=self.region,
        account_id=self.account_id,
    )
    request_id = context.aws_request_id
    started = time.monotonic()
    try:
        with ACTIVITY:
            result = load_handler(spec.code_uri, spec.handler)(event, context)
    except Exception as exc:
        # Lambda's own error shape: Step Functions matches Retry/Catch on errorType.
        error = {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(exc.__traceback__),
        }
        return json.dumps(error), True, _log_tail(request_id, started, traceback.format_exc())
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as exc:
        error = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
        }
        return json.dumps(error), True, _log_tail(request_id, started, str(exc))
    return payload, False, _log_tail(request_id, started, "")


def _log_tail(request_id: str, started: float, extra: str) -> str:
    ms = (time.monotonic() - started) * 1000
    lines = [f"START RequestId: {request_id} Version: $LATEST", extra.rstrip()]
    lines += [
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: {ms:.2f} ms",
    ]
    return "\n".join(line for line in lines if line) + "\n"


# --- Step Functions: deployed machines executable, Wait states on our clock ----------------


def state_machines_follow_execution_config() -> None:
    """CloudFormation state machines land where the API would put them.

    moto's CFN model always writes to its non-executing backend, so with execution on,
    start_execution would not find a deployed machine. Patched in-process only: a moto
    server in another process is out of reach.
    """
    check_version()
    from moto.stepfunctions.models import StateMachine

    if getattr(StateMachine, "_wxengage_follows_config", False):
        return

    def create(
        cls: type[StateMachine],
        /,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> StateMachine:
        from moto.stepfunctions.responses import get_backend
        from moto.stepfunctions.utils import cfn_to_api_tags

        props = cloudformation_json["Properties"]
        # Same as moto's own, but through the backend the API uses right now.
        return get_backend(account_id, region_name).create_state_machine(
            name=props.get("StateMachineName", resource_name),
            definition=props.get("DefinitionString", ""),
            roleArn=props.get("RoleArn", ""),
            tags=cfn_to_api_tags(props.get("Tags", [])),
            sm_type=props.get("StateMachineType"),
        )

    StateMachine.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment, method-assign]
    StateMachine._wxengage_follows_config = True  # type: ignore[attr-defined]


def install_clock_waits(waiter: Waiter = wait_on_clock) -> Callable[[], None]:
    """Make moto's Wait states and Retry intervals wait on `waiter`; returns `uninstall`.

    The patches themselves live in moto_clock.py (private, pinned moto; canary tests cover them).
    """
    from wxengage_local.moto_clock import install_clock_waits as install

    check_version()
    return install(waiter)
