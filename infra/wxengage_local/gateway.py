"""An HTTP gateway that serves the template's HttpApi routes with API Gateway's payload format 2.0."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import FunctionSpec

log = logging.getLogger("wxengage.local.gateway")
MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's own request limit


@dataclass(frozen=True)
class Route:
    """One `METHOD /path/{param}` route and the function behind it."""

    method: str
    path: str
    pattern: re.Pattern[str]
    function: FunctionSpec

    @classmethod
    def of(cls, method: str, path: str, function: FunctionSpec) -> Route:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        return cls(method=method, path=path, pattern=re.compile(f"^{regex}$"), function=function)


def http_api_event(
    route: Route,
    params: dict[str, str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """The event API Gateway HTTP API (payload format 2.0) hands a Lambda."""
    try:
        text: str | None = body.decode("utf-8") if body else None
        is_b64 = False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    route_key = f"{route.method} {route.path}"
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "queryStringParameters": query or None,
        "pathParameters": params or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


def http_response(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Map a Lambda result to HTTP the way API Gateway does for payload format 2.0."""
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        return int(result["statusCode"]), headers, raw
    # A bare value is JSON with status 200 (API Gateway's "inferred" format).
    return 200, {"content-type": "application/json"}, json.dumps(result).encode()


class Gateway:
    """Serves the routes on loopback; each request runs the handler in this process."""

    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        port: int = 3000,
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any] | None = None,
    ) -> None:
        self.routes = [Route.of(m, p, f) for f in functions.values() for m, p in f.http_routes]
        self._port = port
        self._invoke = invoke or invoke_in_process
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
        """Bind and serve in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_class(self))
        self._server.daemon_threads = True
        self._port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="http-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request in, one HTTP response out."""
        parts = urlsplit(target)
        if len(body) > MAX_PAYLOAD:
            return (
                413,
                {"content-type": "application/json"},
                b'{"message":"Request Entity Too Large"}',
            )
        found = self.match(method, parts.path)
        if found is None:
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        route, params = found
        event = http_api_event(
            route, params, method, parts.path, parts.query, headers, body, source_ip
        )
        try:
            return http_response(self._invoke(route.function, event))
        except Exception:
            log.exception("handler %s failed", route.function.logical_id)
            return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_PAYLOAD:
                self._send(
                    413,
                    {"content-type": "application/json"},
                    b'{"message":"Request Entity Too Large"}',
                )
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(
                *gateway.handle(self.command, self.path, headers, body, self.client_address[0])
            )

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            # Query strings carry signatures and echo strings: keep request lines out of logs.
            return

    return Handler
