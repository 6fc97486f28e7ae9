"""The webhook's process-wide service object, built once per Lambda container."""

from __future__ import annotations

from functools import cache

from wxengage.domain.callbacks import Webhook
from wxengage.settings import get_settings


@cache
def get_webhook() -> Webhook:
    """The Webhook wired to this deployment's tables and secrets."""
    return Webhook(get_settings())
