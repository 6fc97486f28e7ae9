"""The gateway: payload format 2.0 events in, API Gateway's HTTP mapping out, over real HTTP."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest
import requests

from tests.local.conftest import WriteApp
from wxengage_local.gateway import Gateway, Response, http_response
from wxengage_local.template import FunctionSpec

# Echoes the event as JSON, or returns what the request asks for, or fails.
GATEWAY_APP = """
import base64, json

def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "crash":
        raise RuntimeError("boom")
    if mode == "bare":
        return {"ok": True}
    if mode == "text":
        return "plain words"
    if mode == "binary":
        return {"statusCode": 201, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True,
                "cookies": ["a=1; Path=/", "b=2"]}
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(event)}
"""


@pytest.fixture
def gateway(write_app: WriteApp) -> Iterator[Gateway]:
    """A gateway on a free port routing GET/POST /wechat/{app_id} and a static route."""
    folder = write_app("gw", GATEWAY_APP)
    spec = FunctionSpec(
        "Gw",
        folder,
        "app.handler",
        http_routes=(
            ("GET", "/wechat/{app_id}"),
            ("POST", "/wechat/{app_id}"),
            ("ANY", "/files/{path+}"),
        ),
    )
    gw = Gateway({"Gw": spec}, port=0)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()


def _url(gw: Gateway, path: str) -> str:
    return f"http://127.0.0.1:{gw.port}{path}"


def test_a_get_becomes_a_payload_2_event(gateway: Gateway) -> None:
    # When WeChat-style GET with a repeated query parameter and two cookies arrives
    resp = requests.get(
        _url(gateway, "/wechat/wx%201?signature=s&echostr=e&tag=a&tag=b"),
        headers={"X-Custom": "v", "Cookie": "c1=1; c2=2"},
        timeout=5,
    )
    # Then the handler saw the 2.0 shape API Gateway builds
    event = resp.json()
    assert resp.status_code == 200
    assert (event["version"], event["routeKey"]) == ("2.0", "GET /wechat/{app_id}")
    assert (event["rawPath"], event["pathParameters"]) == ("/wechat/wx%201", {"app_id": "wx 1"})
    assert event["rawQueryString"] == "signature=s&echostr=e&tag=a&tag=b"
    assert event["queryStringParameters"] == {"signature": "s", "echostr": "e", "tag": "a,b"}
    assert event["headers"]["x-custom"] == "v" and event["cookies"] == ["c1=1", "c2=2"]
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"], http["sourceIp"]) == (
        "GET",
        "/wechat/wx%201",
        "127.0.0.1",
    )
    assert "body" not in event and event["isBase64Encoded"] is False


def test_post_bodies_are_text_or_base64(gateway: Gateway) -> None:
    xml = "<xml><Content>你好</Content></xml>".encode()
    text = requests.post(_url(gateway, "/wechat/wx1"), data=xml, timeout=5).json()
    binary = requests.post(_url(gateway, "/wechat/wx1"), data=b"\xff\xfe\x00", timeout=5).json()
    assert (text["body"], text["isBase64Encoded"]) == (xml.decode(), False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (b"\xff\xfe\x00", True)


def test_a_greedy_route_takes_the_rest_of_the_path(gateway: Gateway) -> None:
    event = requests.delete(_url(gateway, "/files/a/b.txt"), timeout=5).json()
    assert (event["routeKey"], event["pathParameters"]) == (
        "ANY /files/{path+}",
        {"path": "a/b.txt"},
    )


def test_results_map_to_http_like_api_gateway(gateway: Gateway) -> None:
    bare = requests.get(_url(gateway, "/wechat/wx1?mode=bare"), timeout=5)
    text = requests.get(_url(gateway, "/wechat/wx1?mode=text"), timeout=5)
    binary = requests.get(_url(gateway, "/wechat/wx1?mode=binary"), timeout=5)
    assert (bare.status_code, bare.headers["content-type"], bare.json()) == (
        200,
        "application/json",
        {"ok": True},
    )
    assert (text.status_code, text.text) == (200, "plain words")
    assert (binary.status_code, binary.content, binary.headers["content-type"]) == (
        201,
        b"\x89PNG",
        "image/png",
    )
    assert binary.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2"]


def test_unknown_routes_crashes_and_big_bodies_get_api_gateway_errors(gateway: Gateway) -> None:
    unknown = requests.get(_url(gateway, "/nope"), timeout=5)
    wrong_method = requests.put(_url(gateway, "/wechat/wx1"), timeout=5)
    crash = requests.get(_url(gateway, "/wechat/wx1?mode=crash"), timeout=5)
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Not Found"})
    assert wrong_method.status_code == 404
    assert (crash.status_code, crash.json()) == (500, {"message": "Internal Server Error"})
    # A declared length over 10 MB is refused before any of the body is read.
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as conn:
        conn.sendall(b"POST /wechat/wx1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n")
        status_line = conn.recv(4096).split(b"\r\n")[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_malformed_proxy_result_is_a_500() -> None:
    assert http_response({"statusCode": "teapot"}).status == 500
    assert http_response({"statusCode": 204}) == Response(204, {}, b"")


def test_stop_releases_the_port_and_closes_idle_connections(write_app: WriteApp) -> None:
    # Given a gateway with a client holding a keep-alive connection open
    spec = FunctionSpec(
        "Gw", write_app("gw2", GATEWAY_APP), "app.handler", http_routes=(("GET", "/x"),)
    )
    gw = Gateway({"Gw": spec}, port=0)
    gw.start()
    port = gw.port
    client = requests.Session()
    assert client.get(f"http://127.0.0.1:{port}/x?mode=bare", timeout=5).ok
    # When it stops
    gw.stop()
    # Then the port can be bound again at once
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    client.close()
