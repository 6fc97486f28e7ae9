"""The local stack runs the sync function on the template's schedule, as EventBridge would."""

from __future__ import annotations

from tests.conftest import TEMPLATE
from tests.sync.conftest import SyncWorld
from wxengage.store.catalog import CatalogStore
from wxengage_local.handlers import invoke_in_process
from wxengage_local.template import LocalTemplate
from wxengage_local.ticker import Ticker, interval_seconds


def test_the_template_schedules_the_sync_every_15_minutes() -> None:
    # Given the template as the local stack reads it
    spec = LocalTemplate(TEMPLATE).functions()["SyncFunction"]
    # Then the function is there with its schedule, its code and a timeout that leaves it room
    assert spec.schedules == (("Every15Minutes", "rate(15 minutes)"),)
    assert interval_seconds(spec.schedules[0][1]) == 900
    assert spec.code_uri.name == "sync" and (spec.code_uri / "app.py").is_file()
    assert spec.timeout_s == 300


def test_the_local_ticker_fires_the_sync_with_its_scheduled_event(world: SyncWorld) -> None:
    # Given a follower tagged in WeChat and known to the engine
    world.wechat_follower("o-ann", [100])
    world.stored_follower("o-ann")
    functions = {"SyncFunction": LocalTemplate(TEMPLATE).functions()["SyncFunction"]}
    # When the local ticker fires the schedule as `wxengage local up` does
    ticker = Ticker(functions, invoke=invoke_in_process)
    assert ticker.tick_now() == 1
    # Then the run happened with the function's own context and synced the account
    assert (ticker.fired, ticker.failed) == (1, 0)
    assert [t.id for t in CatalogStore(world.settings).tags(world.app_id)] == [100]
    assert world.item("o-ann")["tag_ids"] == {"L": [{"N": "100"}]}  # type: ignore[index]
