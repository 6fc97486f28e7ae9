"""Canary for the pinned moto: an `InvocationType: Event` invoke answers 202 before the handler runs.

moto runs every invoke before answering; Lambda queues an Event invoke and answers at once. The
local stack's hook (moto_patches._install_async_invoke) runs a resolvable function's Event
invoke on its own thread, so a caller (the console's refresh) never waits on the function.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tests.local.conftest import WriteApp, WriteTemplate
from wxengage_local.aws import deploy, stack_resolver
from wxengage_local.moto_patches import install_inprocess_lambda

pytestmark = pytest.mark.usefixtures("fake_aws")

TEMPLATE = """
Resources:
  Slow:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11}
Outputs:
  SlowName: {Value: !Ref Slow}
"""
# The handler waits for the test's go-ahead (a file), then writes what it got: it cannot have
# run before the invoke answered.
SLOW_APP = """
import json, pathlib, time

def handler(event, context):
    folder = pathlib.Path(event["folder"])
    for _ in range(400):
        if (folder / "go").exists():
            break
        time.sleep(0.05)
    (folder / "ran.json").write_text(json.dumps(event))
    return {"ok": True}
"""


def test_an_event_invoke_answers_202_before_the_handler_runs(
    write_template: WriteTemplate, write_app: WriteApp, tmp_path: Path
) -> None:
    write_app("fn", code=SLOW_APP)
    path = write_template(TEMPLATE)
    with mock_aws():
        session = boto3.Session()
        name = deploy(session, path, stack_name="canary")["SlowName"]
        uninstall = install_inprocess_lambda(stack_resolver(session, path, "canary"))
        try:
            client = session.client("lambda")
            event = {"folder": str(tmp_path), "n": 1}
            # When the function is invoked asynchronously
            answer = client.invoke(
                FunctionName=name, InvocationType="Event", Payload=json.dumps(event)
            )
            # Then Lambda's answer comes first (202, no payload) and the handler has not run yet
            assert answer["StatusCode"] == 202
            assert answer["Payload"].read() == b""
            assert not (tmp_path / "ran.json").exists()
            # And once let go it runs, with the event
            (tmp_path / "go").write_text("")
            worker = next(t for t in threading.enumerate() if t.name == "async-Slow")
            worker.join(timeout=30)
            assert json.loads((tmp_path / "ran.json").read_text()) == event
            # And a RequestResponse invoke still runs before answering
            (tmp_path / "ran.json").unlink()
            sync = client.invoke(FunctionName=name, Payload=json.dumps(event | {"n": 2}))
            assert json.loads(sync["Payload"].read()) == {"ok": True}
            assert json.loads((tmp_path / "ran.json").read_text())["n"] == 2
        finally:
            uninstall()
