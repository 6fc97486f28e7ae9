"""POST: a callback verified, decrypted and parsed, applied once, and answered as WeChat expects."""

from __future__ import annotations

from wxengage import clock
from wxengage.accounts import Account, MessageMode
from wxengage.observability import count
from wxengage.webhook.errors import (
    BodyTooLarge,
    FutureCreateTime,
    PlaintextInCompatibleMode,
    PlaintextInSafeMode,
)
from wxengage.webhook.ports import Accounts, Once, Rules
from wxengage.webhook.records import record_for
from wxengage.webhook.reply_policy import keyword_reply
from wxengage.webhook.verify import WebhookAnswer, check_fresh, find_account, parse_query
from wxengage.wechat import messages as m
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import open_callback
from wxengage.wechat.replies import render_encrypted_reply, render_reply

SUCCESS = "success"
# Plaintext mode signs only the query: a forged far-future CreateTime would hold a window open
# for ever. WeChat's own clock is never this far ahead.
FUTURE_SKEW_SECONDS = 300


class CallbackReceiver:
    """The webhook's POST use case: one instance per Lambda container, ports injected."""

    def __init__(self, max_body_bytes: int, accounts: Accounts, rules: Rules, once: Once) -> None:
        self._max_body_bytes = max_body_bytes
        self._accounts = accounts
        self._rules = rules
        self._once = once

    def receive(self, app_id: str, query: dict[str, str], body: bytes) -> WebhookAnswer:
        """Verify, decrypt and parse the callback, apply it once, answer WeChat.

        Raises a WebhookRefusal, or the protocol's CallbackError, when it refuses the request.
        """
        if len(body) > self._max_body_bytes:
            raise BodyTooLarge(f"body is {len(body)} bytes; the limit is {self._max_body_bytes}")
        account = find_account(self._accounts, app_id)
        params = parse_query(query, need_echostr=False)
        check_fresh(account, params.timestamp, clock.now_ts())
        token = account.secrets.token.get_secret_value()
        crypto = _crypto(account)
        callback, encrypted = open_callback(body, params, token, crypto, self._max_body_bytes)
        _check_encrypted(account.settings.mode, encrypted)
        if callback.create_time > clock.now_ts() + FUTURE_SKEW_SECONDS:
            raise FutureCreateTime("CreateTime is in the future (more than 5 minutes ahead)")
        count("CallbacksReceived", type=callback.kind)
        record = record_for(app_id, callback)
        if record is not None and self._once(record).replayed:
            count("CallbacksDuplicate")
        reply = (
            keyword_reply(self._rules.cached(app_id), callback.content)
            if isinstance(callback, m.TextMessage)
            else None
        )
        if reply is None:
            return WebhookAnswer(body=SUCCESS)
        xml = render_reply(
            reply,
            to_user=callback.from_user,
            from_user=callback.to_user,
            create_time=int(clock.now_ts()),
        )
        if encrypted and crypto is not None:
            xml = render_encrypted_reply(xml, crypto, token, params.timestamp, params.nonce)
        return WebhookAnswer(body=xml, content_type="application/xml; charset=utf-8")


def _check_encrypted(mode: MessageMode, encrypted: bool) -> None:
    """Refuse a plaintext-only callback to an account WeChat calls with ciphertext."""
    if encrypted or mode is MessageMode.PLAINTEXT:
        return
    if mode is MessageMode.SAFE:
        raise PlaintextInSafeMode("the account is in safe mode but the callback is not encrypted")
    raise PlaintextInCompatibleMode(
        "the account is in compatible mode but the callback carries no ciphertext"
        " (WeChat sends both plaintext and Encrypt in that mode)"
    )


def _crypto(account: Account) -> MessageCrypto | None:
    key = account.secrets.aes_key
    return MessageCrypto(key.get_secret_value(), account.settings.app_id) if key else None
