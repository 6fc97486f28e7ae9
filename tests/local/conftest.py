"""Local-stack fixtures: tiny SAM templates and handlers written into tmp_path, fake AWS env."""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# A handler that reports what it was given, or fails on demand with a named error.
ECHO_APP = """
import json, os

class CustomerError(Exception):
    pass

def handler(event, context):
    if isinstance(event, dict) and event.get("fail"):
        raise CustomerError("asked to fail")
    record = os.environ.get("ECHO_RECORD")
    if record:
        with open(record, "a") as out:
            out.write(json.dumps(event) + "\\n")
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "greeting": os.environ.get("ECHO_GREETING"),
    }
"""

WriteApp = Callable[..., Path]
WriteTemplate = Callable[[str], Path]


@pytest.fixture
def write_app(tmp_path: Path) -> WriteApp:
    """`write_app("fn", code=ECHO_APP)` -> the folder holding fn/app.py."""

    def write(folder: str = "fn", code: str = ECHO_APP) -> Path:
        path = tmp_path / folder
        path.mkdir(parents=True, exist_ok=True)
        (path / "app.py").write_text(textwrap.dedent(code))
        return path

    return write


@pytest.fixture
def write_template(tmp_path: Path) -> WriteTemplate:
    """A SAM template in tmp_path with the given Resources (and Outputs) YAML body."""

    def write(body: str) -> Path:
        path = tmp_path / "template.yaml"
        header = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        path.write_text(header + textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override, so boto3 talks to moto's in-process mock."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when a server could bind the port again (nothing listens on it)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
