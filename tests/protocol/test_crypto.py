"""MessageCrypto: the V5 known answer, round trips, the 32-byte padding rule, hostile ciphertexts."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.errors import (
    AppIdMismatchError,
    InvalidBase64Error,
    InvalidCiphertextError,
    InvalidEncodingAESKeyError,
    InvalidPaddingError,
)

# V5 — encryption with a fixed random prefix (official Java sample)
V5_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
V5_APPID = "wxb11529c136998cb6"
V5_RANDOM = b"aaaabbbbccccdddd"
V5_PLAINTEXT = "我是中文abcd123"
V5_ENCRYPT = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)

CRYPTO = MessageCrypto(V5_KEY, V5_APPID)


def seal_frame(frame: bytes, key: str = V5_KEY) -> str:
    """Encrypt an arbitrary (already padded) frame, bypassing MessageCrypto's framing."""
    aes_key = base64.b64decode(key + "=")
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(frame) + encryptor.finalize()).decode()


def frame_of(message: bytes, app_id: bytes = V5_APPID.encode(), length: int | None = None) -> bytes:
    """16 random bytes + big-endian length + message + appid, unpadded."""
    size = len(message) if length is None else length
    return V5_RANDOM + struct.pack(">I", size) + message + app_id


def pad32(frame: bytes) -> bytes:
    pad = 32 - len(frame) % 32
    return frame + bytes([pad]) * pad


def test_v5_encrypt_with_fixed_prefix_gives_the_published_ciphertext() -> None:
    # Given the V5 key, appid and fixed random prefix
    # When the plaintext is encrypted
    encrypted = CRYPTO.encrypt(V5_PLAINTEXT, random_prefix=V5_RANDOM)
    # Then it is exactly the published base64
    assert encrypted == V5_ENCRYPT


def test_v5_decrypt_gives_the_plaintext() -> None:
    # Given the V5 ciphertext
    # When it is decrypted
    message = CRYPTO.decrypt(V5_ENCRYPT)
    # Then the UTF-8 plaintext comes back
    assert message.decode("utf-8") == V5_PLAINTEXT


@settings(max_examples=75, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
@example("")
def test_encrypt_then_decrypt_returns_any_unicode_message(message: str) -> None:
    # Given any Unicode message (random prefix each time)
    # When it is encrypted and decrypted
    sealed = CRYPTO.encrypt(message)
    # Then the same UTF-8 bytes come back
    assert CRYPTO.decrypt(sealed) == message.encode("utf-8")


def test_random_prefix_differs_between_encryptions() -> None:
    # Given the same message encrypted twice with fresh random prefixes
    # When the ciphertexts are compared / Then they differ
    assert CRYPTO.encrypt("same") != CRYPTO.encrypt("same")


def test_a_frame_already_a_multiple_of_32_gets_a_full_block_of_padding() -> None:
    # Given a message whose frame (16 + 4 + len + len(appid)) is exactly 64 bytes
    message = "x" * (64 - 16 - 4 - len(V5_APPID))
    # When it is encrypted
    sealed = CRYPTO.encrypt(message, random_prefix=V5_RANDOM)
    # Then 32 bytes of 0x20 were added (64 + 32 = 96 ciphertext bytes) and it round-trips
    assert len(base64.b64decode(sealed)) == 96
    assert sealed == seal_frame(frame_of(message.encode()) + b"\x20" * 32)
    assert CRYPTO.decrypt(sealed) == message.encode()


def test_a_zero_pad_byte_is_refused() -> None:
    # Given a frame padded to 64 bytes with zero bytes
    frame = frame_of(b"hello")
    padded = frame + b"\x00" * (64 - len(frame))
    # When it is decrypted / Then the padding is refused
    with pytest.raises(InvalidPaddingError) as info:
        CRYPTO.decrypt(seal_frame(padded))
    assert info.value.reason == "bad_padding"


def test_a_33_byte_pad_is_refused_even_when_consistent() -> None:
    # Given a valid 63-byte frame followed by 33 bytes of 0x21 (a consistent, over-long pad)
    frame = frame_of(b"m" * (63 - 16 - 4 - len(V5_APPID)))
    assert len(frame) == 63
    # When it is decrypted / Then only the 1..32 rule can refuse it, and it does
    with pytest.raises(InvalidPaddingError):
        CRYPTO.decrypt(seal_frame(frame + b"\x21" * 33))


def test_pad_bytes_that_disagree_are_refused() -> None:
    # Given a frame whose last byte says 5 but the byte before says 4
    frame = frame_of(b"hello")
    padded = frame + b"\x00" * (64 - len(frame) - 5) + b"\x04\x05\x05\x05\x05"
    # When it is decrypted / Then the padding is refused
    with pytest.raises(InvalidPaddingError):
        CRYPTO.decrypt(seal_frame(padded))


def test_truncated_ciphertext_is_refused() -> None:
    # Given the V5 ciphertext with its last 5 bytes cut off
    raw = base64.b64decode(V5_ENCRYPT)[:-5]
    # When it is decrypted / Then it is refused as a bad ciphertext
    with pytest.raises(InvalidCiphertextError) as info:
        CRYPTO.decrypt(base64.b64encode(raw).decode())
    assert info.value.reason == "bad_ciphertext"


def test_empty_encrypt_is_refused() -> None:
    # Given an empty Encrypt / When decrypted / Then it is a bad ciphertext
    with pytest.raises(InvalidCiphertextError):
        CRYPTO.decrypt("")


def test_frame_shorter_than_its_header_is_refused() -> None:
    # Given a padded frame holding only 8 bytes of content
    # When it is decrypted / Then it is a bad ciphertext, not an IndexError
    with pytest.raises(InvalidCiphertextError):
        CRYPTO.decrypt(seal_frame(pad32(b"12345678")))


def test_length_field_past_the_data_is_refused() -> None:
    # Given a frame whose length field claims 1000 bytes
    frame = pad32(frame_of(b"hello", length=1000))
    # When it is decrypted / Then it is a bad ciphertext
    with pytest.raises(InvalidCiphertextError):
        CRYPTO.decrypt(seal_frame(frame))


def test_non_utf8_message_is_refused() -> None:
    # Given a well-framed message that is not UTF-8
    frame = pad32(frame_of(b"\xff\xfe\xfd"))
    # When it is decrypted / Then it is a bad ciphertext
    with pytest.raises(InvalidCiphertextError):
        CRYPTO.decrypt(seal_frame(frame))


@pytest.mark.parametrize(
    "encrypt",
    ["not base64!!", V5_ENCRYPT[:-1], "中文", V5_ENCRYPT[:20] + "\n" + V5_ENCRYPT[20:]],
)
def test_bad_base64_is_refused(encrypt: str) -> None:
    # Given Encrypt with illegal characters, broken padding, non-ASCII text or a newline
    # When it is decrypted / Then it is refused as bad base64
    with pytest.raises(InvalidBase64Error) as info:
        CRYPTO.decrypt(encrypt)
    assert info.value.reason == "bad_base64"


def test_a_message_for_another_appid_is_refused() -> None:
    # Given a message encrypted with the same key for another app id
    other = MessageCrypto(V5_KEY, "wx0000000000000000")
    sealed = other.encrypt("hello")
    # When we decrypt it / Then the app id mismatch is caught
    with pytest.raises(AppIdMismatchError) as info:
        CRYPTO.decrypt(sealed)
    assert info.value.reason == "wrong_appid"


def test_an_appid_that_only_extends_ours_is_refused() -> None:
    # Given a frame whose trailing app id is ours plus one more character
    frame = pad32(frame_of(b"hello", app_id=V5_APPID.encode() + b"x"))
    # When we decrypt it / Then it is not mistaken for ours
    with pytest.raises(AppIdMismatchError):
        CRYPTO.decrypt(seal_frame(frame))


@pytest.mark.parametrize(
    "key",
    [V5_KEY[:-1], V5_KEY + "A", V5_KEY[:-1] + "+", V5_KEY[:-1] + "=", V5_KEY[:-1] + "٣", ""],
)
def test_malformed_encoding_aes_keys_are_a_configuration_error(key: str) -> None:
    # Given a key that is not 43 characters of [A-Za-z0-9]
    # When a MessageCrypto is built / Then it is refused without echoing the key
    with pytest.raises(InvalidEncodingAESKeyError) as info:
        MessageCrypto(key, V5_APPID)
    assert key not in str(info.value) or key == ""


def test_random_prefix_must_be_16_bytes() -> None:
    # Given a 15-byte prefix / When encrypting / Then it is a programming error
    with pytest.raises(ValueError, match="16 bytes"):
        CRYPTO.encrypt("hello", random_prefix=b"x" * 15)
