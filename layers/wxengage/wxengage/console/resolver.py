"""The console's resolver: route groups a request does not need are imported and registered later.

A cold start answers its first request (the page, `/me`, an overview) without importing the
campaign actions' or the library's route modules and their models. A request no registered
route matches, and the OpenAPI document, register every deferred group first, in the order
given, so routes match exactly as if all were registered up front (all deferred routes are
dynamic, and Powertools tries dynamic routes in registration order, after static ones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class ConsoleResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver with validation, and route groups registered on need."""

    def __init__(self) -> None:
        super().__init__(enable_validation=True)
        self._deferred: list[Callable[[], None]] = []

    def defer(self, register: Callable[[], None]) -> None:
        """Run `register` (which adds routes) when a request first needs it."""
        self._deferred.append(register)

    def register_deferred(self) -> None:
        """Register every deferred group now, in the order deferred."""
        while self._deferred:
            self._deferred.pop(0)()

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        if self._deferred and not self._matched(event):
            self.register_deferred()
        return super().resolve(event, context)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        self.register_deferred()
        return super().get_openapi_schema(*args, **kwargs)

    def _matched(self, event: Mapping[str, Any]) -> bool:
        """Whether a registered route takes the request (Powertools' own matching, see _resolve)."""
        request = APIGatewayProxyEventV2(dict(event))
        method, path = request.http_method.upper(), request.path
        routes = [*self._static_routes, *self._dynamic_routes]
        return any(r.method == method and r.rule.match(path) for r in routes)
