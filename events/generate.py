"""Regenerate events/webhook/*.json: HTTP API payload-2.0 events signed for the sample account.

Run: .venv/bin/python events/generate.py   (the sample account is described in events/README.md)
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers/wxengage"))

from wxengage.wechat.crypto import MessageCrypto  # noqa: E402
from wxengage.wechat.envelope import seal_callback  # noqa: E402
from wxengage.wechat.signature import sha1_signature  # noqa: E402

# The public sample account from WeChat's own worked example (WECHAT.md V6): not a real secret.
SAMPLE = {"app_id": "wx134c8103faa5a59e", "token": "AAAAA", "aes_key": "A" * 43}
TS, NONCE = "1715943329", "1590219412"
OPENID = "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"
HEAD = (
    "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n"
    f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>\n<CreateTime>{TS}</CreateTime>\n"
)
BODIES = {
    "text": HEAD + "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>24345238971234567</MsgId>\n</xml>",
    "subscribe": HEAD
    + "<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[subscribe]]></Event>\n"
    "<EventKey><![CDATA[]]></EventKey>\n</xml>",
    "click": HEAD + "<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[CLICK]]></Event>\n"
    "<EventKey><![CDATA[MENU_ORDERS]]></EventKey>\n</xml>",
    "unsubscribe": HEAD
    + "<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[unsubscribe]]></Event>\n"
    "<EventKey><![CDATA[]]></EventKey>\n</xml>",
    "masssendjobfinish": HEAD + "<MsgType><![CDATA[event]]></MsgType>\n"
    "<Event><![CDATA[MASSSENDJOBFINISH]]></Event>\n<MsgID>1000001625</MsgID>\n"
    "<Status><![CDATA[send success]]></Status>\n<TotalCount>100</TotalCount>\n<FilterCount>80</FilterCount>\n"
    "<SentCount>75</SentCount>\n<ErrorCount>5</ErrorCount>\n</xml>",
}


def http_event(method: str, query: dict[str, str], body: str | None) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event for /wechat/{app_id}."""
    path = f"/wechat/{SAMPLE['app_id']}"
    return {
        "version": "2.0",
        "routeKey": f"{method} /wechat/{{app_id}}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": {
            "content-type": "text/xml",
            "host": "example.execute-api.us-east-1.amazonaws.com",
        },
        "queryStringParameters": query,
        "pathParameters": {"app_id": SAMPLE["app_id"]},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "example",
            "domainName": "example.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "101.226.103.0",
                "userAgent": "Mozilla/4.0",
            },
            "requestId": "sample-request",
            "routeKey": f"{method} /wechat/{{app_id}}",
            "stage": "$default",
            "timeEpoch": int(TS) * 1000,
        },
        "body": base64.b64encode(body.encode()).decode() if body is not None else None,
        "isBase64Encoded": body is not None,
    }


def main() -> None:
    out = ROOT / "events/webhook"
    out.mkdir(parents=True, exist_ok=True)
    crypto = MessageCrypto(SAMPLE["aes_key"], SAMPLE["app_id"])
    events: dict[str, dict[str, Any]] = {}
    verify = {
        "signature": sha1_signature(SAMPLE["token"], TS, NONCE),
        "timestamp": TS,
        "nonce": NONCE,
        "echostr": "4375120948345356249",
    }
    events["get-verify"] = http_event("GET", verify, None)
    for mode in ("plaintext", "compatible", "safe"):
        body, query = seal_callback(
            BODIES["text"],
            SAMPLE["token"],
            None if mode == "plaintext" else crypto,
            timestamp=TS,
            nonce=NONCE,
            compatible=mode == "compatible",
        )
        events[f"post-{mode}-text"] = http_event("POST", query | {"openid": OPENID}, body.decode())
    for kind in ("subscribe", "click", "unsubscribe", "masssendjobfinish"):
        body, query = seal_callback(
            BODIES[kind], SAMPLE["token"], crypto, timestamp=TS, nonce=NONCE
        )
        events[f"post-safe-{kind}"] = http_event("POST", query | {"openid": OPENID}, body.decode())
    for name, event in events.items():
        (out / f"{name}.json").write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(events)} events to {out}")


if __name__ == "__main__":
    main()
