"""The webhook wired to this deployment's tables and secrets."""

from __future__ import annotations

from functools import cache

from wxengage.settings import get_settings
from wxengage.webhook.callbacks import Webhook


@cache
def get_webhook() -> Webhook:
    """The Webhook wired to this deployment's tables and secrets."""
    return Webhook(get_settings())
