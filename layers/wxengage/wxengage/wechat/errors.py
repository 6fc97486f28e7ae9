"""Why a WeChat callback was refused: each error has a metric reason and maps to an HTTP status."""

from __future__ import annotations


class CallbackError(Exception):
    """A callback we refuse. `reason` is a short snake_case label for metrics."""

    reason: str = "callback_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CallbackForbidden(CallbackError):
    """The request is not proven to come from WeChat: answer 403."""


class CallbackMalformed(CallbackError):
    """The request is WeChat's shape gone wrong, or an attack on the parser: answer 400."""


class CallbackTooLarge(CallbackError):
    """The body is larger than we are willing to parse: answer 413."""


class InvalidSignatureError(CallbackForbidden):
    """The query `signature` does not match our token."""

    reason = "bad_signature"


class InvalidMsgSignatureError(CallbackForbidden):
    """The `msg_signature` over Encrypt is missing or does not match."""

    reason = "bad_msg_signature"


class MalformedXmlError(CallbackMalformed):
    """The body is not well-formed XML of the expected shape."""

    reason = "malformed_xml"


class ForbiddenXmlError(CallbackMalformed):
    """The XML uses a DTD, entity declarations or external references."""

    reason = "forbidden_xml"


class XmlTooLargeError(CallbackTooLarge):
    """The XML is larger than the configured limit."""

    reason = "xml_too_large"


class InvalidBase64Error(CallbackMalformed):
    """Encrypt is not strict base64."""

    reason = "bad_base64"


class InvalidPaddingError(CallbackMalformed):
    """The decrypted frame does not end in valid PKCS#7 padding (block size 32)."""

    reason = "bad_padding"


class InvalidCiphertextError(CallbackMalformed):
    """The ciphertext or its decrypted frame is not what WeChat produces."""

    reason = "bad_ciphertext"


class AppIdMismatchError(CallbackMalformed):
    """The decrypted frame names another app id."""

    reason = "wrong_appid"


class MissingFieldError(CallbackMalformed):
    """A required callback field is missing or has the wrong type."""

    reason = "missing_field"


class InvalidEncodingAESKeyError(ValueError):
    """Configuration error: an EncodingAESKey must be 43 characters of [A-Za-z0-9]."""
