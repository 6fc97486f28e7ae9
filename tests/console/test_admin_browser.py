"""The admin pages in a real headless Chromium on the local stack: a user made, signed in, refused
another account; account settings edited; and the ID token refreshed before it expires."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import OTHER_APP_ID
from tests.console.test_browser import PASSWORD, browser, local, shots, sign_in, type_into, wait_for
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
__all__ = ["browser", "local", "shots"]  # fixtures shared with test_browser.py
TOKEN_SECONDS = 8  # the page refreshes a quarter before expiry: after about 6 s
TOKEN_KEY = "wxengage.console.token"


@pytest.fixture(scope="module")
def admin_local(local: tuple[LocalRun, Settings]) -> tuple[LocalRun, Settings]:
    """The local stack with chen, admin of every account, and short-lived ID tokens."""
    import wxengage.wiring.console as wiring

    run, settings = local
    assert run.stack.gateway is not None
    issuer = run.stack.gateway.console_auth.issuer
    issuer.add_user("chen", "admin", "*", password=PASSWORD)
    issuer.token_seconds = TOKEN_SECONDS  # a setting of the local issuer; no hour-long wait
    wiring.get_console.cache_clear()  # this stack's pool, not an earlier stack's in this process
    return run, settings


def _token(driver: Any) -> str | None:
    value = driver.execute_script(f"return sessionStorage.getItem('{TOKEN_KEY}');")
    return str(value) if value else None


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_an_admin_creates_a_user_who_sees_only_their_account(
    browser: Any, admin_local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, settings = admin_local
    base = run.stack.webhook_base_url
    # Given chen, admin of every account, signed in
    sign_in(browser, base, "chen")
    wait_for(browser, "#nav-admin-users").click()
    # When chen creates zhou, an operator of one account
    wait_for(browser, "#create-user")
    type_into(browser, "#new-username", "zhou")
    type_into(browser, "#new-email", "zhou@example.com")
    browser.find_element("css selector", "#new-role option[value='operator']").click()
    browser.find_element("css selector", f"#new-accounts input[value='{APP_ID}']").click()
    wait_for(browser, "#create-user-button").click()
    # Then the temporary password is shown once, and zhou is listed waiting for a first sign-in
    temporary = wait_for(browser, "#temp-password").text.strip()
    assert len(temporary) >= 12
    wait_for(browser, "#users-list td", "zhou")
    wait_for(browser, "#users-list", "待首次登录改密")
    # (masked for the kept screenshot: no password, even a throwaway one, goes into the repo)
    browser.execute_script("document.getElementById('temp-password').textContent = '••••••••••••'")
    shots(browser, "admin-users")

    # When the ID token nears its expiry
    first = _token(browser)
    _until(lambda: _token(browser) not in (None, first), 4 * TOKEN_SECONDS, "a refreshed token")
    # Then the page has refreshed it and keeps working (a reload lists the users again)
    browser.refresh()
    wait_for(browser, "#users-list td", "zhou")
    # and a token the API refuses is refreshed once on the 401 rather than signing out
    browser.execute_script(f"sessionStorage.setItem('{TOKEN_KEY}', 'x.y.z');")
    browser.refresh()
    wait_for(browser, "#users-list td", "zhou")
    assert _token(browser) != "x.y.z"

    # When chen sets quiet hours for the account
    wait_for(browser, "#nav-admin-accounts").click()
    type_into(browser, f"[id='set-{APP_ID}-qh-start']", "22:00")
    type_into(browser, f"[id='set-{APP_ID}-qh-end']", "08:00")
    wait_for(browser, f"#save-{APP_ID}").click()
    # Then the page says from when it applies, and the account holds it (as `accounts set`)
    wait_for(browser, f"#saved-{APP_ID}", "生效")
    shots(browser, "admin-accounts")
    stored = AccountStore(settings).read_settings(APP_ID).quiet_hours
    assert stored is not None and (stored.start, stored.end) == ("22:00", "08:00")

    # When zhou signs in with the temporary password and sets their own
    wait_for(browser, "#sign-out").click()
    sign_in(browser, base, "zhou", temporary)
    wait_for(browser, "#new-password-row")
    type_into(browser, "#new-password", "Zhou-own-pass-1")
    wait_for(browser, "#sign-in-button").click()
    # Then zhou sees only the granted account, and no admin page
    wait_for(browser, "main h2", "概览")
    picker = [
        o.get_attribute("value")
        for o in browser.find_elements("css selector", "#account-picker option")
    ]
    assert picker == [APP_ID]
    assert not browser.find_elements("css selector", "#nav-admin-users")
    shots(browser, "admin-created-user")
    # and another account is refused
    browser.get(f"{base}/console#/a/{OTHER_APP_ID}/overview")
    wait_for(browser, ".error", "没有权限")
