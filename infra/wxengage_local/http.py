"""Loopback HTTP for the local stack: a WSGI app served threaded by werkzeug, started and stopped in a thread."""

from __future__ import annotations

import errno
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

# Callers fan out (sends, callbacks, load tests): the stock backlog of 5 reset most of a burst
# of 100 connects, and a dropped SYN costs its sender a 1-second retry.
BACKLOG = 1024
HOST = "127.0.0.1"


class PortInUseError(OSError):
    """A port the local stack wants is taken (the message says which and what for)."""

    def __init__(self, port: int, what: str) -> None:
        super().__init__(
            errno.EADDRINUSE,
            f"port {port} for the {what} is in use: stop what holds it or pick another port",
        )
        self.port = port

    def __str__(self) -> str:
        return str(self.strerror)


class QuietHandler(WSGIRequestHandler):
    """werkzeug's request handler with Nagle off and no request lines in the logs."""

    # Headers and body go out in separate writes: with Nagle on, a request can stall ~40 ms
    # waiting for the client's delayed ACK.
    disable_nagle_algorithm = True
    timeout = 60  # a connection that never sends its request gives its thread back after this

    def log(self, type: str, message: str, *args: Any) -> None:
        # Query strings carry signatures, tokens and secrets: keep request lines out of logs.
        return


class Reply(Response):
    """A werkzeug Response with no Content-Type unless one is given (as API Gateway does)."""

    default_mimetype = None


def status(code: int) -> str:
    """The status line's code and reason, spelt as http.server spells them."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} "


def reply(code: int, headers: list[tuple[str, str]], body: bytes) -> Reply:
    """A response with exactly these headers and body, and its Content-Length."""
    return Reply(body, status=status(code), headers=[*headers, ("Content-Length", str(len(body)))])


def unsupported(method: str) -> Reply:
    """What http.server answers a method it has no handler for."""
    text = BaseHTTPRequestHandler.error_message_format % {
        "code": 501,
        "message": f"Unsupported method ({method!r})",
        "explain": HTTPStatus.NOT_IMPLEMENTED.description,
    }
    # werkzeug adds the Connection: close http.server sent.
    return reply(501, [("Content-Type", "text/html;charset=utf-8")], text.encode())


def target(request: Request) -> str:
    """The request target exactly as the request line had it (path still percent-encoded)."""
    raw = str(request.environ.get("REQUEST_URI", ""))
    # WSGI hands strings over as latin-1 of their UTF-8 bytes; undo that.
    return raw.encode("latin-1").decode("utf-8", "surrogateescape")


def hang_up(request: Request) -> None:
    """Close the connection without an answer: the caller reads nothing at all."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            return  # the caller has hung up already


class LoopbackServer:
    """Serves one WSGI app on loopback, a thread per connection, from a daemon thread."""

    def __init__(
        self,
        app: Any,
        port: int,
        what: str,
        handler: type[WSGIRequestHandler] = QuietHandler,
    ) -> None:
        self._app = app
        self._port = port
        self._what = what
        self._handler = handler
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one once started on port 0)."""
        return self._port

    def start(self) -> None:
        """Bind (a taken port raises PortInUseError) and serve in a daemon thread."""
        listener = _listen(self._port, self._what)
        try:
            # werkzeug binds itself by printing and sys.exit(1) on a taken port: it gets our
            # bound, listening socket instead (and duplicates it).
            self._server = make_server(
                HOST,
                listener.getsockname()[1],
                self._app,
                threaded=True,
                request_handler=self._handler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()
        self._port = int(self._server.server_address[1])
        server = self._server
        self._thread = threading.Thread(
            # A short poll makes stop() quick (the default waits up to half a second).
            target=lambda: server.serve_forever(poll_interval=0.05),
            name=self._what.replace(" ", "-"),
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; safe when never started or stopped twice."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _listen(port: int, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(BACKLOG)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise PortInUseError(port, what) from None
        raise
    return sock
