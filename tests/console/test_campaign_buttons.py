"""The campaign page's action buttons in a real headless Chromium, on the local stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.console.test_browser import PASSWORD, browser, local, shots, sign_in, wait_for
from tests.support.callbacks import APP_ID
from wxengage.broadcast.schedule import plan_legs
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import Campaign, LegState, LegStatus
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
__all__ = ["browser", "local", "shots"]  # the fixtures, shared with test_browser.py


def _draft(
    settings: Settings, now: int, campaign_id: str, status: CampaignStatus = CampaignStatus.DRAFT
) -> Campaign:
    """A campaign (one group, tag 101, in two hours), a draft as the CLI's `create` leaves it."""
    send_at = datetime.fromtimestamp(now + 7200, UTC).isoformat()
    spec = CampaignSpec.model_validate(
        {
            "name": "十二月草稿",
            "groups": [
                {
                    "name": "vip",
                    "audience": {"tags": [101]},
                    "content": {"type": "mpnews", "media_id": "MA"},
                    "send_at": send_at,
                }
            ],
        }
    )
    campaign = Campaign(
        app_id=APP_ID,
        campaign_id=campaign_id,
        spec=spec,
        status=status,
        created_at=now,
        updated_at=now,
        legs=plan_legs(spec, "Asia/Shanghai", now),
    )
    assert CampaignStore(settings).create(campaign)
    return campaign


def test_an_operator_cancels_a_draft_and_a_viewer_sees_no_buttons(
    browser: Any,
    local: tuple[LocalRun, Settings],
    shots: Callable[[Any, str], Path],
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    run, settings = local
    base = run.stack.webhook_base_url
    now = int(time.time())
    draft = _draft(settings, now, "c00000000d01")
    page = f"{base}/console#/a/{APP_ID}/campaigns/{draft.campaign_id}"
    assert run.stack.gateway is not None
    run.stack.gateway.console_auth.issuer.add_user("zhao", "viewer", APP_ID, password=PASSWORD)

    # Given the operator li on the draft's page, which offers start and cancel only
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    browser.get(page)
    wait_for(browser, "main h2", "十二月草稿")
    wait_for(browser, "#act-start", "开始")
    assert not browser.find_elements(By.CSS_SELECTOR, "#act-send-now, #act-resume")
    shots(browser, "campaign-actions")
    # When they press cancel and accept the confirmation
    wait_for(browser, "#act-cancel", "取消").click()
    alert = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
    assert "十二月草稿" in alert.text
    alert.accept()
    # Then the page reloads the campaign: cancelled, said so, and no action left to offer
    wait_for(browser, "#campaign-notice", "活动已取消")
    wait_for(browser, "main .badge.st-cancelled", "已取消")
    assert not browser.find_elements(By.CSS_SELECTOR, "#campaign-actions button")
    assert CampaignStore(settings).get(APP_ID, draft.campaign_id).status is CampaignStatus.CANCELLED
    shots(browser, "campaign-cancelled")

    # Given a queued campaign whose leg is already sending (the engine got there first)
    busy = _draft(settings, now, "c00000000q01", CampaignStatus.QUEUED)
    leg = busy.legs[0]
    assert CampaignStore(settings).create(
        LegState(
            app_id=APP_ID,
            campaign_id=busy.campaign_id,
            key=leg.key,
            group=leg.group,
            kind=leg.kind,
            status=LegStatus.SENDING,
        )
    )
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/{busy.campaign_id}")
    wait_for(browser, "main .badge.st-queued")
    # When li cancels it
    wait_for(browser, "#act-send-now", "立即发送")
    wait_for(browser, "#act-cancel").click()
    WebDriverWait(browser, 10).until(expected_conditions.alert_is_present()).accept()
    # Then the API's refusal shows as text and the campaign is still queued
    wait_for(browser, "#campaign-notice.error", "is sending")
    wait_for(browser, "main .badge.st-queued")
    assert CampaignStore(settings).get(APP_ID, busy.campaign_id).status is CampaignStatus.QUEUED
    shots(browser, "campaign-refused")

    # Given a second draft, and zhao, a viewer of the same account, on its page
    second = _draft(settings, now, "c00000000d02")
    sign_in(browser, base, "zhao")
    wait_for(browser, "main h2", "概览")
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/{second.campaign_id}")
    # Then the campaign shows without any action button
    wait_for(browser, "main h2", "十二月草稿")
    wait_for(browser, "main .badge.st-draft")
    assert not browser.find_elements(By.CSS_SELECTOR, "#campaign-actions, #campaign-actions button")
    shots(browser, "campaign-viewer")
