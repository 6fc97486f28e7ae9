"""The campaign tools' take-offline and article-data routes: confirmed deletes, the CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner

from tests.console.conftest import Call
from tests.console.test_campaign_tools_api import (
    OPERATOR,
    VIEWER,
    FakeWeChat,
    draft,
    sent,
    url,
    wechat,
)
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore

__all__ = ["wechat"]  # the fixture, shared with test_campaign_tools_api.py

# --- offline ---------------------------------------------------------------------------------


def test_an_operator_takes_the_news_offline_after_confirming_the_plan(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    # Given a campaign whose variants went out, and the plan a viewer can read
    c = sent(stack, draft(stack))
    plan = console("GET", url(c, "offline-plan"), VIEWER, query={"leg": "会员/A"}).json()
    assert [n["media_id"] for n in plan["news"]] == ["MA"]
    assert plan["confirm"] == [1000, 1001] and plan["news"][0]["legs"] == ["会员/A"]
    # When an operator confirms it
    answer = console(
        "POST", url(c, "offline"), OPERATOR, {"confirmed": plan["confirm"], "leg": "会员/A"}
    )
    # Then one delete took A's page down and both of A's batches are offline; B is untouched
    assert answer.status == 200, answer.text
    assert wechat.deleted == [(1000, 0)]
    batches = CampaignStore(stack).batches(APP_ID, c.campaign_id, "g0v0")
    assert all(b.offline_at is not None for b in batches)
    assert all(
        b.offline_at is None for b in CampaignStore(stack).batches(APP_ID, c.campaign_id, "g0v1")
    )


def test_a_stale_confirmation_deletes_nothing(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    # Given an operator confirmed only one of A's two jobs (the plan grew since they looked)
    c = sent(stack, draft(stack))
    answer = console("POST", url(c, "offline"), OPERATOR, {"confirmed": [1000], "leg": "会员/A"})
    # Then it is refused with what changed, and nothing is deleted or marked
    assert answer.status == 409
    assert "now also takes down msg_id 1001" in answer.json()["message"]
    assert wechat.deleted == []
    assert all(
        b.offline_at is None for b in CampaignStore(stack).batches(APP_ID, c.campaign_id, "g0v0")
    )


def test_the_broadcast_function_checks_the_confirmation_again(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    # Given the console's check passed, but a send of the same news landed before the delete ran
    from wxengage.wiring.broadcast import build_broadcast

    c = sent(stack, draft(stack))
    from wxengage.broadcast.progress import CampaignConflictError

    # When the request reaches the broadcast function with the old confirmation
    with pytest.raises(CampaignConflictError, match="plan changed"):
        build_broadcast(stack).offline(APP_ID, c.campaign_id, "g0v0", 0, [1000])
    # Then nothing was deleted
    assert wechat.deleted == []


def test_nothing_sent_means_nothing_to_take_offline(stack: Settings, console: Call) -> None:
    c = draft(stack)
    plan = console("GET", url(c, "offline-plan"), VIEWER).json()
    assert plan["news"] == [] and "no sent news" in plan["nothing"]
    answer = console("POST", url(c, "offline"), OPERATOR, {"confirmed": [1]})
    assert answer.status == 409


# --- article data ----------------------------------------------------------------------------


def test_the_article_csv_is_what_campaign_status_reports(
    stack: Settings, console: Call, fake_clock: Any
) -> None:
    # Given a campaign whose variants went out and were read
    c = sent(stack, draft(stack))
    # When a viewer downloads its article data
    answer = console("GET", url(c, "articles.csv"), VIEWER)
    # Then it is UTF-8 with a BOM, one row per variant, times in Shanghai
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [r["label"] for r in rows] == ["会员/A", "会员/B", "会员/winner"]
    assert rows[0]["sent_at (Asia/Shanghai)"] == "2026-11-22 17:00:00"
    assert rows[0]["msg_data_id"] == "10000 10010" and rows[1]["msg_data_id"] == "10100"
    # And the figures are the ones `wxengage campaign status --json` prints
    from wxengage_cli.main import cli

    out = CliRunner().invoke(
        cli, ["campaign", "status", "--app-id", APP_ID, "--campaign", c.campaign_id, "--json"]
    )
    assert out.exit_code == 0, out.output
    status = json.loads(out.output[out.output.index("{") :])
    legs = {leg["label"]: leg for g in status["groups"] for leg in g["legs"]}
    for row in rows[:2]:
        leg = legs[row["label"]]
        assert int(row["sent"]) == leg["sent"] and int(row["readers"]) == leg["readers"]
        assert float(row["read_rate"]) == leg["read_rate"]
        assert [float(row["ci95_low"]), float(row["ci95_high"])] == leg["read_rate_ci95"]
        assert row["figures"] == "reported" and row["reads"] == "fetched"
        assert leg["sent_at_local"].startswith(row["sent_at (Asia/Shanghai)"][:16])
