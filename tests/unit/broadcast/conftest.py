"""A broadcast engine over in-memory fakes, a pinned clock, and campaigns ready to run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.broadcast.fakes import (
    APP_ID,
    FakeAccounts,
    FakeAudiences,
    FakeCampaigns,
    FakeFollowers,
    FakeLedger,
    FakeMassJobs,
    FakeWeChat,
)
from wxengage import clock
from wxengage.broadcast.engine import Broadcast
from wxengage.broadcast.spec import CampaignSpec
from wxengage.broadcast.state import BatchState, Campaign, LegState

NOW = 1_795_341_600  # 2026-11-22T10:00:00Z, 18:00 in Asia/Shanghai
CID = "c0000000000a"
EXECUTION = "c0000000000a"


def text_spec(audience: Any = "all") -> dict[str, Any]:
    return {
        "name": "news",
        "groups": [
            {"name": "all", "audience": audience, "content": {"type": "text", "content": "hi"}}
        ],
    }


def ab_spec(no_winner: str = "stop", min_sent: int = 1) -> dict[str, Any]:
    """One tagged group, two 20% variants two hours ahead; the rest gets the winner."""
    at = clock.iso_z(NOW + 2 * 3600)
    return {
        "name": "ab",
        "groups": [
            {
                "name": "fans",
                "audience": {"tags": [2]},
                "ab_test": {
                    "variants": [
                        {"name": "a", "content": {"type": "mpnews", "media_id": "A"}, "ratio": 0.2, "send_at": at},
                        {"name": "b", "content": {"type": "mpnews", "media_id": "B"}, "ratio": 0.2, "send_at": at},
                    ],
                    "winner": {"min_sent": min_sent, "no_winner": no_winner},
                },
            }
        ],
    }  # fmt: skip


class Clock:
    """The engine's time source, moved by the test."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    clock: Clock
    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    campaigns: FakeCampaigns = field(default_factory=FakeCampaigns)
    audiences: FakeAudiences = field(default_factory=FakeAudiences)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    mass_jobs: FakeMassJobs = field(default_factory=FakeMassJobs)
    followers: FakeFollowers = field(default_factory=FakeFollowers)
    wechat: FakeWeChat = field(default_factory=FakeWeChat)

    @property
    def engine(self) -> Broadcast:
        return Broadcast(
            accounts=self.accounts,
            campaigns=self.campaigns,
            audiences=self.audiences,
            ledger=self.ledger,
            mass_jobs=self.mass_jobs,
            followers=self.followers,
            wechat=lambda _account: self.wechat,
        )

    def draft(self, spec: dict[str, Any]) -> Campaign:
        c = Campaign(
            app_id=APP_ID,
            campaign_id=CID,
            spec=CampaignSpec.model_validate(spec),
            created_at=NOW,
            updated_at=NOW,
        )
        assert self.campaigns.create(c)
        return c

    def prepared(self, spec: dict[str, Any]) -> Campaign:
        """A campaign segmented and prepared: its legs queued."""
        self.draft(spec)
        self.engine.segment(APP_ID, CID, EXECUTION)
        self.engine.prepare(APP_ID, CID)
        return self.campaign()

    def sending(self, spec: dict[str, Any], key: str = "g0") -> LegState:
        """A prepared campaign whose leg `key` reached its time and started sending."""
        self.prepared(spec)
        step = self.engine.check(APP_ID, CID, key)
        assert step.next == "send"
        return self.leg(key)

    def campaign(self) -> Campaign:
        return self.campaigns.get(APP_ID, CID)

    def leg(self, key: str) -> LegState:
        found = self.campaigns.leg(APP_ID, CID, key)
        assert found is not None
        return found

    def batches(self, key: str) -> list[BatchState]:
        return self.campaigns.batches(APP_ID, CID, key)


@pytest.fixture
def world() -> Iterator[World]:
    fake = Clock(NOW)
    clock.set_source(fake)
    yield World(clock=fake)
    clock.set_source(None)


def followers(n: int, prefix: str = "o") -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(n)]
