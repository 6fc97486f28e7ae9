"""Opening a WeChat callback request (verify, decrypt, parse) and sealing one (the inverse)."""

from __future__ import annotations

from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.errors import (
    InvalidCiphertextError,
    InvalidMsgSignatureError,
    MissingFieldError,
)
from wxengage.wechat.messages import Callback, parse_message
from wxengage.wechat.query import CallbackQuery
from wxengage.wechat.signature import sha1_signature, verify_msg_signature, verify_signature
from wxengage.wechat.xml import MAX_XML_BYTES, cdata, parse_xml

AES = "aes"
_CLOSE = "</xml>"

__all__ = ["AES", "CallbackQuery", "open_callback", "seal_callback"]


def open_callback(
    body: bytes,
    query: CallbackQuery,
    token: str,
    crypto: MessageCrypto | None,
    max_bytes: int = MAX_XML_BYTES,
) -> tuple[Callback, bool]:
    """Verify, decrypt and parse a callback; the bool says whether the reply must be encrypted."""
    # The query signature proves WeChat sent it, whatever the mode: check it before parsing.
    verify_signature(token, query.timestamp, query.nonce, query.signature)
    outer = parse_xml(body, max_bytes)
    if query.encrypt_type != AES:
        return parse_message(outer), False
    if query.msg_signature is None:
        raise InvalidMsgSignatureError("encrypt_type=aes but no msg_signature")
    encrypt = outer.get("Encrypt")
    if encrypt is None:
        raise MissingFieldError("encrypt_type=aes but the body has no Encrypt")
    # msg_signature before decrypting: unauthenticated CBC must not be a padding oracle.
    verify_msg_signature(token, query.timestamp, query.nonce, encrypt, query.msg_signature)
    if crypto is None:
        raise InvalidCiphertextError("the callback is encrypted but the account has no AES key")
    inner = parse_xml(crypto.decrypt(encrypt), max_bytes)
    return parse_message(inner), True


def seal_callback(
    xml: str,
    token: str,
    crypto: MessageCrypto | None,
    timestamp: str,
    nonce: str,
    compatible: bool = False,
) -> tuple[bytes, dict[str, str]]:
    """The body and query WeChat would send for callback XML: plaintext, safe or compatible."""
    query = {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    if crypto is None:
        if compatible:
            raise ValueError("compatible mode needs a MessageCrypto")
        return xml.encode(), query
    encrypt = crypto.encrypt(xml)
    query["encrypt_type"] = AES
    query["msg_signature"] = sha1_signature(token, timestamp, nonce, encrypt)
    encrypted = f"<Encrypt>{cdata(encrypt)}</Encrypt>"
    if compatible:
        # The plaintext children stay; Encrypt goes in as the last child.
        end = xml.rfind(_CLOSE)
        if end < 0:
            raise ValueError("callback XML must end with </xml>")
        return (xml[:end] + encrypted + xml[end:]).encode(), query
    to_user = parse_xml(xml).get("ToUserName", "")
    body = f"<xml><ToUserName>{cdata(to_user)}</ToUserName>{encrypted}</xml>"
    return body.encode(), query
