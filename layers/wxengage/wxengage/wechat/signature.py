"""WeChat's SHA-1 request signatures: the query `signature` and the `msg_signature` over Encrypt."""

from __future__ import annotations

import hashlib
import hmac

from wxengage.wechat.errors import InvalidMsgSignatureError, InvalidSignatureError


def sha1_signature(*parts: str) -> str:
    """Lowercase hex SHA-1 of the parts sorted as strings and joined with no separator."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _matches(expected: str, given: str) -> bool:
    # Compare bytes: compare_digest refuses non-ASCII str, and the given value is attacker input.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def verify_signature(token: str, timestamp: str, nonce: str, signature: str) -> None:
    """Check the query `signature`; raise InvalidSignatureError unless it matches."""
    if not _matches(sha1_signature(token, timestamp, nonce), signature):
        raise InvalidSignatureError("signature does not match the token")


def verify_msg_signature(
    token: str, timestamp: str, nonce: str, encrypt: str, msg_signature: str
) -> None:
    """Check `msg_signature` over Encrypt; raise InvalidMsgSignatureError unless it matches."""
    if not _matches(sha1_signature(token, timestamp, nonce, encrypt), msg_signature):
        raise InvalidMsgSignatureError("msg_signature does not match the token and Encrypt")
