"""Shared start of the offline benchmarks: the repo's packages on sys.path, fake AWS credentials.

Imported first by each bench script, before anything that reads the environment.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/wxengage"), str(ROOT / "infra"), str(ROOT / "cli"), str(ROOT)]
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="1",
)
# moto in this process, or the local stack's own endpoint once it starts: never a stale one.
os.environ.pop("AWS_ENDPOINT_URL", None)

if TYPE_CHECKING:
    from wxengage.settings import Settings


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def stack_on_loopback(
    function: str, app_id: str, secrets: dict[str, str]
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """template.yaml in a moto server on a free loopback port, one account registered.

    Yields the stack's settings and the environment a fresh child process gets to run
    `function` as Lambda would: the AWS endpoint and the environment CloudFormation gave it.
    """
    import logging

    import boto3
    import requests
    from moto.server import ThreadedMotoServer

    from wxengage.accounts import Account, AccountSecrets, AccountSettings
    from wxengage.settings import Settings
    from wxengage.store.accounts import AccountStore
    from wxengage_local.aws import deploy, function_environments

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    port = _free_port()
    aws = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    os.environ.update(aws)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        # moto's server shares this process's backends: start from nothing.
        requests.post(f"{aws['AWS_ENDPOINT_URL']}/moto-api/reset", timeout=30).raise_for_status()
        outputs = deploy(boto3.Session(), ROOT / "template.yaml", stack_name="wxengage-bench")
        settings = Settings.from_stack_outputs(outputs)
        AccountStore(settings).put(
            Account(
                settings=AccountSettings(app_id=app_id),
                secrets=AccountSecrets.model_validate(secrets),
            ),
            replace=True,
        )
        function_env = function_environments(boto3.Session(), "wxengage-bench")[function]
        paths = {"PYTHONPATH": os.pathsep.join(sys.path[:3])}
        yield settings, dict(os.environ) | aws | function_env | paths
    finally:
        server.stop()
