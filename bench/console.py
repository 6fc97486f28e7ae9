"""Console benchmark: cold start of the console function (ours vs boto3 alone and with its client).

A fresh process imports the console's handler and answers one request: the page (what a
browser asks first), `/me`, or an account's overview (accounts, rules, stats, sweep checkpoint
and campaigns read from DynamoDB). Prints one JSON object, each figure beside the baseline (a
fresh process with boto3 and a DynamoDB client). Run with `make bench` or
`.venv/bin/python bench/console.py [runs]`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time

import _offline  # noqa: F401  (repo packages on sys.path, fake credentials)
from _offline import ROOT

COLD_OURS = textwrap.dedent(
    """
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("console_app", sys.argv[1])
    app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
    path = sys.argv[2]
    claims = {"sub": "u", "cognito:username": "bench", "cognito:groups": "[viewer]",
              "custom:accounts": "*"}
    event = {"version": "2.0", "routeKey": "ANY /console/api/{proxy+}", "rawPath": path,
             "rawQueryString": "", "headers": {"host": "bench"},
             "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "127.0.0.1",
                                         "protocol": "HTTP/1.1", "userAgent": "bench"},
                                "authorizer": {"jwt": {"claims": claims, "scopes": None}},
                                "requestId": "r", "routeKey": "ANY /console/api/{proxy+}",
                                "stage": "$default"},
             "isBase64Encoded": False}
    class Ctx:
        function_name = "ConsoleFunction"; memory_limit_in_mb = 512; aws_request_id = "r"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ConsoleFunction"
        def get_remaining_time_in_millis(self): return 9000
    out = app.lambda_handler(event, Ctx())
    assert out["statusCode"] == 200, out
    """
)
COLD_BOTO3 = "import boto3"
# The floor for any function that reads DynamoDB: boto3 plus its client.
COLD_FLOOR = "import boto3; boto3.client('dynamodb')"


def cold_bench(runs: int = 15) -> dict[str, object]:
    """Fresh processes against moto on loopback, with the environment the stack gives the function."""
    from _offline import stack_on_loopback

    from wxengage.recall.rules import RecallRule
    from wxengage.store.accounts import AccountStore
    from wxengage.store.rules import RuleStore

    app_id = "wx0123456789abcdef"
    secrets = {"token": "benchToken", "aes_key": "a" * 43, "app_secret": "a" * 32}
    with stack_on_loopback("ConsoleFunction", app_id, secrets) as (settings, env):
        rule = RecallRule.model_validate(
            {
                "name": "48小时召回",
                "lead_minutes": 30,
                "content": {"kind": "custom", "replies": [{"type": "text", "text": "hi"}]},
            }
        )
        RuleStore(settings).put(app_id, rule, AccountStore(settings).read_settings(app_id).plan)
        handler = str(ROOT / "functions/console/app.py")
        overview = f"/console/api/accounts/{app_id}/overview"
        jobs = [
            ("overview", [sys.executable, "-c", COLD_OURS, handler, overview]),
            ("me", [sys.executable, "-c", COLD_OURS, handler, "/console/api/me"]),
            ("page", [sys.executable, "-c", COLD_OURS, handler, "/console"]),
            ("boto3", [sys.executable, "-c", COLD_BOTO3]),
            ("boto3_dynamodb_client", [sys.executable, "-c", COLD_FLOOR]),
        ]
        series: dict[str, list[float]] = {name: [] for name, _ in jobs}
        for i in range(runs):
            # Interleaved, rotating who goes first, so drift hits every series alike.
            for name, cmd in jobs[i % len(jobs) :] + jobs[: i % len(jobs)]:
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, capture_output=True)
                series[name].append((time.perf_counter() - t0) * 1000)
    med = {name: statistics.median(values) for name, values in series.items()}
    return {
        "work": (
            "fresh process: import the console handler, answer one signed-in request "
            "(overview: 6 DynamoDB reads; me and the page: none), moto on loopback"
        ),
        "baseline": "fresh process that only imports boto3 (and with a DynamoDB client)",
        "runs": runs,
        "overview_ms_median": round(med["overview"], 1),
        "me_ms_median": round(med["me"], 1),
        "page_ms_median": round(med["page"], 1),
        "boto3_only_ms_median": round(med["boto3"], 1),
        "boto3_plus_dynamodb_client_ms_median": round(med["boto3_dynamodb_client"], 1),
        "ratio_overview_over_boto3": round(med["overview"] / med["boto3"], 3),
        "ratio_overview_over_boto3_plus_client": round(
            med["overview"] / med["boto3_dynamodb_client"], 3
        ),
        "ratio_me_over_boto3": round(med["me"] / med["boto3"], 3),
        "ratio_me_over_boto3_plus_client": round(med["me"] / med["boto3_dynamodb_client"], 3),
        "ratio_page_over_boto3_plus_client": round(med["page"] / med["boto3_dynamodb_client"], 3),
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    result = {"benchmark": "console", "cold_start": cold_bench(runs)}
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
