"""An HTTP gateway serving the template's HttpApi routes with API Gateway's payload format 2.0."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request

from wxengage_local.handlers import invoke_in_process
from wxengage_local.http import LoopbackServer, PortInUseError, Reply, reply, target, unsupported
from wxengage_local.template import FunctionSpec

log = logging.getLogger("wxengage.local.gateway")
MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's request size limit
Invoke = Callable[[FunctionSpec, dict[str, Any]], Any]
_JSON = {"content-type": "application/json"}
_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
__all__ = ["Gateway", "PortInUseError", "Response", "Route", "http_api_event", "http_response"]

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class Response(NamedTuple):
    """An HTTP answer; each cookie becomes its own Set-Cookie header."""

    status: int
    headers: dict[str, str]
    body: bytes
    cookies: tuple[str, ...] = ()


def _message(status: int, text: str) -> Response:
    return Response(status, dict(_JSON), json.dumps({"message": text}).encode())


@dataclass(frozen=True)
class Route:
    """One `METHOD /path/{param}` route (or `{proxy+}`, or `$default`) and its function."""

    method: str
    path: str
    pattern: re.Pattern[str]
    function: FunctionSpec

    @classmethod
    def of(cls, method: str, path: str, function: FunctionSpec) -> Route:
        regex = re.escape(path)
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", regex)  # greedy {proxy+}
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", regex)
        if path == "$default":
            regex = ".*"
        return cls(method, path, re.compile(f"^{regex}$"), function)

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def rank(self) -> tuple[int, int, int, int]:
        """Sort key: API Gateway tries the most specific route first."""
        segments = [s for s in self.path.split("/") if s]
        return (
            self.path == "$default",
            any(s.endswith("+}") for s in segments),
            -sum(not s.startswith("{") for s in segments),  # more literal segments first
            self.method == "ANY",
        )


def http_api_event(
    route: Route,
    params: Mapping[str, str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """The event API Gateway HTTP API (payload format 2.0) hands a Lambda."""
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        # Format 2.0 joins repeated parameters (and headers) with commas.
        query[name] = f"{query[name]},{value}" if name in query else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": dict(headers),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": headers.get("host", "localhost").split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    # API Gateway leaves out what the request does not have.
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = {k: unquote(v) for k, v in params.items()}
    if cookies := [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()]:
        event["cookies"] = cookies
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def http_response(result: Any) -> Response:
    """Map a Lambda result to HTTP the way API Gateway does for payload format 2.0."""
    if isinstance(result, dict) and "statusCode" in result:
        try:
            status = int(result["statusCode"])
            body = result.get("body") or ""
            raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
            headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        except (TypeError, ValueError):
            # API Gateway answers a malformed proxy response with a 500.
            return _message(500, "Internal Server Error")
        cookies = tuple(str(c) for c in result.get("cookies") or ())
        return Response(status, headers, raw, cookies)
    # Anything else is the body of a 200 (API Gateway's "inferred" format); a string as is.
    body_text = result if isinstance(result, str) else json.dumps(result)
    return Response(200, dict(_JSON), body_text.encode())


class Gateway:
    """Serves the routes on loopback; each request runs its handler in this process."""

    def __init__(
        self, functions: Mapping[str, FunctionSpec], port: int = 3000, invoke: Invoke | None = None
    ) -> None:
        from wxengage_local.console_auth import LocalConsoleAuth

        # The console's sign-in and JWT authorizer, as Cognito and API Gateway do them on AWS.
        self.console_auth = LocalConsoleAuth()
        routes = [Route.of(m, p, f) for f in functions.values() for m, p in f.http_routes]
        self.routes = sorted(routes, key=Route.rank)
        self._port = port
        self._invoke = invoke or invoke_in_process
        self._server: LoopbackServer | None = None

    @property
    def port(self) -> int:
        return self._port

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for a request, with its path parameters."""
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method in (method, "ANY"):
                return route, found.groupdict()
        return None

    def start(self) -> None:
        """Bind (a taken port raises PortInUseError) and serve in a daemon thread."""
        self._server = LoopbackServer(self.wsgi, self._port, "HTTP gateway")
        self._server.start()
        self._port = self._server.port

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, source_ip: str
    ) -> Response:
        """One HTTP request in, one HTTP response out."""
        if len(body) > MAX_PAYLOAD:
            return _message(413, "Request Entity Too Large")
        parts = urlsplit(target)
        found = self.match(method, parts.path)
        if found is None:
            return _message(404, "Not Found")
        route, params = found
        verdict = self.console_auth.gate(method, parts.path, headers, body)
        if verdict.status:
            return Response(verdict.status, dict(_JSON), json.dumps(verdict.body).encode())
        event = http_api_event(
            route, params, method, parts.path, parts.query, headers, body, source_ip
        )
        if verdict.claims is not None:
            event["requestContext"]["authorizer"] = {
                "jwt": {"claims": verdict.claims, "scopes": None}
            }
        try:
            return http_response(self._invoke(route.function, event))
        except Exception:
            log.exception("handler %s failed", route.function.logical_id)
            return _message(500, "Internal Server Error")

    def wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The gateway as a WSGI app: one HTTP request in, one HTTP response out."""
        request = _Request(environ)
        if request.method not in _METHODS:
            return unsupported(request.method)(environ, start_response)
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            answer = _message(413, "Request Entity Too Large")
        else:
            headers: dict[str, str] = {}
            for key, value in request.headers.items():
                k = key.lower()
                headers[k] = f"{headers[k]},{value}" if k in headers else value
            answer = self.handle(
                request.method, target(request), headers, body, request.remote_addr or ""
            )
        return _wsgi_response(answer)(environ, start_response)


class _Request(Request):
    # A declared length over API Gateway's limit is refused before any of the body is read.
    max_content_length = MAX_PAYLOAD


def _wsgi_response(answer: Response) -> Reply:
    headers = [
        (name, value)
        for name, value in answer.headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]
    headers += [("Set-Cookie", cookie) for cookie in answer.cookies]
    return reply(answer.status, headers, answer.body)
