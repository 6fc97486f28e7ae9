"""One local stack per e2e module: on free ports, the CLI pointed at it, stopped at the end."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import ROOT, _reset_process_caches
from wxengage_local.runner import LocalRun


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_local_stack(
    stack_name: str, *, warp: bool = False, paused: bool = False
) -> Iterator[LocalRun]:
    """A local stack deployed as `stack_name`, with the environment the CLI reads set to it
    (on the virtual clock with `warp`, its leaps paused at first with `paused`)."""
    mp = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
    }.items():
        mp.setenv(name, value)
    run = LocalRun(
        ROOT / "template.yaml",
        port=free_port(),
        aws_port=free_port(),
        sandbox_port=free_port(),
        stack_name=stack_name,
        warp=warp,
        paused=paused,
    )
    _reset_process_caches()
    run.start()
    mp.setenv("AWS_ENDPOINT_URL", run.stack.aws_endpoint_url)
    assert run.sandbox is not None
    mp.setenv("WXENGAGE_SANDBOX_URL", run.sandbox.url)
    _reset_process_caches()
    try:
        yield run
    finally:
        run.stop()
        mp.undo()
        _reset_process_caches()
