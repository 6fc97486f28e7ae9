"""The library's refresh routes: the console asks the sync function (an asynchronous Lambda invoke,
run in-process by the local stack's hook) to sync one account now, WeChat being the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

from tests.conftest import TEMPLATE, FakeClock, _reset_process_caches
from tests.console.conftest import OTHER_APP_ID, Answer, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.catalog_refresh import RefreshStore
from wxengage.sync.refresh import REFRESH_LOST_SECONDS, REFRESH_QUIET_SECONDS
from wxengage_local.aws import physical_ids, stack_resolver
from wxengage_local.moto_patches import install_inprocess_lambda
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.template import FunctionSpec

BASE = f"/console/api/accounts/{APP_ID}"
REFRESH = f"{BASE}/catalog/refresh"


@dataclass
class Library:
    call: Call
    settings: Settings
    sandbox: WeChatSandbox
    invokes: list[str]

    def article(self, ident: str, title: str, updated: int) -> None:
        """A draft in WeChat's draft box (what `wxengage sandbox articles add` does)."""
        body = {"app_id": APP_ID, "source": "draft", "id": ident, "title": title}
        body |= {"update_time": updated}
        answer = requests.post(f"{self.sandbox.url}/_sandbox/articles", json=body, timeout=5)
        assert answer.status_code == 200, answer.text

    def settled(self, who: dict[str, Any]) -> dict[str, Any]:
        """The refresh status once no run is pending (the sync runs on its own thread)."""
        for _ in range(600):
            body: dict[str, Any] = self.call("GET", REFRESH, who).json()
            if body["refresh"] is None or body["refresh"]["status"] != "pending":
                return body
            time.sleep(0.05)
        raise AssertionError("the refresh never ended")


@pytest.fixture
def library(
    stack: Settings, console: Call, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Library]:
    """The console with the sync function deployed in moto and run in-process on invoke."""
    sandbox = WeChatSandbox(AccountStore(stack), "http://127.0.0.1:9", port=0)
    sandbox.start()
    session = boto3.Session()
    monkeypatch.setenv("WXENGAGE_WECHAT_API_BASE", sandbox.url)
    monkeypatch.setenv(
        "WXENGAGE_SYNC_FUNCTION_NAME", physical_ids(session, "wxengage")["SyncFunction"]
    )
    _reset_process_caches()
    resolve = stack_resolver(session, TEMPLATE, "wxengage")
    invokes: list[str] = []

    def counting(name: str) -> FunctionSpec | None:
        spec = resolve(name)
        if spec is not None:
            invokes.append(spec.logical_id)
        return spec

    uninstall = install_inprocess_lambda(counting)
    try:
        yield Library(console, stack, sandbox, invokes)
    finally:
        uninstall()
        sandbox.stop()


def test_an_operator_refresh_syncs_the_account_without_waiting_and_lands(
    library: Library,
) -> None:
    # Given two drafts in WeChat that the synced copy does not hold yet
    now = 1_795_341_600
    library.article("m-1", "会员日", now - 60)
    library.article("m-2", "新品", now - 3600)
    li = claims("operator")
    assert library.call("GET", f"{BASE}/articles", li).json()["articles"] == []
    # When the operator refreshes, keeping the latest 500
    answer = library.call("POST", REFRESH, li, {"articles": 500})
    # Then the answer is 202 at once, a request pending by li, the next one possible a minute on
    assert answer.status == 202
    asked = answer.json()
    assert (asked["accepted"], asked["requested_by"], asked["articles"]) == (True, "ann", 500)
    assert asked["requested_at"] == now
    assert asked["next_refresh_at"] == now + REFRESH_QUIET_SECONDS
    # And the run lands: the request done, the articles synced, the sync state says when
    settled = library.settled(li)
    assert settled["refresh"]["status"] == "done"
    assert settled["articles_synced_at"] == now and settled["articles_wanted"] == 500
    assert settled["timezone"] == "Asia/Shanghai" and settled["article_choices"] == [20, 500]
    titles = [a["title"] for a in library.call("GET", f"{BASE}/articles", li).json()["articles"]]
    assert titles == ["会员日", "新品"]
    assert library.invokes == ["SyncFunction"]


def test_a_second_click_within_a_minute_gets_the_standing_request(
    library: Library, fake_clock: FakeClock
) -> None:
    li = claims("operator")
    first = library.call("POST", REFRESH, li, {"articles": 20}).json()
    library.settled(li)
    # When the operator (or another) clicks again 30 seconds later
    fake_clock.advance(30)
    again = library.call("POST", REFRESH, claims("operator", user="bo"), {"articles": 500})
    # Then 202 with the first request, and no second run
    assert again.status == 202
    body = again.json()
    assert body["accepted"] is False
    assert (body["requested_at"], body["requested_by"]) == (first["requested_at"], "ann")
    assert library.invokes == ["SyncFunction"]
    # And once the quiet minute is over, a click starts a new run
    fake_clock.advance(REFRESH_QUIET_SECONDS - 30)
    later = library.call("POST", REFRESH, li, {"articles": 500}).json()
    assert later["accepted"] is True and later["articles"] == 500
    library.settled(li)
    assert library.invokes == ["SyncFunction", "SyncFunction"]


def test_a_request_no_run_answered_is_reported_lost(
    library: Library, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a request the store holds but no run ever answered (an invoke Lambda dropped)
    from wxengage.sync.refresh import RefreshRequest

    at = int(fake_clock.now)
    request = RefreshRequest(app_id=APP_ID, articles=20, requested_at=at, requested_by="ann")
    assert RefreshStore(library.settings).claim(request, REFRESH_QUIET_SECONDS) is None
    li = claims("viewer")
    assert library.call("GET", REFRESH, li).json()["refresh"]["status"] == "pending"
    # When the page looks again after the lost-after delay
    fake_clock.advance(REFRESH_LOST_SECONDS)
    # Then it reads lost
    assert library.call("GET", REFRESH, li).json()["refresh"]["status"] == "lost"


def _nothing_written(library: Library) -> None:
    assert RefreshStore(library.settings).get(APP_ID) is None
    assert CatalogStore(library.settings).state(APP_ID) is None
    assert library.invokes == []


@pytest.mark.parametrize(
    "body",
    [{"articles": 30}, {"articles": "500"}, {"articles": 500, "app_id": OTHER_APP_ID}, None],
)
def test_bad_input_is_refused_and_nothing_is_written(library: Library, body: object) -> None:
    answer = library.call("POST", REFRESH, claims("operator"), body)
    assert answer.status == 422
    assert answer.json()["message"] == "invalid input" and answer.json()["errors"]
    _nothing_written(library)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        (claims("viewer"), 403),
        (claims("operator", accounts=OTHER_APP_ID), 403),
    ],
)
def test_who_may_refresh(library: Library, who: dict[str, Any] | None, status: int) -> None:
    answer: Answer = library.call("POST", REFRESH, who, {"articles": 20})
    assert answer.status == status
    _nothing_written(library)


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), (claims("operator", accounts=OTHER_APP_ID), 403), (claims("viewer"), 200)],
)
def test_who_may_read_the_refresh_status(
    library: Library, who: dict[str, Any] | None, status: int
) -> None:
    answer = library.call("GET", REFRESH, who)
    assert answer.status == status
    if status == 200:
        assert answer.json()["refresh"] is None and answer.json()["last_run_at"] is None


def test_an_invoke_that_fails_leaves_nothing_pending(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment whose sync function cannot be invoked (no such function)
    import wxengage.wiring.console as wiring

    monkeypatch.setenv("WXENGAGE_SYNC_FUNCTION_NAME", "wxengage-no-such-function")
    wiring.get_console.cache_clear()
    # When the operator refreshes
    answer = library.call("POST", REFRESH, claims("operator"), {"articles": 20})
    # Then 503 with a reason, and no request left that no run would answer
    assert answer.status == 503
    assert answer.headers["retry-after"] == "60"
    assert "try again" in answer.json()["message"]
    assert RefreshStore(library.settings).get(APP_ID) is None


def test_the_console_may_invoke_the_sync_and_broadcast_functions_and_no_other() -> None:
    # Given the template after the SAM transform
    from tests.security.test_iam import statements, transformed

    cfn = transformed(0)
    # When the console role's statements that name a Lambda action are collected
    invoking = [
        s.body
        for s in statements(cfn)
        if s.where.startswith("ConsoleFunctionRole.")
        and any(str(a).startswith("lambda:") for a in _as_list(s.body.get("Action")))
    ]
    # Then there are two, InvokeFunction only: the library's refresh runs SyncFunction, the
    # campaign tools' preview and take-offline run BroadcastFunction (each named in the env)
    assert [_as_list(s["Action"]) for s in invoking] == [["lambda:InvokeFunction"]] * 2
    named = sorted(
        next(f for f in ("SyncFunction", "BroadcastFunction") if f in str(s["Resource"]))
        for s in invoking
    )
    assert named == ["BroadcastFunction", "SyncFunction"]
    env = cfn["Resources"]["ConsoleFunction"]["Properties"]["Environment"]["Variables"]
    assert env["WXENGAGE_SYNC_FUNCTION_NAME"] == {"Ref": "SyncFunction"}
    assert env["WXENGAGE_BROADCAST_FUNCTION_NAME"] == {"Ref": "BroadcastFunction"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
