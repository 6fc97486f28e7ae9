"""The checks every request passes before anything is read: a known account, a signed fresh query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError
from wxengage.webhook.errors import BadQuery, StaleTimestamp, UnknownApp
from wxengage.webhook.ports import Accounts
from wxengage.wechat.query import CallbackQuery
from wxengage.wechat.signature import verify_signature

_APP_ID = re.compile(r"wx[0-9A-Za-z]{16}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class WebhookAnswer:
    """The body WeChat gets with a 200, and its content type."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


def find_account(accounts: Accounts, app_id: str) -> Account:
    """The account the request is addressed to; UnknownApp when there is none."""
    if not _APP_ID.fullmatch(app_id):
        # Never a lookup key: an empty or 3 KB app_id would break DynamoDB's key rules.
        raise UnknownApp("no account for that app_id (not an AppID)")
    try:
        return accounts.get(app_id)
    except AccountNotFoundError as err:
        raise UnknownApp(str(err)) from None


def parse_query(query: dict[str, str], *, need_echostr: bool) -> CallbackQuery:
    """The signed query parameters; BadQuery when one is missing or malformed."""
    try:
        params = CallbackQuery.model_validate(query)
    except ValidationError as err:
        missing = ", ".join(str(e["loc"][0]) for e in err.errors(include_input=False))
        raise BadQuery(f"missing or invalid query parameters: {missing}") from None
    # ASCII digits only: str.isdigit() also accepts '¹⁷⁹⁵', which int() then refuses.
    if not _TIMESTAMP.fullmatch(params.timestamp):
        raise BadQuery("timestamp must be whole seconds")
    if need_echostr and "echostr" not in query:
        raise BadQuery("missing or invalid query parameters: echostr")
    return params


def check_fresh(account: Account, timestamp: str, now: float) -> None:
    """StaleTimestamp when the signed timestamp is further from `now` than the account allows."""
    limit = account.settings.freshness_seconds
    if limit and abs(now - int(timestamp)) > limit:
        raise StaleTimestamp(f"timestamp is more than {limit} s away from now")


class UrlVerification:
    """GET: the echo WeChat asks for when an account's server URL is configured."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def verify_url(self, app_id: str, query: dict[str, str]) -> WebhookAnswer:
        """Answer `echostr` exactly when the signature proves the request is WeChat's.

        Raises a WebhookRefusal, or InvalidSignatureError (a CallbackForbidden) on a bad signature.
        """
        account = find_account(self._accounts, app_id)
        params = parse_query(query, need_echostr=True)
        check_fresh(account, params.timestamp, clock.now_ts())
        verify_signature(
            account.secrets.token.get_secret_value(),
            params.timestamp,
            params.nonce,
            params.signature,
        )
        return WebhookAnswer(body=query["echostr"])
