"""LocalStack: a moto server in this process, the template deployed into it, gateway and ticker."""

from __future__ import annotations

import errno
import logging
import os
import socket
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol

import boto3
import requests

from wxengage import clock
from wxengage_local.aws import (
    FunctionResolver,
    deploy,
    function_environments,
    physical_ids,
    set_stepfunctions_execution,
)
from wxengage_local.cognito import create_console_pool
from wxengage_local.gateway import Gateway
from wxengage_local.http import LoopbackServer, PortInUseError
from wxengage_local.moto_patches import install_clock_waits, install_inprocess_lambda, moto_server
from wxengage_local.queue_pump import QueuePump
from wxengage_local.recall_probe import next_recall_due
from wxengage_local.template import FunctionSpec, LocalTemplate
from wxengage_local.ticker import Ticker
from wxengage_local.warp import VirtualClock

log = logging.getLogger("wxengage.local.stack")
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
# The schedule the warp clock asks "when is the next recall due?" before leaping.
RECALL_SWEEP = "RecallSweepFunction"


class Service(Protocol):
    """Anything the stack starts and stops with itself (the WeChat sandbox, ...)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


class LocalStackError(RuntimeError):
    """The local stack cannot run this template as it is."""


def ensure_free(port: int, what: str) -> None:
    """Raise PortInUseError (an OSError with a plain message) when a loopback port is taken."""
    if _port_taken(port):
        raise PortInUseError(port, what)


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            s.bind(("127.0.0.1", port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return True
            raise
    return False


class LocalStack:
    """The template's resources on an embedded moto server, with HTTP routes and schedules served."""

    def __init__(
        self,
        template_path: Path,
        port: int = 3000,
        aws_port: int = 4566,
        stack_name: str = "wxengage",
        speed: float = 1.0,
        warp: bool = False,
    ) -> None:
        self.template = LocalTemplate(Path(template_path).resolve())
        # --warp: one virtual clock for the engine, the sandbox, the schedules and Wait states.
        self.clock: VirtualClock | None = VirtualClock() if warp else None
        self.stack_name = stack_name
        self.functions: dict[str, FunctionSpec] = self.template.functions()
        self._port = port
        self._aws_port = aws_port
        self._speed = speed
        self._outputs: dict[str, str] = {}
        self.gateway: Gateway | None = None
        self.ticker: Ticker | None = None
        self.pump: QueuePump | None = None
        self.services: list[Service] = []
        self._moto: LoopbackServer | None = None
        self._undo: list[Callable[[], None]] = []  # run backwards by stop()
        self._running = False

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._aws_port}"

    @property
    def webhook_base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway.port if self.gateway else self._port}"

    @property
    def outputs(self) -> dict[str, str]:
        """The stack's Outputs (empty until started)."""
        return dict(self._outputs)

    def register_extra_server(self, service: Service) -> None:
        """Start `service` with the stack (after everything else) and stop it first.

        Its stop() must be safe to call when its start() never ran (a failed start stops all).
        """
        self.services.append(service)
        if self._running:
            service.start()

    def start(self) -> None:
        """Boot everything; on failure, whatever started is stopped again."""
        ensure_free(self._aws_port, "embedded AWS (--aws-port)")
        ensure_free(self._port, "HTTP gateway (--port)")
        try:
            self._set_environment(
                # Wait states use our clock (warp.py); UTC keeps moto's own timestamps plain too.
                {"TZ": "UTC"}
                | LOCAL_CREDENTIALS
                | {"AWS_ENDPOINT_URL": self.aws_endpoint_url, "MOTO_PORT": str(self._aws_port)}
            )
            self._start_moto()
            self._enable_stepfunctions()
            self._use_clock()
            resolver = FunctionResolver(self.functions)
            self._undo.append(install_inprocess_lambda(resolver))
            session = boto3.Session()
            self._outputs = deploy(session, self.template.path, self.stack_name)
            physical = physical_ids(session, self.stack_name)
            resolver.bind(physical)
            environment = self._function_environment(session)
            # moto's CloudFormation skips Cognito: the template's user pool is made here instead.
            pool = create_console_pool(
                session.client("cognito-idp"), self.template, self.stack_name
            )
            environment |= pool.environment() if pool else {}
            self._set_environment(environment)
            self.gateway = Gateway(self.functions, port=self._port)
            if pool is not None:
                self.gateway.console_auth.issuer.use_pool(pool.pool_id, pool.client_id)
            self.gateway.start()
            self.pump = QueuePump.for_stack(session, self.functions, physical)
            probes = {}
            if self.clock is not None:
                self.clock.add_blocker(self.pump.busy)
                if "WXENGAGE_RECALLS_TABLE" in environment:
                    probes[RECALL_SWEEP] = next_recall_due(environment["WXENGAGE_RECALLS_TABLE"])
            self.ticker = Ticker(
                self.functions,
                speed=self._speed,
                clock=clock.now_ts,
                warp=self.clock,
                probes=probes,
            )
            self.ticker.start()
            self.pump.start()
            self._running = True
            for service in self.services:
                service.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop extra servers, pump, ticker, gateway, then moto; restore the environment.

        Safe to call twice or after a failed start.
        """
        self._running = False
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("local stack: %r did not stop cleanly", service)
        for part in (self.pump, self.ticker, self.gateway):
            if part is not None:
                part.stop()
        self.pump = self.ticker = self.gateway = None
        while self._undo:
            step = self._undo.pop()
            try:
                step()
            except Exception:
                log.exception("local stack: a stop step failed; carrying on with the rest")

    def _start_moto(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # moto has no CloudFormation model for what the gateway and ticker stand in for.
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::")
        server = moto_server(self._aws_port, "embedded AWS (--aws-port)")
        try:
            server.start()  # a port taken since the check in start() raises PortInUseError
        except PortInUseError:
            raise
        except OSError as err:
            raise LocalStackError(f"the embedded AWS did not start: {err!r}") from None
        self._moto = server
        self._undo.append(self._stop_moto)
        # moto's server shares this process's backends: start from nothing, as a new process
        # would (a local stack stopped earlier in the same process left its resources there).
        requests.post(f"{self.aws_endpoint_url}/moto-api/reset", timeout=30).raise_for_status()

    def _enable_stepfunctions(self) -> None:
        previous = set_stepfunctions_execution(True, self.aws_endpoint_url)

        def restore() -> None:
            set_stepfunctions_execution(previous, self.aws_endpoint_url)

        self._undo.append(restore)

    def _use_clock(self) -> None:
        """Wait states wait on the one clock; under --warp that clock is virtual."""
        if self.clock is not None:
            clock.set_source(self.clock)
            self._undo.append(lambda: clock.set_source(None))
            self._undo.append(install_clock_waits(self.clock.wait_until))
        else:
            self._undo.append(install_clock_waits())

    def _stop_moto(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def _function_environment(self, session: boto3.Session) -> dict[str, str]:
        """Handlers share this process: it gets the environment CloudFormation gave the functions.

        Set once here, never per invocation (parallel Map iterations would race on it).
        """
        merged: dict[str, str] = {}
        owner: dict[str, str] = {}
        for function, env in function_environments(session, self.stack_name).items():
            for key, value in env.items():
                if key in merged and merged[key] != value:
                    # Names only: values may be secrets.
                    raise LocalStackError(
                        f"{owner[key]} and {function} set {key} differently; "
                        "the local stack runs every function in one process"
                    )
                merged[key], owner[key] = value, function
        return merged

    def _set_environment(self, values: dict[str, str]) -> None:
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        if "TZ" in values:
            time.tzset()

        def restore() -> None:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old
            if "TZ" in saved:
                time.tzset()

        self._undo.append(restore)

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
