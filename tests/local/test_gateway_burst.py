"""The gateway under a burst: every one of 100 connections opened at once gets its answer."""

from __future__ import annotations

import socket
import threading

from tests.local.conftest import WriteApp
from wxengage_local.gateway import Gateway
from wxengage_local.template import FunctionSpec

CONNECTIONS = 100
SLOW_APP = """
import time

def handler(event, context):
    time.sleep(0.05)  # long enough for the connects to pile up in the listen queue
    return {"ok": True}
"""


def _ask(port: int, start: threading.Barrier, outcomes: list[str], i: int) -> None:
    start.wait()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(b"GET /burst HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        outcomes[i] = answer.split(b"\r\n", 1)[0].decode()
    except OSError as problem:
        outcomes[i] = type(problem).__name__


def test_a_burst_of_100_connections_is_answered_in_full(write_app: WriteApp) -> None:
    # Given a gateway whose handler takes a moment
    spec = FunctionSpec(
        "Slow", write_app("slow", SLOW_APP), "app.handler", http_routes=(("GET", "/burst"),)
    )
    gateway = Gateway({"Slow": spec}, port=0)
    gateway.start()
    try:
        # When 100 clients connect at the same moment
        outcomes = [""] * CONNECTIONS
        start = threading.Barrier(CONNECTIONS)
        clients = [
            threading.Thread(target=_ask, args=(gateway.port, start, outcomes, i))
            for i in range(CONNECTIONS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=60)
    finally:
        gateway.stop()
    # Then none was reset or refused: each got its 200
    assert outcomes == ["HTTP/1.1 200 OK"] * CONNECTIONS
