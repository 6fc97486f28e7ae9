"""The send path by account type and under the shared mass-call budget."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.unit.broadcast.conftest import CID, NOW, World, followers, text_spec
from tests.unit.broadcast.fakes import APP_ID, account
from wxengage import clock
from wxengage.accounts import AccountType, MassBudget
from wxengage.broadcast.budget import Slot, budget_day, budget_minute, next_day
from wxengage.broadcast.engine import Broadcast
from wxengage.broadcast.state import BatchStatus, LegStatus
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError

SENDALL = "/cgi-bin/message/mass/sendall"
MIDNIGHT = next_day(NOW)


class FakeBudget:
    """The store's semantics in memory: per-day and per-minute counters, all-or-none."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.given_back = 0

    def take(self, app_id: str, at: int, budget: MassBudget, *, sends_per_day: int | None) -> Slot:
        day, minute = budget_day(at), budget_minute(at)
        if self.counts[(day, "calls")] >= budget.calls_per_day:
            return Slot.DAY_FULL
        if self.counts[(day, minute)] >= budget.calls_per_minute:
            return Slot.MINUTE_FULL
        if sends_per_day is not None and self.counts[(day, "sends")] >= sends_per_day:
            return Slot.SEND_USED
        self.counts[(day, "calls")] += 1
        self.counts[(day, minute)] += 1
        if sends_per_day is not None:
            self.counts[(day, "sends")] += 1
        return Slot.TAKEN

    def give_back(self, app_id: str, at: int, *, send: bool) -> None:
        self.given_back += 1
        self.counts[(budget_day(at), "calls")] -= 1
        self.counts[(budget_day(at), budget_minute(at))] -= 1
        if send:
            self.counts[(budget_day(at), "sends")] -= 1

    def used(self, app_id: str, at: int) -> tuple[int, int]:
        day = budget_day(at)
        return self.counts[(day, "calls")], self.counts[(day, "sends")]


@pytest.fixture
def budget(world: World, monkeypatch: pytest.MonkeyPatch) -> FakeBudget:
    """The world's engine, with the budget plugged in."""
    fake = FakeBudget()

    def engine(self: World) -> Broadcast:
        return Broadcast(
            accounts=self.accounts,
            campaigns=self.campaigns,
            audiences=self.audiences,
            ledger=self.ledger,
            mass_jobs=self.mass_jobs,
            followers=self.followers,
            wechat=lambda _account: self.wechat,
            budget=fake,
        )

    monkeypatch.setattr(World, "engine", property(engine))
    return fake


def use(world: World, account_type: AccountType, **budget: int) -> None:
    acc = account(account_type)
    settings = acc.settings.model_dump() | {"mass": budget}
    world.accounts.account = acc.model_validate({"settings": settings, "secrets": acc.secrets})


def test_an_all_group_is_one_sendall_to_all_and_the_ledger_keeps_who_was_reached(
    world: World, budget: FakeBudget
) -> None:
    # Given a service account with 25,000 followers, 2 of them at this month's cap
    world.wechat.followers = followers(25_000)
    world.ledger.capped_by_period[f"{APP_ID}#2026-11"] = {"o000001", "o000004"}
    world.sending(text_spec("all"))
    # When the `all` group sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then WeChat got one sendall with is_to_all (kept in the history), no openid batch
    assert step.next == "results"
    assert world.wechat.sends == []
    assert [(flt, cid) for flt, _, cid in world.wechat.sendalls] == [
        ({"is_to_all": True}, f"{CID}-g0-1")
    ]
    # And the ledger records the audience snapshot less the capped followers, once
    ((period, openids, batch_id, cap, _),) = world.ledger.records
    assert (period, len(openids), batch_id, cap) == (f"{APP_ID}#2026-11", 24_998, f"{CID}-g0-1", 4)
    assert "o000001" not in openids
    (batch,) = world.batches("g0")
    assert (batch.size, batch.status) == (24_998, BatchStatus.SUBMITTED)
    assert budget.used(APP_ID, NOW) == (1, 0)


def test_a_subscription_tag_group_is_one_sendall_by_tag_counted_as_the_days_send(
    world: World, budget: FakeBudget
) -> None:
    use(world, AccountType.SUBSCRIPTION)
    world.wechat.tagged[7] = followers(5)
    world.sending(text_spec({"tags": [7]}))
    world.engine.send(APP_ID, CID, "g0")
    assert [flt for flt, _, _ in world.wechat.sendalls] == [{"is_to_all": False, "tag_id": 7}]
    assert world.wechat.sends == []
    assert budget.used(APP_ID, NOW) == (1, 1)


def test_a_subscription_leg_whose_day_is_used_continues_tomorrow_and_says_so(
    world: World, budget: FakeBudget
) -> None:
    # Given a subscription account whose send of the day another campaign already used
    use(world, AccountType.SUBSCRIPTION)
    budget.counts[(budget_day(NOW), "sends")] = 1
    world.wechat.tagged[7] = followers(5)
    world.sending(text_spec({"tags": [7]}))
    # When the leg sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then nothing reaches WeChat; the leg sleeps until 00:00 Beijing time and its status says why
    assert world.wechat.sendalls == []
    assert (step.next, step.wake_at) == ("wait", clock.iso_z(MIDNIGHT))
    leg = world.leg("g0")
    assert leg.status is LegStatus.SENDING
    assert leg.reason.startswith("the subscription account's one mass send of the day is used")
    assert "continues 2026-11-23 00:00 (Asia/Shanghai)" in leg.reason
    # And at midnight it goes
    world.clock.advance(MIDNIGHT - NOW)
    assert world.engine.send(APP_ID, CID, "g0").next == "results"
    assert len(world.wechat.sendalls) == 1


def test_a_leg_larger_than_the_days_budget_continues_tomorrow(
    world: World, budget: FakeBudget, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a budget of 2 calls a day and a leg of 3 openid batches
    use(world, AccountType.SERVICE, calls_per_day=2)
    monkeypatch.setattr("wxengage.broadcast.send.batch_bounds", lambda n: [(0, 2), (2, 2), (4, 2)])
    world.wechat.tagged[2] = followers(6)
    world.sending(text_spec({"tags": [2]}))
    # When it sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then two batches go today, the third waits for tomorrow and the leg says so
    assert len(world.wechat.sends) == 2
    assert step.wake_at == clock.iso_z(MIDNIGHT)
    assert "daily mass-call budget is used: continues 2026-11-23 00:00" in world.leg("g0").reason
    assert [b.status for b in world.batches("g0")] == [
        BatchStatus.SUBMITTED,
        BatchStatus.SUBMITTED,
        BatchStatus.PLANNED,
    ]
    world.clock.advance(MIDNIGHT - NOW)
    assert world.engine.send(APP_ID, CID, "g0").next == "results"
    assert len(world.wechat.sends) == 3


def test_a_full_minute_waits_for_the_next_minute(
    world: World, budget: FakeBudget, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another campaign already made this minute's calls but one
    use(world, AccountType.SERVICE, calls_per_minute=3)
    budget.counts[(budget_day(NOW), budget_minute(NOW))] = 2
    monkeypatch.setattr("wxengage.broadcast.send.batch_bounds", lambda n: [(0, 2), (2, 2)])
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec({"tags": [2]}))
    step = world.engine.send(APP_ID, CID, "g0")
    assert len(world.wechat.sends) == 1
    assert step.wake_at == clock.iso_z(NOW + 60)
    assert world.leg("g0").reason == ""  # a minute's wait is not news


def test_a_call_that_never_left_gives_its_slot_back_and_one_that_may_have_keeps_it(
    world: World, budget: FakeBudget
) -> None:
    world.wechat.tagged[2] = followers(4)
    world.sending(text_spec({"tags": [2]}))
    send = "/cgi-bin/message/mass/send"
    world.wechat.send_answers = [WeChatTransportError(send, maybe_delivered=False)]
    world.engine.send(APP_ID, CID, "g0")
    assert (budget.used(APP_ID, NOW), budget.given_back) == ((0, 0), 1)
    world.clock.advance(60)
    world.wechat.send_answers = [WeChatTransportError(send, maybe_delivered=True)]
    world.engine.send(APP_ID, CID, "g0")
    assert (budget.used(APP_ID, NOW + 60), budget.given_back) == ((1, 0), 1)


def test_wechats_own_45009_moves_the_batch_to_tomorrow_instead_of_failing_it(
    world: World, budget: FakeBudget
) -> None:
    # Given WeChat's day is used by sends outside this engine (the console, another tool)
    world.wechat.followers = followers(4)
    world.sending(text_spec("all"))
    world.wechat.send_answers = [WeChatApiError(45009, "reach max api daily quota limit", SENDALL)]
    step = world.engine.send(APP_ID, CID, "g0")
    (batch,) = world.batches("g0")
    assert (batch.status, batch.next_try_at, batch.errcode) == (BatchStatus.RETRY, MIDNIGHT, 45009)
    assert step.wake_at == clock.iso_z(MIDNIGHT)


def test_a_leg_held_by_the_day_sleeps_until_midnight_not_minute_by_minute(
    world: World, budget: FakeBudget, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a budget of 1 call a day and a leg of 4 batches
    use(world, AccountType.SERVICE, calls_per_day=1)
    monkeypatch.setattr(
        "wxengage.broadcast.send.batch_bounds", lambda n: [(i, 2) for i in range(0, n, 2)]
    )
    world.wechat.tagged[2] = followers(8)
    world.sending(text_spec({"tags": [2]}))
    # When it sends
    step = world.engine.send(APP_ID, CID, "g0")
    # Then one batch went and the leg sleeps until midnight (a wake a minute would fill its history)
    assert len(world.wechat.sends) == 1
    assert step.wake_at == clock.iso_z(MIDNIGHT)
