"""The console function called in-process with API Gateway payload-2.0 events, on the template in moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import ROOT, FakeClock
from tests.support.callbacks import APP_ID, register
from wxengage.settings import Settings
from wxengage_local.handlers import FakeLambdaContext, load_handler

OTHER_APP_ID = "wx99999999999999ab"
CONSOLE = ROOT / "functions" / "console"


def claims(role: str | None, accounts: str = APP_ID, user: str = "ann") -> dict[str, Any]:
    """The claims API Gateway's JWT authorizer passes on (list claims flattened to "[a b]")."""
    out: dict[str, Any] = {
        "sub": f"sub-{user}",
        "cognito:username": user,
        "email": f"{user}@example.com",
        "custom:accounts": accounts,
        "token_use": "id",
    }
    if role:
        out["cognito:groups"] = f"[{role}]"
    return out


def console_event(
    method: str,
    path: str,
    who: Mapping[str, Any] | None,
    body: object | None = None,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload-2.0 event; `who` None means no authorizer context (no token)."""
    raw_path = quote(path)
    route = "ANY /console/api/{proxy+}" if path.startswith("/console/api/") else f"{method} {path}"
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "test",
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "pytest",
        },
        "requestId": "test",
        "routeKey": route,
        "stage": "$default",
        "time": "22/Nov/2026:10:00:00 +0000",
        "timeEpoch": 1_795_341_600_000,
    }
    if who is not None:
        context["authorizer"] = {"jwt": {"claims": dict(who), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": {"content-type": "application/json", "host": "localhost"},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = json.dumps(body, ensure_ascii=False)
    return event


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


Call = Callable[..., Answer]


@pytest.fixture
def console(stack: Settings, fake_clock: FakeClock) -> Iterator[Call]:
    """Call the console function: `console("GET", "/console/api/me", claims("viewer"))`."""
    import wxengage.wiring.console as wiring

    wiring.get_console.cache_clear()
    register(stack)
    register(stack, app_id=OTHER_APP_ID)
    handler = load_handler(CONSOLE, "app.lambda_handler")

    def call(
        method: str,
        path: str,
        who: Mapping[str, Any] | None,
        body: object | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Answer:
        result = handler(
            console_event(method, path, who, body, query), FakeLambdaContext("console")
        )
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return Answer(int(result["statusCode"]), headers, result.get("body") or "")

    yield call
    wiring.get_console.cache_clear()
