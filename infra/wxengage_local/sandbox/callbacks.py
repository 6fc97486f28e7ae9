"""How the WeChat sandbox writes the callback XML WeChat would send, and reads the webhook's reply."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field

from wxengage.accounts import Account
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.errors import CallbackError
from wxengage.wechat.signature import sha1_signature
from wxengage.wechat.xml import cdata, parse_xml


class Action(StrEnum):
    """Follower actions the sandbox can play."""

    SAY = "say"  # a text message
    TAP = "tap"  # a tap on a smart-menu (msgmenu) option: a text with bizmsgmenuid
    FOLLOW = "follow"
    UNSUBSCRIBE = "unsubscribe"
    CLICK = "click"
    SCAN = "scan"


class PlayRequest(BaseModel):
    """One follower action to deliver to the webhook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(min_length=1)
    openid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    action: Action
    text: str = Field(default="", max_length=2048)
    key: str = Field(
        default="", max_length=128, description="menu EventKey, QR scene or msgmenu id"
    )
    create_time: int | None = Field(default=None, ge=0, description="backdated CreateTime")


def official_id(app_id: str) -> str:
    """A stable gh_ id for an app id: the sandbox's stand-in for the account's original id."""
    return "gh_" + hashlib.sha1(app_id.encode()).hexdigest()[:12]


def callback_xml(req: PlayRequest, create_time: int) -> str:
    """The plaintext callback XML for an action, as WeChat formats it (one element a line)."""
    head = [
        f"<ToUserName>{cdata(official_id(req.app_id))}</ToUserName>",
        f"<FromUserName>{cdata(req.openid)}</FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
    ]
    msg_id = str(secrets.randbits(63))
    body: list[str]
    if req.action in (Action.SAY, Action.TAP):
        body = ["<MsgType><![CDATA[text]]></MsgType>", f"<Content>{cdata(req.text)}</Content>"]
        if req.action is Action.TAP:
            body.append(f"<bizmsgmenuid>{escape(req.key)}</bizmsgmenuid>")
        body.append(f"<MsgId>{msg_id}</MsgId>")
    else:
        event, key = _event(req.action, req.key)
        body = [
            "<MsgType><![CDATA[event]]></MsgType>",
            f"<Event>{cdata(event)}</Event>",
            f"<EventKey>{cdata(key)}</EventKey>",
        ]
        if req.action in (Action.FOLLOW, Action.SCAN) and req.key:
            body.append(f"<Ticket>{cdata('sandbox-ticket-' + req.key)}</Ticket>")
    return "<xml>" + "\n".join(head + body) + "</xml>"


def _event(action: Action, key: str) -> tuple[str, str]:
    """Event name and EventKey for an event action."""
    if action is Action.FOLLOW:
        # A follow from a parametric QR code carries qrscene_<scene>; a plain follow has no key.
        return "subscribe", f"qrscene_{key}" if key else ""
    if action is Action.UNSUBSCRIBE:
        return "unsubscribe", ""
    if action is Action.CLICK:
        return "CLICK", key or "MENU_DEFAULT"
    return "SCAN", key or "1"


def account_crypto(account: Account) -> MessageCrypto | None:
    """The account's message crypto, or None when it has no AES key."""
    key = account.secrets.aes_key
    return MessageCrypto(key.get_secret_value(), account.settings.app_id) if key else None


def read_reply(
    text: str, token: str, crypto: MessageCrypto | None
) -> tuple[str | None, str | None]:
    """WeChat's view of a passive reply: plaintext, or verified and decrypted."""
    if text in ("", "success"):
        return None, None
    try:
        fields = parse_xml(text.encode())
        if "Encrypt" not in fields:
            return text, None
        if crypto is None:
            return None, "encrypted reply but the account has no aes key"
        expected = sha1_signature(token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if not secrets.compare_digest(expected, fields.get("MsgSignature", "")):
            return None, "reply MsgSignature does not verify"
        return crypto.decrypt(fields["Encrypt"]).decode(), None
    except (CallbackError, KeyError) as err:
        # WeChat shows the follower "this account cannot serve you right now".
        return None, f"unreadable reply: {err}"
