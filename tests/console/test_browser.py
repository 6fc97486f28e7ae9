"""The console in a real headless Chromium, on the local stack, as an operator would use it.

Needs Chromium and chromedriver (Debian: chromium, chromium-driver; `make test` installs them
as root). Without them the tests skip, except in CI (CI=true), where they fail. Screenshots
go to the test run's tmp dir; with WXENGAGE_SCREENSHOTS=<dir> (docs/screenshots for README)
a copy of each main page goes there too.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import OTHER_APP_ID
from tests.console.seed import seed_campaign
from tests.support.callbacks import APP_ID, register
from wxengage.recall.quiet_hours import local_day
from wxengage.settings import Settings
from wxengage.store.followers import FollowerStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.windows import FollowerState, Opener
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
PASSWORD = "Local-test-password-1"  # the pool's policy: upper, lower, digit, 12+


def _missing(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {why} (make browser installs it)")
    pytest.skip(f"{why}: apt-get install chromium chromium-driver (or make browser as root)")


def _binary(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    return next((found for n in names if (found := shutil.which(n))), None)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium through its driver, 1280 x 900, Chinese fonts if installed."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed")
    chromium = _binary("WXENGAGE_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver = _binary("WXENGAGE_CHROMEDRIVER", "chromedriver")
    if not chromium or not driver:
        _missing("Chromium or chromedriver is missing")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    session = webdriver.Chrome(service=Service(driver), options=options)
    session.set_page_load_timeout(30)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRun, Settings]]:
    """The local stack with two accounts; the operator li may see only the first."""
    from tests.e2e.conftest import running_local_stack

    with running_local_stack("wxengage") as run:
        settings = Settings.from_stack_outputs(run.stack.outputs)
        register(settings)
        register(settings, app_id=OTHER_APP_ID)
        assert run.stack.gateway is not None
        issuer = run.stack.gateway.console_auth.issuer
        issuer.add_user("li", "operator", APP_ID, password=PASSWORD)
        issuer.add_user("wang", "viewer", OTHER_APP_ID, password=PASSWORD)
        yield run, settings


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], Path]:
    """Save a screenshot under the run's tmp dir (and WXENGAGE_SCREENSHOTS, if set)."""
    folder = tmp_path_factory.mktemp("console-screenshots")
    copy_to = os.environ.get("WXENGAGE_SCREENSHOTS")

    def shot(driver: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        driver.save_screenshot(str(path))
        if copy_to:
            Path(copy_to).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(copy_to) / path.name)
        return path

    return shot


def wait_for(driver: Any, css: str, text: str | None = None, timeout: float = 15) -> Any:
    """The first element matching `css` (holding `text`, if given), once it shows."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while True:
        try:
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed() and (text is None or text in element.text):
                    return element
        except StaleElementReferenceException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no {css!r} with {text!r} on {driver.current_url}")
        time.sleep(0.1)


def sign_in(driver: Any, base: str, user: str, password: str = PASSWORD) -> None:
    """Open the console fresh (nothing remembered) and sign in."""
    driver.get(f"{base}/console")
    driver.execute_script("sessionStorage.clear(); localStorage.clear();")
    driver.get("about:blank")  # a full load next, not a same-page hash change
    driver.get(f"{base}/console#/sign-in")
    wait_for(driver, "#username").send_keys(user)
    wait_for(driver, "#password").send_keys(password)
    wait_for(driver, "#sign-in-button").click()


def type_into(driver: Any, css: str, text: str) -> None:
    element = wait_for(driver, css)
    element.clear()
    element.send_keys(text)


def test_an_operator_signs_in_writes_a_rule_in_chinese_and_reads_the_numbers(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, settings = local
    base = run.stack.webhook_base_url
    now = int(time.time())
    seed_campaign(settings, now)
    # Given the operator li, granted one account, on the sign-in page (Chinese by default)
    browser.get(f"{base}/console")
    wait_for(browser, "#sign-in h2", "登录")
    shots(browser, "sign-in")
    # When they sign in
    sign_in(browser, base, "li")
    # Then the account's overview shows in Chinese with its health and today's funnel
    wait_for(browser, "main h2", "概览")
    wait_for(browser, "#health")
    wait_for(browser, "main", "十一月会员")  # the campaign in flight
    shots(browser, "overview")

    # When they write a rule named in Chinese with a lead WeChat's window cannot have
    wait_for(browser, "#nav-rules").click()
    wait_for(browser, "#rule-form")
    type_into(browser, "#name", "48小时召回")
    type_into(browser, "#lead_minutes", "5")
    type_into(browser, "#greeting", "好久不见，最近还好吗？")  # noqa: RUF001
    type_into(browser, "#guide", "点我领取本周优惠")
    type_into(browser, "#keyword", "领取优惠")
    type_into(browser, "#keyword_reply", "优惠券已发放，请在“我的”中查看。")  # noqa: RUF001
    wait_for(browser, "#save-rule").click()
    # Then the API's validation error shows next to the field, and nothing is saved
    wait_for(browser, "#error-lead_minutes", "须不小于 10")  # worded in the page's language
    assert "invalid" in wait_for(browser, "#field-lead_minutes").get_attribute("class")
    wait_for(browser, "#rule-errors", "lead_minutes")
    shots(browser, "rule-validation-error")

    # When they correct the lead
    type_into(browser, "#lead_minutes", "30")
    # Then the API accepts it and the preview shows the greeting and the blue guide link
    wait_for(browser, "#rule-notice", "规则可以保存")
    wait_for(browser, "#preview .bubble", "好久不见")
    wait_for(browser, "#preview .wx-link", "点我领取本周优惠")
    shots(browser, "rule-preview")
    # When they save
    wait_for(browser, "#save-rule").click()
    # Then the rule is listed, enabled, and the plan's cap is shown
    wait_for(browser, "#rule-notice", "规则已保存")
    wait_for(browser, "table", "48小时召回")
    wait_for(browser, "#cap", "已启用 1 条")
    shots(browser, "rules")

    # When they open its stats (counts on today's page of the account's calendar)
    stats = StatsStore(settings)
    today = local_day(now, "Asia/Shanghai")
    key = RuleStore(settings).get(APP_ID, "48小时召回").stats_key  # stats go by the rule's id
    counts = (("pending", 40), ("sent", 25), ("recalled", 9), ("skipped_holdout", 3))
    for counter, n in (*counts, ("recalled_holdout", 1)):
        stats.add(APP_ID, key, today, counter, n)
    wait_for(browser, "a.stats").click()
    # Then the chart and the table show the range, with a CSV download offered
    wait_for(browser, "#stats-chart")
    wait_for(browser, "main table", "25")
    wait_for(browser, "#csv")
    # And the holdout's lift: 36.0% sent vs 33.3% held out
    wait_for(browser, "#lift", "召回提升")
    wait_for(browser, "#lift", "+2.7pp")
    shots(browser, "rule-stats")

    # When they open the campaign and its A/B result
    wait_for(browser, "#nav-campaigns").click()
    wait_for(browser, "main table a", "十一月会员").click()
    # Then the legs and the chart with intervals show
    wait_for(browser, "svg.ab")
    wait_for(browser, "main", "12.00%")
    wait_for(browser, ".timeline", "实际发送")  # each leg's planned and actual send time
    shots(browser, "campaign")

    # When they look up a follower whose message opened a window an hour ago
    FollowerStore(settings).update(
        APP_ID,
        "o-follower-1",
        lambda state: FollowerState.model_validate(
            state.model_dump()
            | {
                "last_message_at": now - 3600,
                "window_opened_at": now - 3600,
                "window_opened_by": Opener.MESSAGE,
                "window_closes_at": now - 3600 + 48 * 3600,
                "messages_left": 5,
            }
        ),
    )
    wait_for(browser, "#nav-followers").click()
    type_into(browser, "#openid", "o-follower-1")
    wait_for(browser, "#look-up").click()
    # Then its window shows: opened by a message, closing in the account's zone, 5 left
    wait_for(browser, "#follower", "粉丝消息")
    wait_for(browser, "#follower", "(GMT+8)")
    shots(browser, "follower")

    # When they go back to the campaign and switch the language
    browser.back()
    browser.back()
    wait_for(browser, "svg.ab")
    wait_for(browser, "#lang-toggle").click()
    # Then the console speaks English, times stay in the account's zone
    wait_for(browser, "#nav-rules", "Recall rules")
    wait_for(browser, "main", "Time zone Asia/Shanghai")
    shots(browser, "campaign-en")
    wait_for(browser, "#lang-toggle", "中文").click()
    wait_for(browser, "#nav-rules", "召回规则")
    # And nothing on the way broke the Content-Security-Policy or threw
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not [p for p in problems if "Content Security Policy" in p or "Uncaught" in p], problems


def test_a_user_cannot_read_an_account_not_granted(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, _ = local
    base = run.stack.webhook_base_url
    # Given wang, a viewer of the other account only, signed in
    sign_in(browser, base, "wang")
    wait_for(browser, "main h2", "概览")
    assert APP_ID not in wait_for(browser, "#account-picker").text
    # When they open the first account's overview by its address
    browser.get(f"{base}/console#/a/{APP_ID}/overview")
    # Then the API refuses and the page says so
    wait_for(browser, "main .error", "没有权限")
    shots(browser, "forbidden")


def test_a_wrong_password_is_refused(browser: Any, local: tuple[LocalRun, Settings]) -> None:
    run, _ = local
    # Given the sign-in page
    # When li signs in with a wrong password
    sign_in(browser, run.stack.webhook_base_url, "li", "not-the-password")
    # Then the page says so and stays on sign-in
    wait_for(browser, "#sign-in-error", "用户名或密码错误")


def test_the_local_stack_serves_the_console_without_a_token_only_its_page(
    local: tuple[LocalRun, Settings],
) -> None:
    import requests

    run, _ = local
    base = run.stack.webhook_base_url
    # Given no token
    # When the page and an API route are asked for
    page = requests.get(f"{base}/console", timeout=10)
    api = requests.get(f"{base}/console/api/me", timeout=10)
    # Then the page comes with its CSP; the API is 401 at the gateway, as on AWS
    assert (
        page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    )
    assert api.status_code == 401 and api.json() == {"message": "Unauthorized"}
