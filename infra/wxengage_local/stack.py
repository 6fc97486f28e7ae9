"""LocalStack: moto server in this process, the template deployed into it, the gateway and the ticker."""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Protocol

import boto3

from wxengage_local.aws import deploy, function_environments, physical_ids
from wxengage_local.gateway import Gateway
from wxengage_local.queue_pump import QueuePump
from wxengage_local.template import LocalTemplate
from wxengage_local.ticker import Ticker

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class Service(Protocol):
    """Anything the stack starts and stops with itself (the WeChat sandbox, queue pumps...)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


def ensure_free(port: int, what: str) -> None:
    """Fail with a clear message when a port is taken."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise OSError(
                f"port {port} for the {what} is in use: pick another with its option"
            ) from None


class LocalStack:
    """The template's resources on an embedded moto server, with HTTP routes and schedules served."""

    def __init__(
        self,
        template_path: Path,
        port: int = 3000,
        aws_port: int = 4566,
        stack_name: str = "wxengage",
        speed: float = 1.0,
    ) -> None:
        self.template = LocalTemplate(template_path.resolve())
        self.stack_name = stack_name
        self._port = port
        self._aws_port = aws_port
        self._speed = speed
        self.outputs: dict[str, str] = {}
        self.gateway: Gateway | None = None
        self.ticker: Ticker | None = None
        self.pump: QueuePump | None = None
        self.services: list[Service] = []
        self._moto: object | None = None

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._aws_port}"

    @property
    def webhook_base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway.port if self.gateway else self._port}"

    def start(self) -> None:
        """Boot everything; on failure, whatever started is stopped again."""
        ensure_free(self._aws_port, "embedded AWS (--aws-port)")
        ensure_free(self._port, "HTTP gateway (--port)")
        # moto compares Wait-state timestamps with local time: run the process in UTC.
        os.environ["TZ"] = "UTC"
        time.tzset()
        os.environ.update(LOCAL_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = self.aws_endpoint_url
        os.environ["MOTO_PORT"] = str(self._aws_port)
        try:
            self._start_moto()
            session = boto3.Session()
            self.outputs = deploy(session, self.template.path, self.stack_name)
            self._export_function_environment(session)
            functions = self.template.functions()
            self.gateway = Gateway(functions, port=self._port)
            self.gateway.start()
            self.ticker = Ticker(functions, speed=self._speed)
            self.ticker.start()
            self.pump = QueuePump.for_stack(
                session, functions, physical_ids(session, self.stack_name)
            )
            self.pump.start()
            for service in self.services:
                service.start()
        except BaseException:
            self.stop()
            raise

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # moto has no CloudFormation model for some resources the gateway and ticker stand in for.
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._aws_port, verbose=False)
        server.start()
        self._moto = server

    def _export_function_environment(self, session: boto3.Session) -> None:
        """Handlers run in this process: give it the environment CloudFormation gave the functions."""
        merged: dict[str, str] = {}
        for function, env in function_environments(session, self.stack_name).items():
            for key, value in env.items():
                if merged.get(key, value) != value:
                    raise RuntimeError(
                        f"functions disagree on {key} ({function}); the local stack shares one process"
                    )
                merged[key] = value
        os.environ.update(merged)

    def stop(self) -> None:
        """Stop services, queue pump, ticker, gateway and moto, in that order; safe to call twice."""
        for service in reversed(self.services):
            service.stop()
        if self.pump is not None:
            self.pump.stop()
            self.pump = None
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self._moto is not None:
            self._moto.stop()  # type: ignore[attr-defined]
            self._moto = None

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
