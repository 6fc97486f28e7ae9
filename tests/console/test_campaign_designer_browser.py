"""The campaign designer in a real headless Chromium, on the --warp local stack: an operator
designs an A/B campaign with a comparison group from synced articles, starts it, and reads the
winner once the virtual clock has carried it through the variants, the night and the winner send."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from click.testing import CliRunner

from tests.console.test_browser import PASSWORD, browser, shots, sign_in, type_into, wait_for
from tests.support import cli_output
from tests.support.callbacks import APP_ID, APP_SECRET, register
from wxengage.broadcast.spec import CampaignStatus, MpNews
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.main import cli
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
__all__ = ["browser", "shots"]  # the fixtures, shared with test_browser.py

ZONE = ZoneInfo("Asia/Shanghai")
MEMBERS, OTHERS = 300, 100
ARTICLES = {  # media_id: (title, digest, read rate WeChat will report the next morning)
    "MEDIA_TEA_A": ("冬季新茶上市", "今年的第一批冬茶", 0.05),
    "MEDIA_TEA_B": ("会员专享 买一送一", "仅限本周", 0.30),
    "MEDIA_TEA_C": ("本周店铺动态", "新店开业", 0.10),
}


@pytest.fixture(scope="module")
def warped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRun, Settings]]:
    """The warped local stack, paused while the operator sets up; li operates the one account.

    The CLI runs in this process, where the engine already reads the stack's virtual clock (see
    tests/e2e/test_warp_recall.py: its "follow the sandbox's clock" step is not wanted here)."""
    from tests.e2e.conftest import running_local_stack

    mp = pytest.MonkeyPatch()
    mp.setattr("wxengage_cli.main.follow_local_clock", lambda: None)
    with running_local_stack("wxengage", warp=True, paused=True) as run:
        settings = Settings.from_stack_outputs(run.stack.outputs)
        register(settings)
        assert run.stack.gateway is not None
        issuer = run.stack.gateway.console_auth.issuer
        issuer.add_user("li", "operator", APP_ID, password=PASSWORD)
        issuer.add_user("zhao", "viewer", APP_ID, password=PASSWORD)
        yield run, settings
    mp.undo()


def wx(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return cli_output(result.output)


def until(read: Callable[[], Any], timeout: float = 300) -> Any:
    """Poll `read` until truthy (a bound so a stuck run fails; no claim on wall time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := read():
            return found
        time.sleep(0.5)
    return read()


def create_tag(sandbox: str, name: str) -> int:
    """The tag as an operator makes it in WeChat's own console (tags/create)."""
    token = requests.post(
        f"{sandbox}/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
        timeout=10,
    ).json()["access_token"]
    answer = requests.post(
        f"{sandbox}/cgi-bin/tags/create",
        params={"access_token": token},
        data=json.dumps({"tag": {"name": name}}, ensure_ascii=False).encode(),
        timeout=10,
    ).json()
    return int(answer["tag"]["id"])


def pick(driver: Any, css: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(wait_for(driver, css)).select_by_value(value)


def test_an_operator_designs_and_runs_an_ab_campaign_and_reads_the_winner(
    browser: Any, warped: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, settings = warped
    base = run.stack.webhook_base_url
    assert run.sandbox is not None
    sandbox = run.sandbox.url
    # Given WeChat holds 300 followers under the tag 会员 and 100 others, each of whom followed
    # through the webhook (so the engine knows them), three drafts, and the read rates WeChat
    # will report for them (A 5%, B 30%, C 10%); nothing synced yet
    vip = create_tag(sandbox, "会员")
    for i in range(MEMBERS + OTHERS):
        openid = f"o-d-{i:04d}"
        body = {"app_id": APP_ID, "openid": openid, "tags": [vip] if i < MEMBERS else []}
        requests.post(f"{sandbox}/_sandbox/followers", json=body, timeout=10).raise_for_status()
        play = {"app_id": APP_ID, "openid": openid, "action": "follow"}
        answer = requests.post(f"{sandbox}/_sandbox/play", json=play, timeout=10).json()
        assert answer["status"] == 200, answer
    for media, (title, digest, rate) in ARTICLES.items():
        wx("sandbox", "articles", "add", "--app-id", APP_ID, "--id", media, "--title", title,
           "--digest", digest, "--thumb-url", f"https://mmbiz.example/{media}.jpg")  # fmt: skip
        wx("sandbox", "reads", "--app-id", APP_ID, "--media-id", media, "--rate", str(rate))

    # When the operator li opens the designer from the campaigns list
    sign_in(browser, base, "li")
    wait_for(browser, "main h2", "概览")
    wait_for(browser, "#nav-campaigns").click()
    wait_for(browser, "#new-campaign", "新建活动").click()
    # Then it says the articles and tags were never synced, and where to sync them
    wait_for(browser, "#articles-never-synced", "wxengage sync run")
    wait_for(browser, "#tags-never-synced", "wxengage sync run")
    shots(browser, "designer-never-synced")

    # When the catalog is synced and the designer opened again
    wx("sync", "run", "--app-id", APP_ID)
    browser.refresh()
    wait_for(browser, "#designer")
    assert not browser.find_elements("css selector", "#articles-never-synced, #tags-never-synced")
    # And li writes a campaign: 会员 by tag name, A/B tested with two synced articles at 20% each,
    # two hours from now in Beijing time, and the comparison group 对照组 (the remaining
    # followers) with a third article, now
    now = float(json.loads(wx("local", "clock", "--json"))["now"])
    send_at = datetime.fromtimestamp(now, UTC).replace(second=0, microsecond=0) + timedelta(hours=2)
    wall = send_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    soon = (send_at - timedelta(minutes=90)).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    type_into(browser, "#name", "双十二会员活动")
    type_into(browser, "#g0-name", "会员")
    pick(browser, "#g0-audience", "tags")
    tag_box = wait_for(browser, "#g0-tags", "会员 (300)")
    tag_box.find_element("css selector", "input[data-name='会员']").click()
    wait_for(browser, "#g0-ab").click()
    for j, (media, ratio) in enumerate((("MEDIA_TEA_A", "20"), ("MEDIA_TEA_B", "90"))):
        pick(browser, f"#g0-v{j}-article", media)
        type_into(browser, f"#g0-v{j}-ratio", ratio)
        type_into(browser, f"#g0-v{j}-send_at", soon if j else wall)  # B: too soon, see below
    wait_for(browser, "#g0-v1", "会员专享")  # the picked article's card: its title and digest
    type_into(browser, "#g0-w-min_sent", "50")
    wait_for(browser, "#add-group").click()
    type_into(browser, "#g1-name", "对照组")
    pick(browser, "#g1-audience", "remaining")
    pick(browser, "#g1-article", "MEDIA_TEA_C")
    # Then the API's refusal of 20% + 90% shows on the variants, and nothing is saved
    wait_for(browser, "#error-g0-variants", "less than 1")
    wait_for(browser, "#designer-errors", "groups.0.ab_test")
    assert "invalid" in wait_for(browser, "#field-g0-variants").get_attribute("class")
    assert CampaignStore(settings).all(APP_ID) == []
    browser.execute_script(
        "document.getElementById('field-g0-variants').scrollIntoView(); window.scrollBy(0, -60)"
    )
    shots(browser, "designer-validation-error")

    # When li corrects B to 20%
    type_into(browser, "#g0-v1-ratio", "20")
    # Then the API says start would refuse B's time (variants go at least an hour ahead)
    wait_for(browser, "#designer-notice.error", "at least 1 hour ahead")
    # When li moves B to A's time
    type_into(browser, "#g0-v1-send_at", wall)
    # Then the estimate shows each group, each variant, the rest that gets the winner
    wait_for(browser, "#designer-notice", "活动可以保存")
    estimate = wait_for(browser, "#estimate", "会员")
    rows = {
        r.find_element("css selector", "td").text: [
            c.text for c in r.find_elements("css selector", "td")
        ]
        for r in estimate.find_elements("css selector", "tbody tr")
    }
    assert rows["会员"][2] == "300" and rows["对照组"][2] == "100", rows
    assert rows["· A"][2] == "60" and rows["· B"][2] == "60", rows
    assert rows["· 其余（发送胜出版本）"][2] == "180", rows  # noqa: RUF001
    # And what the figures rest on: the 400 followers whose tags the sync read
    wait_for(browser, "#estimate-source", "已同步标签的粉丝（400 人）")  # noqa: RUF001
    shots(browser, "designer-estimate")

    # When li saves the draft
    wait_for(browser, "#save-campaign").click()
    # Then the campaign's page shows it, to be started, and the store holds the spec as designed
    wait_for(browser, "main h2", "双十二会员活动")
    wait_for(browser, "#campaign-notice", "草稿已保存")
    campaign_id = browser.current_url.rsplit("/", 1)[1]
    stored = CampaignStore(settings).get(APP_ID, campaign_id)
    assert stored.status is CampaignStatus.DRAFT
    group, rest = stored.spec.groups
    assert group.audience.tags == (vip,) and rest.audience.kind == "remaining"
    assert group.ab_test is not None
    variants = group.ab_test.variants
    assert [(v.name, v.ratio, v.send_at) for v in variants] == [
        ("A", 0.2, send_at), ("B", 0.2, send_at)
    ]  # fmt: skip
    assert [v.content for v in variants] == [
        MpNews(type="mpnews", media_id="MEDIA_TEA_A"), MpNews(type="mpnews", media_id="MEDIA_TEA_B")
    ]  # fmt: skip

    # When li reopens the draft to edit it
    wait_for(browser, "#edit-campaign", "编辑").click()
    # Then the designer shows it as saved, times in Beijing time
    wait_for(browser, "#designer")
    assert wait_for(browser, "#g0-v1-send_at").get_attribute("value") == wall
    assert wait_for(browser, "#g0-v1-ratio").get_attribute("value") == "20"
    wait_for(browser, "#save-campaign").click()
    wait_for(browser, "#campaign-notice", "草稿已保存")

    # When li starts it and the virtual clock runs
    wait_for(browser, "#act-start", "开始").click()
    # (the start asks first, showing the day-by-day plan of mass calls)
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    confirm = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
    assert "会员/A" in confirm.text and "会员/winner" in confirm.text
    confirm.accept()
    wait_for(browser, "#campaign-notice.good")
    wx("local", "resume")
    # Then it goes through the variants, the next morning's read stats and the winner send
    done = until(lambda: CampaignStore(settings).get(APP_ID, campaign_id).status.terminal)
    assert done, CampaignStore(settings).get(APP_ID, campaign_id).status
    assert CampaignStore(settings).get(APP_ID, campaign_id).status is CampaignStatus.SUCCEEDED
    # And each follower got exactly one broadcast: A or B or the winner for 会员, C for the rest
    masses = json.loads(wx("sandbox", "masses", "--app-id", APP_ID, "--json"))
    delivered = Counter(o for job in masses for o in job["delivered"])
    assert set(delivered) == {f"o-d-{i:04d}" for i in range(MEMBERS + OTHERS)}
    assert set(delivered.values()) == {1}
    by_media = Counter(job["media_id"] for job in masses for _ in job["delivered"])
    assert by_media == {"MEDIA_TEA_A": 60, "MEDIA_TEA_B": 60 + 180, "MEDIA_TEA_C": 100}

    # When li reads the campaign's page
    browser.refresh()
    # Then the A/B chart shows both variants' read rates and the decision names B the winner
    chart = wait_for(browser, "svg.ab")
    assert "A" in chart.text and "B" in chart.text
    wait_for(browser, "main", "30.00%")
    wait_for(browser, ".decision", "B")
    assert "B" in wait_for(browser, ".decision").text.split("·")[0]
    wait_for(browser, ".decision", "显著高于其他所有版本")  # the decision in the page's words
    # And the groups name their audiences as the operator picked them: the tag by its name
    wait_for(browser, "section.group h3", "按标签 会员 (")
    browser.execute_script("document.querySelector('svg.ab').scrollIntoView({block: 'center'})")
    shots(browser, "designer-campaign-result")

    # When li switches to English and opens the designer again
    wait_for(browser, "#lang-toggle").click()
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/new")
    # Then its labels are in English
    wait_for(browser, "main h2", "New campaign")
    wait_for(browser, "#field-name label", "Campaign name")
    wait_for(browser, "#add-group", "Add a group")
    wait_for(browser, "#estimate h3", "Audience estimate")
    shots(browser, "designer-en")
    wait_for(browser, "#lang-toggle", "中文").click()
    wait_for(browser, "#nav-campaigns", "群发")
    # And nothing on the way broke the Content-Security-Policy or threw
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not [p for p in problems if "Content Security Policy" in p or "Uncaught" in p], problems


def test_a_viewer_is_offered_no_designer(
    browser: Any, warped: tuple[LocalRun, Settings], shots: Callable[[Any, str], Path]
) -> None:
    run, settings = warped
    base = run.stack.webhook_base_url
    # Given zhao, a viewer of the account
    sign_in(browser, base, "zhao")
    wait_for(browser, "main h2", "概览")
    # When they open the campaigns list
    wait_for(browser, "#nav-campaigns").click()
    wait_for(browser, "main h2", "群发")
    wait_for(browser, "#status-filter")
    # Then no "new campaign" button is offered
    assert not browser.find_elements("css selector", "#new-campaign")
    # And when they open the designer by its address and try to save, the API refuses it
    browser.get(f"{base}/console#/a/{APP_ID}/campaigns/new")
    type_into(browser, "#name", "不该保存")
    type_into(browser, "#g0-name", "全部")
    wait_for(browser, "#g0-content-kind")
    pick(browser, "#g0-content-kind", "text")
    type_into(browser, "#g0-text", "你好")
    before = len(CampaignStore(settings).all(APP_ID))
    wait_for(browser, "#save-campaign").click()
    wait_for(browser, "#designer-notice.error", "没有权限")
    assert len(CampaignStore(settings).all(APP_ID)) == before
    shots(browser, "designer-viewer-refused")
