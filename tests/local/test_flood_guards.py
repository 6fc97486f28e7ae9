"""A flood cannot starve recall and broadcast: route throttling and reserved concurrency."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import TEMPLATE
from wxengage_local.aws import deploy, physical_ids
from wxengage_local.template import LocalTemplate

WORKERS = ("RecallSenderFunction", "BroadcastFunction")


def document() -> dict[str, Any]:
    doc: dict[str, Any] = LocalTemplate(TEMPLATE).document
    return doc


def http_routes() -> set[str]:
    """Every "METHOD /path" route key the functions put on the HTTP API."""
    routes = set()
    for resource in document()["Resources"].values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                routes.add(f"{props['Method'].upper()} {props['Path']}")
    return routes


def concurrency(session: boto3.Session) -> dict[str, int | None]:
    """Logical id -> the deployed function's reserved concurrency (None when unreserved)."""
    physical = physical_ids(session, "wxengage")
    lam = session.client("lambda")
    out: dict[str, int | None] = {}
    for logical_id in ("WebhookFunction", "RecallSweepFunction", *WORKERS):
        answer = lam.get_function_concurrency(FunctionName=physical[logical_id])
        out[logical_id] = answer.get("ReservedConcurrentExecutions")
    return out


def test_every_route_is_throttled_and_the_sign_in_hardest() -> None:
    # Given the HTTP API of the template
    api = document()["Resources"]["WebhookApi"]["Properties"]
    # Then every route has a rate and a burst by default, from the WebhookRateLimit parameter
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "WebhookRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "WebhookRateLimit"},
    }
    # And each per-route override names a route that exists (a typo would throttle nothing)
    overrides = api["RouteSettings"]
    assert set(overrides) <= http_routes()
    # And the console's sign-in is held far below its API, which is below the webhook's default
    sign_in = overrides["POST /console/auth/sign-in"]["ThrottlingRateLimit"]
    console = overrides["ANY /console/api/{proxy+}"]["ThrottlingRateLimit"]
    default = document()["Parameters"]["WebhookRateLimit"]["Default"]
    assert sign_in < console < default


def test_the_webhook_is_capped_and_the_workers_reserved_by_default(aws_env: None) -> None:
    with mock_aws():
        # Given the template deployed with its defaults
        session = boto3.Session()
        deploy(session, TEMPLATE, "wxengage", {})
        # Then the webhook cannot take more than its cap, and recall and broadcast keep theirs
        assert concurrency(session) == {
            "WebhookFunction": 100,
            "RecallSweepFunction": 1,
            "RecallSenderFunction": 10,
            "BroadcastFunction": 10,
        }


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"WebhookMaxConcurrency": "0"}, {"WebhookFunction": None}),
        ({"WorkerReservedConcurrency": "0"}, dict.fromkeys(WORKERS)),
        (
            {"WebhookMaxConcurrency": "250", "WorkerReservedConcurrency": "3"},
            {
                "WebhookFunction": 250,
                "RecallSenderFunction": 3,
                "BroadcastFunction": 3,
            },
        ),
    ],
    ids=["no webhook cap", "no worker reservation", "custom figures"],
)
def test_the_guards_follow_their_parameters(
    aws_env: None, parameters: dict[str, str], expected: dict[str, int | None]
) -> None:
    with mock_aws():
        # Given the template deployed with other figures (0 turns a guard off for small quotas)
        session = boto3.Session()
        deploy(session, TEMPLATE, "wxengage", parameters)
        # Then each function gets exactly those figures
        deployed = concurrency(session)
        assert {k: deployed[k] for k in expected} == expected
