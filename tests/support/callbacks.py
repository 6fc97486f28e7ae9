"""Test helpers: accounts, signed callbacks and HTTP API events for the webhook."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from wxengage.accounts import Account, AccountSecrets, AccountSettings, MessageMode
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import seal_callback

APP_ID = "wx0123456789abcdef"
TOKEN = "testToken42"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
APP_SECRET = "0123456789abcdef0123456789abcdef"
OPENID = "o-follower-1"


@dataclass(frozen=True)
class WxAccount:
    app_id: str
    token: str
    aes_key: str
    mode: MessageMode

    @property
    def crypto(self) -> MessageCrypto:
        return MessageCrypto(self.aes_key, self.app_id)


def register(
    settings: Settings,
    mode: MessageMode = MessageMode.SAFE,
    app_id: str = APP_ID,
    freshness_seconds: int = 300,
) -> WxAccount:
    """Register an account the way `wxengage accounts add` does."""
    AccountStore(settings).put(
        Account(
            settings=AccountSettings(app_id=app_id, mode=mode, freshness_seconds=freshness_seconds),
            secrets=AccountSecrets.model_validate(
                {"token": TOKEN, "aes_key": AES_KEY, "app_secret": APP_SECRET}
            ),
        )
    )
    return WxAccount(app_id=app_id, token=TOKEN, aes_key=AES_KEY, mode=mode)


def text_xml(
    openid: str = OPENID,
    create_time: int = 1_795_341_000,
    content: str = "hello",
    msg_id: int = 1001,
    extra: str = "",
) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>\n<CreateTime>{create_time}</CreateTime>\n"
        f"<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n{extra}"
        f"<MsgId>{msg_id}</MsgId>\n</xml>"
    )


def event_xml(
    event: str,
    openid: str = OPENID,
    create_time: int = 1_795_341_000,
    key: str = "",
    extra: str = "",
) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>\n<CreateTime>{create_time}</CreateTime>\n"
        f"<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[{event}]]></Event>\n"
        f"<EventKey><![CDATA[{key}]]></EventKey>\n{extra}</xml>"
    )


def message_xml(
    msg_type: str,
    fields: str,
    openid: str = OPENID,
    create_time: int = 1_795_341_000,
    msg_id: int = 2002,
) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>\n<CreateTime>{create_time}</CreateTime>\n"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>\n{fields}<MsgId>{msg_id}</MsgId>\n</xml>"
    )


def sealed(
    account: WxAccount, xml: str, timestamp: int, nonce: str = "271828"
) -> tuple[bytes, dict[str, str]]:
    """The body and query WeChat sends for `xml` in the account's mode."""
    crypto = None if account.mode is MessageMode.PLAINTEXT else account.crypto
    return seal_callback(
        xml,
        account.token,
        crypto,
        timestamp=str(timestamp),
        nonce=nonce,
        compatible=account.mode is MessageMode.COMPATIBLE,
    )


def http_event(
    method: str, app_id: str, query: dict[str, str], body: bytes | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event, as the gateway and AWS build it."""
    path = f"/wechat/{app_id}"
    return {
        "version": "2.0",
        "routeKey": f"{method} /wechat/{{app_id}}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": {"content-type": "text/xml"},
        "queryStringParameters": query,
        "pathParameters": {"app_id": app_id},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
            },
            "requestId": "test",
            "routeKey": f"{method} /wechat/{{app_id}}",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode() if body is not None else None,
        "isBase64Encoded": body is not None,
    }


def snapshot(settings: Settings) -> dict[str, list[str]]:
    """Every item of every table, to prove that a rejected request wrote nothing."""
    tables = [
        settings.accounts_table,
        settings.followers_table,
        settings.idempotency_table,
        settings.mass_jobs_table,
    ]
    out: dict[str, list[str]] = {}
    for table in tables:
        items = client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
        out[table] = sorted(json.dumps(i, sort_keys=True) for i in items)
    return out
