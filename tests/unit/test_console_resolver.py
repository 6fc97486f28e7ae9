"""The console's resolver registers a deferred route group only when a request needs it."""

from __future__ import annotations

from typing import Any

from wxengage.console.resolver import ConsoleResolver
from wxengage_local.handlers import FakeLambdaContext


def _event(method: str, path: str) -> dict[str, Any]:
    http = {"method": method, "path": path, "sourceIp": "127.0.0.1", "protocol": "HTTP/1.1"}
    context = {"http": http, "requestId": "r", "routeKey": "$default", "stage": "$default"}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def _app() -> tuple[ConsoleResolver, list[str]]:
    app = ConsoleResolver()
    loaded: list[str] = []

    @app.get("/core/<name>")
    def core(name: str) -> dict[str, str]:
        return {"core": name}

    def later() -> None:
        loaded.append("later")

        @app.get("/core/<name>/later")
        def deferred(name: str) -> dict[str, str]:
            return {"later": name}

        # Would shadow /core/<name> if it were matched before the core route: it never is.
        @app.get("/<first>/<second>")
        def catch_all(first: str, second: str) -> dict[str, str]:
            return {"catch_all": first}

    app.defer(later)
    return app, loaded


def test_a_request_a_registered_route_takes_loads_nothing() -> None:
    app, loaded = _app()
    answer = app.resolve(_event("GET", "/core/x"), FakeLambdaContext("console"))
    assert answer["statusCode"] == 200 and "core" in answer["body"]
    assert loaded == []


def test_a_request_for_a_deferred_route_registers_the_group_once_then_matches_as_before() -> None:
    app, loaded = _app()
    later = app.resolve(_event("GET", "/core/x/later"), FakeLambdaContext("console"))
    core = app.resolve(_event("GET", "/core/y"), FakeLambdaContext("console"))
    missing = app.resolve(_event("GET", "/nothing/here/at/all"), FakeLambdaContext("console"))
    assert later["statusCode"] == 200 and '"later"' in later["body"]
    assert core["statusCode"] == 200 and '"core"' in core["body"]  # the core route still first
    assert missing["statusCode"] == 404
    assert loaded == ["later"]


def test_the_openapi_document_holds_the_deferred_routes() -> None:
    app, loaded = _app()
    paths = set(app.get_openapi_schema(title="t", version="1").paths or {})
    assert {"/core/{name}", "/core/{name}/later"} <= paths
    assert loaded == ["later"]
