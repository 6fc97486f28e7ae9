"""The campaign page's tools in a real headless Chromium, on the local stack and its WeChat sandbox:
the plan, a preview to a WeChat ID, a reschedule in the account's zone, the CSV, taking offline."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.conftest import TEMPLATE
from tests.console.test_browser import PASSWORD, browser, local, shots, sign_in, wait_for
from tests.console.test_campaign_buttons import _draft
from tests.support.callbacks import APP_ID
from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.spec import CampaignStatus, MpNews, mass_message
from wxengage.broadcast.state import LegState, LegStatus
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.wiring.wechat import client_for
from wxengage_local.handlers import invoke_in_process
from wxengage_local.runner import LocalRun
from wxengage_local.template import LocalTemplate

pytestmark = pytest.mark.stack
__all__ = ["browser", "local", "shots"]  # the fixtures, shared with test_browser.py
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _followers_synced(run: LocalRun, settings: Settings, count: int) -> None:
    """`count` followers under tag 101 in the sandbox, and the sync function run once."""
    assert run.sandbox is not None
    for i in range(count):
        run.sandbox.state.put_follower(APP_ID, f"o-tools-{i:03d}", [101])
    spec = LocalTemplate(TEMPLATE).functions()["SyncFunction"]
    invoke_in_process(spec, {})
    state = CatalogStore(settings).state(APP_ID)
    assert state is not None and state.followers_total is not None


def _sent(run: LocalRun, settings: Settings, now: int) -> tuple[str, int]:
    """A campaign whose one news batch WeChat (the sandbox) accepted, as the engine records it."""
    assert run.sandbox is not None
    c = _draft(settings, now, "c0000000ts01", CampaignStatus.SUCCEEDED)
    leg = c.legs[0]
    content = MpNews(type="mpnews", media_id="MA")
    wechat = Settings.model_validate(settings.model_dump() | {"wechat_api_base": run.sandbox.url})
    client = client_for(AccountStore(settings).get(APP_ID), wechat)
    openids = [f"o-tools-{i:03d}" for i in range(4)]
    answer = client.message.send_mass(openids, mass_message(content), f"{c.campaign_id}-g0-0")
    store = CampaignStore(settings)
    assert store.create(
        LegState(
            app_id=APP_ID,
            campaign_id=c.campaign_id,
            key=leg.key,
            group=leg.group,
            kind=leg.kind,
            status=LegStatus.SUCCEEDED,
            content=content,
            sent=4,
            batches=1,
        )
    )
    assert store.create(
        BatchState(
            app_id=APP_ID,
            campaign_id=c.campaign_id,
            leg=leg.key,
            number=0,
            start=0,
            size=4,
            clientmsgid=f"{c.campaign_id}-g0-0",
            status=BatchStatus.SUBMITTED,
            submitted_at=now - 600,
            msg_id=int(answer["msg_id"]),
            msg_data_id=int(answer.get("msg_data_id") or answer["msg_id"]),
            result=BatchResult.SEND_SUCCESS,
            sent=4,
        )
    )
    return c.campaign_id, int(answer["msg_id"])


def test_an_operator_reads_the_plan_previews_and_a_viewer_sees_no_controls(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    run, settings = local
    base = run.stack.webhook_base_url
    now = int(time.time())
    # Given 30 followers under tag 101, synced, and a draft for tag 101 in two hours
    _followers_synced(run, settings, 30)
    draft = _draft(settings, now, "c0000000td01")
    page = f"{base}/console#/a/{APP_ID}/campaigns/{draft.campaign_id}"
    # When the operator li opens it
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    browser.get(page)
    # Then the day-by-day plan shows the one call for vip, from the synced counts
    wait_for(browser, "#plan", "受众人数按同步的粉丝数与标签人数估算")
    wait_for(browser, "#plan table", "vip")
    wait_for(browser, "#plan", "共 1 次调用")
    shots(browser, "campaign-plan")

    # When li previews the draft to a WeChat ID
    wait_for(browser, "#preview-to").send_keys("li_lei2026")
    wait_for(browser, "#preview-go").click()
    # Then the sandbox received one preview by towxname, and the page says so
    wait_for(browser, "#preview-result.good", "wxid:li_lei2026")
    assert run.sandbox is not None
    previews = [p for p in run.sandbox.mass.previews if p.get("towxname") == "li_lei2026"]
    assert len(previews) == 1 and previews[0]["media_id"] == "MA"
    shots(browser, "campaign-preview")
    # And a preview to an openid WeChat does not know shows WeChat's reason
    from selenium.webdriver.support.ui import Select

    Select(wait_for(browser, "#preview-by")).select_by_value("openid")
    to = wait_for(browser, "#preview-to")
    to.clear()
    to.send_keys("o-nobody")
    wait_for(browser, "#preview-go").click()
    wait_for(browser, "#preview-result.error", "40003")

    # When li presses start, the confirmation carries the plan; li declines
    wait_for(browser, "#act-start").click()
    alert = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
    assert "十二月草稿" in alert.text and "vip  1" in alert.text
    alert.dismiss()
    # Then nothing started
    assert CampaignStore(settings).get(APP_ID, draft.campaign_id).status is CampaignStatus.DRAFT

    # Given zhao, a viewer: the plan and the download, no preview or reschedule
    assert run.stack.gateway is not None
    run.stack.gateway.console_auth.issuer.add_user("zhao", "viewer", APP_ID, password=PASSWORD)
    sign_in(browser, base, "zhao")
    wait_for(browser, "main h2", "概览")
    browser.get(page)
    wait_for(browser, "#plan table", "vip")
    wait_for(browser, "#download-csv")
    assert not browser.find_elements(By.CSS_SELECTOR, "#preview, #reschedule, #offline")


def test_an_operator_reschedules_a_queued_leg_in_the_accounts_zone(
    browser: Any, local: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, settings = local
    base = run.stack.webhook_base_url
    now = int(time.time())
    # Given a queued campaign whose one leg waits for its time in two hours
    queued = _draft(settings, now, "c0000000tq01", CampaignStatus.QUEUED)
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/{queued.campaign_id}")
    at = wait_for(browser, "#reschedule-at")
    # Then the form offers the leg by its name, its time as Shanghai's wall clock (not the browser's)
    before = datetime.fromtimestamp(queued.legs[0].send_at, SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    assert at.get_attribute("value") == before
    wait_for(browser, "#reschedule-leg option", "vip")
    # When li moves vip to three hours from now, typed as Shanghai time
    from selenium.webdriver.support.ui import Select

    Select(wait_for(browser, "#reschedule-leg")).select_by_visible_text("vip")
    target = (now // 60 + 180) * 60
    wall = datetime.fromtimestamp(target, SHANGHAI)
    browser.execute_script("arguments[0].value = arguments[1]", at, wall.strftime("%Y-%m-%dT%H:%M"))
    shots(browser, "campaign-reschedule")
    wait_for(browser, "#reschedule-go").click()
    # Then the leg goes at that instant and the timeline shows its new Shanghai time
    wait_for(browser, "#campaign-notice", "已改期")
    assert CampaignStore(settings).get(APP_ID, queued.campaign_id).legs[0].send_at == target
    wait_for(browser, ".timeline", wall.strftime("%H:%M"))
    shots(browser, "campaign-rescheduled")

    # When li asks for a time WeChat's rules refuse (in the past)
    past = datetime.fromtimestamp(now - 3600, SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    browser.execute_script(
        "arguments[0].value = arguments[1]", wait_for(browser, "#reschedule-at"), past
    )
    wait_for(browser, "#reschedule-go").click()
    # Then the API's refusal shows and the time stays
    wait_for(browser, "#campaign-notice.error")
    assert CampaignStore(settings).get(APP_ID, queued.campaign_id).legs[0].send_at == target


def test_an_operator_downloads_the_article_data_and_takes_the_news_offline(
    browser: Any,
    local: tuple[LocalRun, Settings],
    shots: Callable[[Any, str], Path],
    tmp_path: Path,
) -> None:
    run, settings = local
    base = run.stack.webhook_base_url
    now = int(time.time())
    # Given a campaign whose news batch WeChat accepted
    _followers_synced(run, settings, 4)
    campaign_id, msg_id = _sent(run, settings, now)
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/{campaign_id}")
    # When li downloads the article data
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    wait_for(browser, "#download-csv").click()
    wait_for(browser, "#download-note", "已下载")
    saved = tmp_path / f"campaign-{campaign_id}-articles.csv"
    deadline = time.monotonic() + 15
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    # Then the file is UTF-8 with a BOM, a row for vip with its sent count and Shanghai time
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "sent_at (Asia/Shanghai)" in text and ",vip,group,succeeded," in text
    assert datetime.fromtimestamp(now - 600, SHANGHAI).strftime("%Y-%m-%d %H:%M") in text

    # When li asks to take the news offline
    wait_for(browser, "#offline-plan").click()
    # Then the plan lists the batch and its msg_id, and nothing is deleted yet
    wait_for(browser, "#offline-box table", str(msg_id))
    wait_for(browser, "#offline-box .warn", "凡发送过该图文的批次")
    assert run.sandbox is not None

    def job_status() -> str:
        found = requests.get(
            f"{run.sandbox.url}/_sandbox/masses?app_id={APP_ID}", timeout=10
        ).json()
        jobs = found["masses"] if isinstance(found, dict) else found
        return str(next(j for j in jobs if j["msg_id"] == msg_id)["status"])

    assert job_status() != "DELETE"
    shots(browser, "campaign-offline-plan")
    # When li confirms
    wait_for(browser, "#offline-confirm").click()
    # Then WeChat deleted the news and the batch shows taken offline
    wait_for(browser, "#campaign-notice", "已删除：1 个批次已下线")  # noqa: RUF001
    wait_for(browser, "details.leg summary").click()  # the leg's batches
    wait_for(browser, ".badge.st-offline", "已删除")
    assert job_status() == "DELETE"
    [batch] = CampaignStore(settings).batches(APP_ID, campaign_id, "g0")
    assert batch.offline_at is not None
    shots(browser, "campaign-offline")
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not [p for p in problems if "Content Security Policy" in p or "Uncaught" in p], problems
