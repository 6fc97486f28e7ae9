"""The console's HTTP surface: Powertools' resolver with validation, errors, security headers, the page.

Routes live in routes_*.py; every /console/api/ route checks the caller again (API Gateway's
JWT authorizer checked the token; the role and the account grant are checked here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from wxengage.accounts import AccountNotFoundError
from wxengage.broadcast.state import CampaignNotFoundError
from wxengage.console.auth import Caller, ForbiddenError, NotSignedInError, caller_from_claims
from wxengage.console.ports import ConsoleStores
from wxengage.console.signin import SignInPort
from wxengage.console.views import RangeError
from wxengage.errors import ConflictError
from wxengage.recall.rules import PlanCapError, RuleNotFoundError

if TYPE_CHECKING:
    from wxengage.broadcast.operations import Campaigns
    from wxengage.console.campaign_tools import CampaignTools
    from wxengage.console.routes_catalog import CatalogReader
    from wxengage.console.routes_designer import FollowerTagsReader
    from wxengage.console.routes_library import RefreshPort

API = "/console/api"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000",
}
_STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class NotFoundError(LookupError):
    """Nothing at that address for this account (404)."""


def _json(status: int, body: Mapping[str, Any]) -> Response[str]:
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False))


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    """The caller from the claims API Gateway's JWT authorizer put in the request context."""
    context = app.current_event.raw_event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims")
    return caller_from_claims(claims)


def path_param(value: str) -> str:
    """A path parameter as typed (the resolver matches on the raw, percent-encoded path)."""
    return unquote(value)


_LIMITS = {"min_length", "max_length", "gt", "ge", "lt", "le", "expected", "multiple_of"}


def _limits(ctx: object) -> dict[str, str | int | float]:
    """A validation error's limits (never the input, never an exception object)."""
    if not isinstance(ctx, Mapping):
        return {}
    return {
        k: v
        for k, v in ctx.items()
        if k in _LIMITS and isinstance(v, str | int | float) and not isinstance(v, bool)
    }


def _errors(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid(err: RequestValidationError) -> Response[str]:
        # Field-level messages; the input is never echoed back. `ctx` keeps the rule's own
        # figures (max_length, gt, expected, ...) so the page words the error in its language.
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": str(e.get("msg", "invalid")),
                "type": str(e.get("type", "")),
                "ctx": _limits(e.get("ctx")),
            }
            for e in err.errors()
        ]
        return _json(422, {"message": "invalid input", "errors": errors})

    @app.exception_handler(NotSignedInError)  # type: ignore[untyped-decorator]
    def unauthorised(err: NotSignedInError) -> Response[str]:
        return _json(401, {"message": str(err)})

    @app.exception_handler(ForbiddenError)  # type: ignore[untyped-decorator]
    def forbidden(err: ForbiddenError) -> Response[str]:
        return _json(403, {"message": str(err)})

    lookups = [AccountNotFoundError, RuleNotFoundError, CampaignNotFoundError, NotFoundError]

    @app.exception_handler(lookups)  # type: ignore[untyped-decorator]
    def not_found(err: LookupError) -> Response[str]:
        return _json(404, {"message": str(err)})

    @app.exception_handler([PlanCapError, ConflictError])  # type: ignore[untyped-decorator]
    def conflict(err: Exception) -> Response[str]:
        return _json(409, {"message": str(err)})

    @app.exception_handler(RangeError)  # type: ignore[untyped-decorator]
    def bad_range(err: RangeError) -> Response[str]:
        return _json(400, {"message": str(err)})


def _page(app: APIGatewayHttpResolver, static_dir: Path | None, signin: SignInPort | None) -> None:
    assets: dict[str, bytes] = {}
    if static_dir is not None and static_dir.is_dir():
        assets = {
            p.name: p.read_bytes()
            for p in static_dir.iterdir()
            if p.is_file() and _STATIC_NAME.match(p.name)
        }

    @app.get("/console", include_in_schema=False)
    def page() -> Response[str]:
        html = assets.get("index.html")
        if html is None:
            return _json(404, {"message": "the console's page is not in this build"})
        return Response(200, "text/html; charset=utf-8", html.decode("utf-8"))

    @app.get("/console/static/<name>", include_in_schema=False)
    def static(name: str) -> Response[str]:
        suffix = Path(name).suffix
        if name not in assets or suffix not in _STATIC_TYPES:
            return _json(404, {"message": "not found"})
        headers = {"Cache-Control": "no-cache"}
        return Response(200, _STATIC_TYPES[suffix], assets[name].decode("utf-8"), headers)

    @app.get(f"{API}/openapi.json", include_in_schema=False)
    def openapi() -> Response[str]:
        current_caller(app)
        doc = app.get_openapi_json_schema(title="wxengage console", version="1")
        return Response(200, "application/json", doc)

    if signin is not None:
        from wxengage.console.signin import register

        register(app, signin)


def build_api(
    stores: ConsoleStores,
    static_dir: Path | None = None,
    signin: SignInPort | None = None,
    now: Callable[[], float] | None = None,
    catalog: CatalogReader | None = None,
    campaign_actions: Campaigns | None = None,
    follower_tags: FollowerTagsReader | None = None,
    refresher: RefreshPort | None = None,
    campaign_tools: CampaignTools | None = None,
) -> APIGatewayHttpResolver:
    """The resolver with every console route (the catalog's when given its synced copy)."""
    from wxengage import clock
    from wxengage.console.resolver import ConsoleResolver
    from wxengage.console.routes_accounts import register as register_accounts
    from wxengage.console.routes_rules import register as register_rules

    app = ConsoleResolver()
    _errors(app)
    _page(app, static_dir, signin)
    clock_now = now or clock.now_ts
    register_accounts(app, stores, clock_now)
    register_rules(app, stores, clock_now)
    # Imported and registered when a request first needs them (cold start, see resolver.py).
    if catalog is not None:
        reader = catalog

        def catalog_routes() -> None:
            from wxengage.console.routes_catalog import register as register_catalog

            register_catalog(app, reader, stores.accounts)
            if refresher is not None:
                from wxengage.console.routes_library import register as register_library

                register_library(app, reader, stores.accounts, refresher, clock_now)

        app.defer(catalog_routes)
    if campaign_actions is not None:
        actions = campaign_actions

        def campaign_routes() -> None:
            from wxengage.console.routes_campaigns import register as register_campaign_actions

            register_campaign_actions(app, stores, actions)
            if catalog is not None and follower_tags is not None:
                from wxengage.console.routes_designer import register as register_designer

                register_designer(app, stores, actions, catalog, follower_tags)

        app.defer(campaign_routes)
    if campaign_tools is not None:
        tools = campaign_tools

        def tool_routes() -> None:
            from wxengage.console.routes_campaign_tools import register as register_tools

            register_tools(app, stores, tools, clock_now)

        app.defer(tool_routes)
    if stores.users is not None or stores.account_admin is not None:
        users, account_admin = stores.users, stores.account_admin

        def admin_routes() -> None:
            from wxengage.console.routes_admin import register as register_admin

            register_admin(app, stores.accounts, users, account_admin)

        app.defer(admin_routes)
    return app


def secure(result: dict[str, Any]) -> dict[str, Any]:
    """Security headers on every answer; API answers are never cached."""
    headers = dict(result.get("headers") or {})
    headers.update(SECURITY_HEADERS)
    headers.setdefault("Cache-Control", "no-store")
    result["headers"] = headers
    return result
