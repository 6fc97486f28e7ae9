"""The mass-call budget in DynamoDB: shared by campaigns, conditional, given back, expiring."""

from __future__ import annotations

import boto3

from tests.conftest import FakeClock
from tests.support.callbacks import APP_ID
from wxengage.accounts import MassBudget
from wxengage.broadcast.budget import Slot
from wxengage.settings import Settings
from wxengage.store.mass_budget import KEEP_SECONDS, MassBudgetStore

NOW = 1_795_341_600  # 2026-11-22 18:00 Beijing
MIDNIGHT = 1_795_363_200


def items(settings: Settings) -> list[dict[str, object]]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings.ledger_table)
    return sorted(table.scan()["Items"], key=lambda i: str(i["openid"]))


def test_calls_are_counted_per_day_and_minute_and_refused_beyond_either(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given an account allowed 3 calls a day and 2 a minute, and two stores (two campaigns' tasks)
    budget = MassBudget(calls_per_day=3, calls_per_minute=2)
    one, two = MassBudgetStore(stack), MassBudgetStore(stack)
    # When they take calls in the same minute, then the next, then the next day
    same_minute = [one.take(APP_ID, NOW, budget, sends_per_day=None) for _ in range(2)]
    same_minute.append(two.take(APP_ID, NOW + 5, budget, sends_per_day=None))
    next_minute = [two.take(APP_ID, NOW + 60, budget, sends_per_day=None) for _ in range(2)]
    tomorrow = one.take(APP_ID, MIDNIGHT, budget, sends_per_day=None)
    # Then the minute's third call and the day's fourth are refused, tomorrow starts afresh
    assert same_minute == [Slot.TAKEN, Slot.TAKEN, Slot.MINUTE_FULL]
    assert next_minute == [Slot.TAKEN, Slot.DAY_FULL]
    assert tomorrow is Slot.TAKEN
    assert one.used(APP_ID, NOW) == (3, 0)
    assert one.used(APP_ID, MIDNIGHT) == (1, 0)
    # And a refused call counted nowhere: the minute items hold what was taken, with a TTL
    counts = {(i["period"], i["openid"]): int(str(i["n"])) for i in items(stack)}
    assert counts[(f"{APP_ID}#budget#2026-11-22", "mass#minute#18:00")] == 2
    assert counts[(f"{APP_ID}#budget#2026-11-22", "mass#minute#18:01")] == 1
    assert all(int(str(i["expires_at"])) >= NOW + KEEP_SECONDS for i in items(stack))


def test_a_subscription_account_gets_one_send_a_day(stack: Settings, fake_clock: FakeClock) -> None:
    store = MassBudgetStore(stack)
    takes = [store.take(APP_ID, NOW + i * 60, MassBudget(), sends_per_day=1) for i in range(2)]
    assert takes == [Slot.TAKEN, Slot.SEND_USED]
    assert store.used(APP_ID, NOW) == (1, 1)  # the refused one took no call either


def test_a_slot_given_back_is_free_again_and_never_goes_below_zero(
    stack: Settings, fake_clock: FakeClock
) -> None:
    store = MassBudgetStore(stack)
    budget = MassBudget(calls_per_day=1)
    assert store.take(APP_ID, NOW, budget, sends_per_day=1) is Slot.TAKEN
    store.give_back(APP_ID, NOW, send=True)
    store.give_back(APP_ID, NOW, send=True)  # a second give-back changes nothing
    assert store.used(APP_ID, NOW) == (0, 0)
    assert store.take(APP_ID, NOW, budget, sends_per_day=1) is Slot.TAKEN
    assert store.take(APP_ID, NOW, budget, sends_per_day=1) is Slot.DAY_FULL
