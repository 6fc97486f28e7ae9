"""A webhook wired to in-memory fakes, on a clock the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support.callbacks import AES_KEY, APP_ID, APP_SECRET, TOKEN, WxAccount
from tests.unit.webhook.fakes import (
    FakeAccounts,
    FakeFollowers,
    FakeMassJobs,
    FakeRecalls,
    FakeRules,
    FakeStats,
    MemoryIdempotency,
)
from wxengage import clock
from wxengage.accounts import Account, AccountSecrets, AccountSettings, MessageMode
from wxengage.webhook.apply import CallbackApplier
from wxengage.webhook.once import OncePerCallback
from wxengage.webhook.receive import CallbackReceiver
from wxengage.webhook.verify import UrlVerification
from wxengage_local.handlers import FakeLambdaContext

NOW = 1_795_341_600  # 2026-11-22T10:00:00Z
PLAIN_APP_ID = "wxfedcba9876543210"


def account(app_id: str, mode: MessageMode, freshness_seconds: int = 300) -> Account:
    return Account(
        settings=AccountSettings(app_id=app_id, mode=mode, freshness_seconds=freshness_seconds),
        secrets=AccountSecrets.model_validate(
            {"token": TOKEN, "aes_key": AES_KEY, "app_secret": APP_SECRET}
        ),
    )


@dataclass
class World:
    """The webhook's use cases and every fake behind them."""

    accounts: FakeAccounts = field(
        default_factory=lambda: FakeAccounts(
            account(APP_ID, MessageMode.SAFE), account(PLAIN_APP_ID, MessageMode.PLAINTEXT)
        )
    )
    followers: FakeFollowers = field(default_factory=FakeFollowers)
    mass_jobs: FakeMassJobs = field(default_factory=FakeMassJobs)
    rules: FakeRules = field(default_factory=FakeRules)
    recalls: FakeRecalls = field(default_factory=FakeRecalls)
    stats: FakeStats = field(default_factory=FakeStats)
    idempotency: MemoryIdempotency = field(default_factory=MemoryIdempotency)
    max_body_bytes: int = 256 * 1024

    @property
    def safe(self) -> WxAccount:
        return WxAccount(APP_ID, TOKEN, AES_KEY, MessageMode.SAFE)

    @property
    def plain(self) -> WxAccount:
        return WxAccount(PLAIN_APP_ID, TOKEN, AES_KEY, MessageMode.PLAINTEXT)

    def verification(self) -> UrlVerification:
        return UrlVerification(self.accounts)

    def receiver(self) -> CallbackReceiver:
        applier = CallbackApplier(
            accounts=self.accounts,
            followers=self.followers,
            mass_jobs=self.mass_jobs,
            rules=self.rules,
            recalls=self.recalls,
            stats=self.stats,
        )
        once = OncePerCallback(self.idempotency, applier.apply)
        once.bind(FakeLambdaContext("WebhookFunction"))
        return CallbackReceiver(self.max_body_bytes, self.accounts, self.rules, once)


@pytest.fixture
def world() -> Iterator[World]:
    """Two accounts (safe and plaintext), empty stores, the clock at NOW."""
    clock.set_source(lambda: NOW)
    yield World()
    clock.set_source(None)
