"""Why the webhook refused a request, as typed errors; functions/webhook/app.py maps them to HTTP."""

from __future__ import annotations

from typing import ClassVar


class WebhookRefusal(Exception):
    """A request the webhook refuses: nothing was written. `reason` is the metric's label."""

    reason: ClassVar[str] = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownApp(WebhookRefusal):
    """No account answers to that app_id (or it is not an AppID at all)."""

    reason = "unknown_app"


class BadQuery(WebhookRefusal):
    """The query string lacks a parameter WeChat always sends, or has one malformed."""

    reason = "bad_query"


class StaleTimestamp(WebhookRefusal):
    """The signed timestamp is further from now than the account's freshness allows."""

    reason = "stale_timestamp"


class BodyTooLarge(WebhookRefusal):
    """The body is over the deployment's size limit; it was not parsed."""

    reason = "too_large"


class PlaintextInSafeMode(WebhookRefusal):
    """An unencrypted callback to an account that WeChat only calls in safe mode."""

    reason = "plaintext_in_safe_mode"


class PlaintextInCompatibleMode(WebhookRefusal):
    """A plaintext-only callback to a compatible-mode account: WeChat always adds the ciphertext.

    Source: WeChat 消息加解密说明 (兼容模式: 公众平台发送消息内容将同时包括明文和密文, and the URL
    gains encrypt_type and msg_signature), so a POST without them did not come from WeChat.
    """

    reason = "plaintext_in_compatible_mode"


class FutureCreateTime(WebhookRefusal):
    """A CreateTime further ahead than WeChat's clock ever is: it would hold a window open."""

    reason = "bad_callback"


class InProgress(WebhookRefusal):
    """The same callback is still being applied by another delivery: WeChat should retry."""

    reason = "in_progress"
