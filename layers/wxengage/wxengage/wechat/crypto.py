"""WeChat message encryption: AES-256-CBC with a framed plaintext and PKCS#7 padding to 32 bytes."""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxengage.wechat.errors import (
    AppIdMismatchError,
    InvalidBase64Error,
    InvalidCiphertextError,
    InvalidEncodingAESKeyError,
    InvalidPaddingError,
)

_KEY = re.compile(r"[A-Za-z0-9]{43}")
# WeChat pads to 32 bytes (the key size), not to the AES block size of 16.
PAD_BLOCK = 32
RANDOM_BYTES = 16
_LENGTH = struct.Struct(">I")
_HEADER = RANDOM_BYTES + _LENGTH.size


class MessageCrypto:
    """Encrypts and decrypts callback and reply bodies for one account."""

    __slots__ = ("_app_id", "_iv", "_key")

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        if not isinstance(encoding_aes_key, str) or not _KEY.fullmatch(encoding_aes_key):
            # Never echo the key: it is a secret even when it is the wrong shape.
            raise InvalidEncodingAESKeyError("EncodingAESKey must be 43 characters of [A-Za-z0-9]")
        self._key = base64.b64decode(encoding_aes_key + "=")
        self._iv = self._key[:16]
        self._app_id = app_id.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))

    def encrypt(self, message: str | bytes, random_prefix: bytes | None = None) -> str:
        """Encrypt a message into WeChat's base64 Encrypt value (random prefix for tests only)."""
        body = message.encode() if isinstance(message, str) else message
        prefix = secrets.token_bytes(RANDOM_BYTES) if random_prefix is None else random_prefix
        if len(prefix) != RANDOM_BYTES:
            raise ValueError(f"random_prefix must be {RANDOM_BYTES} bytes")
        frame = prefix + _LENGTH.pack(len(body)) + body + self._app_id
        pad = PAD_BLOCK - len(frame) % PAD_BLOCK
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(frame + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, encrypt: str) -> bytes:
        """Decrypt an Encrypt value and check its frame; return the message bytes (UTF-8)."""
        try:
            sealed = base64.b64decode(encrypt, validate=True)
        except ValueError:  # binascii.Error, or non-ASCII characters in a str
            raise InvalidBase64Error("Encrypt is not valid base64") from None
        if not sealed or len(sealed) % 16:
            raise InvalidCiphertextError(
                f"ciphertext is {len(sealed)} bytes, not a positive multiple of 16"
            )
        decryptor = self._cipher().decryptor()
        frame = decryptor.update(sealed) + decryptor.finalize()
        pad = frame[-1]
        if not 1 <= pad <= PAD_BLOCK or frame[-pad:] != bytes([pad]) * pad:
            raise InvalidPaddingError("decrypted frame has invalid padding")
        frame = frame[:-pad]
        if len(frame) < _HEADER:
            raise InvalidCiphertextError("decrypted frame is shorter than its header")
        (length,) = _LENGTH.unpack_from(frame, RANDOM_BYTES)
        end = _HEADER + length
        if end > len(frame):
            raise InvalidCiphertextError("message length field runs past the decrypted frame")
        if not hmac.compare_digest(frame[end:], self._app_id):
            raise AppIdMismatchError("decrypted frame is for another app id")
        message = frame[_HEADER:end]
        try:
            message.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidCiphertextError("decrypted message is not UTF-8") from None
        return message
