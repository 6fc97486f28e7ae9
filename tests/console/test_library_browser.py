"""The library page and the rules page's deleted rules in a real headless Chromium, on the local stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.console.test_browser import browser, local, shots, sign_in, wait_for
from tests.support.callbacks import APP_ID
from wxengage.recall.rules import RecallRule
from wxengage.settings import Settings
from wxengage.wiring.rules import RuleChanges
from wxengage_cli.main import cli
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
__all__ = ["browser", "local", "shots"]  # the fixtures, shared with test_browser.py


def _sandbox_article(ident: str, title: str, source: str = "draft") -> None:
    """What an editor's draft looks like to WeChat: `wxengage sandbox articles add`."""
    result = CliRunner().invoke(
        cli,
        [
            *("sandbox", "articles", "add", "--app-id", APP_ID, "--source", source),
            *("--id", ident, "--title", title),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output


def test_an_operator_refreshes_the_library_and_sees_the_new_articles(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    from selenium.webdriver.support.ui import Select

    run, _ = local
    base = run.stack.webhook_base_url
    # Given two articles in WeChat that the synced copy does not hold yet
    _sandbox_article("media-lib-1", "十二月会员日")
    _sandbox_article("article-lib-2", "新品上市", source="published")
    # And the operator li on the library page (素材)
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    wait_for(browser, "#nav-library", "素材").click()
    wait_for(browser, "main h2", "素材")
    assert "十二月会员日" not in wait_for(browser, "#articles").text
    # When they keep the latest 500 and click refresh
    Select(wait_for(browser, "#articles-wanted")).select_by_value("500")
    wait_for(browser, "#refresh", "立即同步").click()
    # Then the page says it is refreshing, then lists both articles with their sources
    wait_for(browser, "#refresh-status", "同步")
    row = wait_for(browser, "#articles", "十二月会员日", timeout=60)
    assert "新品上市" in row.text and "草稿" in row.text and "已发布" in row.text
    assert "media-lib-1" in row.text
    # And the sync state shows the new time in the account's zone, the request done
    wait_for(browser, "#refresh-status", "同步完成于")
    assert "(GMT+8)" in wait_for(browser, "#articles-synced-at").text  # Asia/Shanghai
    assert Select(wait_for(browser, "#articles-wanted")).first_selected_option.text == "最新 500 篇"
    shots(browser, "library")


def test_the_rules_page_shows_a_deleted_rule_on_request(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    from selenium.webdriver.common.by import By

    run, settings = local
    base = run.stack.webhook_base_url
    # Given a rule deleted by the CLI's path (its history kept by id)
    changes = RuleChanges(settings)
    rule = RecallRule.model_validate(
        {
            "name": "旧版召回",
            "lead_minutes": 45,
            "content": {"kind": "custom", "replies": [{"type": "text", "text": "再见"}]},
        }
    )
    stored = changes.put_rule(APP_ID, rule).stored
    assert stored is not None
    changes.delete(APP_ID, "旧版召回")
    # And the operator li on the rules page, where it is not listed
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    wait_for(browser, "#nav-rules").click()
    wait_for(browser, "#show-deleted")
    assert not browser.find_elements(By.CSS_SELECTOR, ".deleted-rule")
    # When they tick "show deleted"
    wait_for(browser, "#show-deleted").click()
    # Then the deleted rule shows, marked, with its deletion time and no edit or enable button
    marked = wait_for(browser, ".deleted-rule", "旧版召回")
    assert "已删除" in marked.text and marked.get_attribute("data-rule-id") == stored.rule_id
    row = marked.find_element(By.XPATH, "./ancestor::tr")
    assert "删除于" in row.text
    assert not row.find_elements(By.CSS_SELECTOR, "button")
    shots(browser, "rules-deleted")
    # And its stats page opens by id
    row.find_element(By.CSS_SELECTOR, "a.stats").click()
    wait_for(browser, "main h2", "旧版召回")
    assert f"rules/by-id/{stored.rule_id}/stats" in browser.current_url
    wait_for(browser, "main h2 .deleted-mark", "删除于")
