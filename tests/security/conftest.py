"""Fixtures for the security tests: one stack per module with a plaintext and a safe-mode account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.support import PLAIN_APP_ID, SAFE_APP_ID, deployed_stack
from tests.support.callbacks import WxAccount, register
from wxengage.accounts import MessageMode
from wxengage.settings import Settings


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[Settings]:
    """template.yaml deployed into moto once for the whole module."""
    with deployed_stack() as settings:
        yield settings


@pytest.fixture(scope="module")
def accounts(shared_stack: Settings) -> dict[MessageMode, WxAccount]:
    """A plaintext-mode and a safe-mode account, registered as `wxengage accounts add` does."""
    return {
        MessageMode.PLAINTEXT: register(shared_stack, MessageMode.PLAINTEXT, app_id=PLAIN_APP_ID),
        MessageMode.SAFE: register(shared_stack, MessageMode.SAFE, app_id=SAFE_APP_ID),
    }
