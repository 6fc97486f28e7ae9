"""The project's WeChat client: the wechat package's client with the DynamoDB token store."""

from __future__ import annotations

from wxengage.accounts import Account
from wxengage.settings import Settings
from wxengage.store.tokens import DynamoTokenStore
from wxengage.wechat.client import WeChatClient


def client_for(account: Account, settings: Settings) -> WeChatClient:
    """The one way the project builds a client: the shared token store and the configured base URL."""
    return WeChatClient(
        account.settings.app_id,
        account.secrets.app_secret,
        DynamoTokenStore(settings),
        base_url=settings.wechat_api_base,
        timeout=(3.05, settings.wechat_read_timeout),
    )
