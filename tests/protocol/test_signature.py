"""Query signatures and msg_signature: the published vectors V1 and V2, and constant-time refusal."""

from __future__ import annotations

import pytest

from wxengage.wechat.errors import InvalidMsgSignatureError, InvalidSignatureError
from wxengage.wechat.signature import sha1_signature, verify_msg_signature, verify_signature

# V1 — plain signature (wechatpy tests/test_utils.py)
V1_TOKEN, V1_TIMESTAMP, V1_NONCE = "test", "1410685589", "test"
V1_SIGNATURE = "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"

# V2 — URL verification (official docs worked example), two pairs
V2_TOKEN = "AAAAA"
V2_PAIRS = [
    ("1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
    ("1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
]


def test_v1_signature_is_computed_and_accepted() -> None:
    # Given the V1 token, timestamp and nonce
    # When the signature is computed and the published one verified
    computed = sha1_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE)
    verify_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE, V1_SIGNATURE)
    # Then both agree with the vector
    assert computed == V1_SIGNATURE


def test_v1_signature_with_a_changed_last_byte_is_rejected() -> None:
    # Given the V1 signature with its last two hex digits changed to "fe"
    forged = V1_SIGNATURE[:-2] + "fe"
    # When it is verified / Then it is refused as a bad signature
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE, forged)
    assert info.value.reason == "bad_signature"


@pytest.mark.parametrize(("timestamp", "nonce", "signature"), V2_PAIRS)
def test_v2_url_verification_pairs_verify(timestamp: str, nonce: str, signature: str) -> None:
    # Given a V2 URL-verification pair
    # When its signature is computed and verified
    computed = sha1_signature(V2_TOKEN, timestamp, nonce)
    verify_signature(V2_TOKEN, timestamp, nonce, signature)
    # Then the computed value matches the published one
    assert computed == signature


def test_v2_signature_does_not_verify_under_another_token() -> None:
    # Given a valid V2 pair
    timestamp, nonce, signature = V2_PAIRS[0]
    # When it is verified against another token / Then it is refused
    with pytest.raises(InvalidSignatureError):
        verify_signature("AAAAB", timestamp, nonce, signature)


def test_parts_are_sorted_as_strings_not_numbers() -> None:
    # Given numeric-looking parts whose string order differs from their numeric order
    parts = ("9", "10", "token")
    # When signed in any order
    a, b = sha1_signature(*parts), sha1_signature(*reversed(parts))
    # Then both equal the SHA-1 of the string-sorted join "109token"
    assert a == b == sha1_signature("109token")


@pytest.mark.parametrize(
    "given", ["", "F21891DE399B4E33A1A93C9A7B8A8FFFB5A443FF", "签名", "\ud800"]
)
def test_odd_signatures_are_refused_not_crashed(given: str) -> None:
    # Given an empty, upper-case, non-ASCII or lone-surrogate signature
    # When verified / Then it is refused with InvalidSignatureError (never a TypeError)
    with pytest.raises(InvalidSignatureError):
        verify_signature(V1_TOKEN, V1_TIMESTAMP, V1_NONCE, given)


def test_msg_signature_covers_encrypt() -> None:
    # Given a msg_signature over some Encrypt value
    signature = sha1_signature("tok", "1", "2", "ENCRYPTED")
    # When verified with the same Encrypt it passes; with another it is refused
    verify_msg_signature("tok", "1", "2", "ENCRYPTED", signature)
    with pytest.raises(InvalidMsgSignatureError) as info:
        verify_msg_signature("tok", "1", "2", "ENCRYPTEE", signature)
    # Then the refusal carries its metric reason
    assert info.value.reason == "bad_msg_signature"
