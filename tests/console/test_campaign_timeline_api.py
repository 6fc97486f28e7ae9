"""The console's campaign view: each leg's planned and actual send time, its batches in the seed's
words, the structured failure and the read-rate intervals, as `wxengage campaign status` reads them."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from tests.console.conftest import Call, claims
from tests.console.seed import seed_campaign
from tests.support.callbacks import APP_ID
from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.reasons import from_wechat
from wxengage.broadcast.state import Campaign, LegState, LegStatus
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage_cli.main import cli

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
BASE = f"/console/api/accounts/{APP_ID}"


def batch(campaign: Campaign, leg: str, number: int, **fields: Any) -> BatchState:
    return BatchState.model_validate(
        {
            "app_id": APP_ID,
            "campaign_id": campaign.campaign_id,
            "leg": leg,
            "number": number,
            "start": (number - 1) * 500,
            "size": 500,
            "clientmsgid": f"{campaign.campaign_id}-{leg}-{number}",
        }
        | fields
    )


def seed_sent_and_failed(stack: Settings) -> tuple[Campaign, str, str]:
    """Variant A went out in two batches (one with errors); variant B was refused (40007)."""
    campaign = seed_campaign(stack, NOW - 3 * 3600)  # variants were due an hour ago
    store = CampaignStore(stack)
    a_key, b_key = campaign.legs[0].key, campaign.legs[1].key
    sent_at = NOW - 3600 + 5
    assert store.create(
        batch(campaign, a_key, 1, status=BatchStatus.SUBMITTED, msg_id=1000001, submitted_at=sent_at,
              result=BatchResult.SEND_SUCCESS.value, finished_at=sent_at + 60, sent=498, filtered=2)
    )  # fmt: skip
    assert store.create(
        batch(campaign, a_key, 2, status=BatchStatus.SUBMITTED, msg_id=1000002, submitted_at=sent_at + 1,
              result=BatchResult.SEND_SUCCESS_GET.value, finished_at=sent_at + 90, sent=490, errors=10,
              estimated=True)
    )  # fmt: skip
    refused = from_wechat(40007, "/cgi-bin/message/mass/send")
    assert store.create(
        batch(campaign, b_key, 1, status=BatchStatus.FAILED, errcode=40007, attempts=1)
    )
    b = store.leg(APP_ID, campaign.campaign_id, b_key)
    assert b is not None
    store.save(
        LegState.model_validate(
            b.model_dump()
            | {"status": LegStatus.FAILED, "reason": refused.text(), "failure": refused,
               "sent": 0, "readers": None, "failed_batches": 1, "batches": 1}
        )
    )  # fmt: skip
    return campaign, a_key, b_key


def test_each_leg_shows_its_planned_and_actual_time_and_its_batches(
    console: Call, stack: Settings
) -> None:
    # Given a campaign whose variant A went out in two batches and whose variant B was refused
    campaign, _, _ = seed_sent_and_failed(stack)
    # When a viewer opens it
    answer = console("GET", f"{BASE}/campaigns/{campaign.campaign_id}", claims("viewer"))
    # Then leg A shows when it was planned and when it went, and each batch in the seed's words
    assert answer.status == 200, answer.text
    [group] = answer.json()["groups"]
    a, b, winner = group["legs"]
    assert a["send_at"] == NOW - 3600 and a["sent_at"] == NOW - 3600 + 5
    assert [
        (x["clientmsgid"], x["msg_id"], x["status"], x["status_zh"], x["figures"])
        for x in a["batch_details"]
    ] == [
        (f"{campaign.campaign_id}-{a['leg']}-1", 1000001, "succeeded", "发送成功", "reported"),
        (f"{campaign.campaign_id}-{a['leg']}-2", 1000002, "partially_failed", "部分发送失败", "estimated"),
    ]  # fmt: skip
    first, second = a["batch_details"]
    assert (first["submitted_at"], first["finished_at"]) == (NOW - 3600 + 5, NOW - 3600 + 65)
    assert (first["sent"], first["filtered"], first["errors"]) == (498, 2, 0)
    assert second["estimate_reason"] and second["errors"] == 10
    # And leg B's refused batch reads 发送失败, every openid an error, nothing sent
    [refused] = b["batch_details"]
    assert (refused["status"], refused["status_zh"], refused["figures"]) == (
        "failed",
        "发送失败",
        "refused",
    )
    assert refused["errors"] == 500 and refused["errcode"] == 40007 and b["sent_at"] is None
    assert winner["status"] == "queued" and winner["batch_details"] == []


def test_a_failure_reads_as_code_sentences_and_what_to_do(console: Call, stack: Settings) -> None:
    # Given a campaign whose variant B was refused with 40007
    campaign, _, _ = seed_sent_and_failed(stack)
    # When a viewer opens it
    body = console("GET", f"{BASE}/campaigns/{campaign.campaign_id}", claims("viewer")).json()
    # Then the failed leg carries its reason's code, both sentences and what to do
    failure = body["groups"][0]["legs"][1]["failure"]
    assert failure["code"] == "wechat.40007"
    assert "media_id" in failure["message"] and "media_id 无效" in failure["message_zh"]
    assert failure["action"] and failure["action_zh"]
    assert body["groups"][0]["legs"][0]["failure"] is None and body["failure"] is None


def test_the_read_rate_interval_rides_with_each_leg(console: Call, stack: Settings) -> None:
    # Given a campaign whose variants were read 12 % and 8 % of 1000
    campaign = seed_campaign(stack, NOW)
    # When a viewer opens it
    body = console("GET", f"{BASE}/campaigns/{campaign.campaign_id}", claims("viewer")).json()
    # Then each variant leg has its 95 % interval around its rate, and the A/B chart uses it
    [group] = body["groups"]
    for leg, variant, rate in zip(group["legs"][:2], group["variants"], (0.12, 0.08), strict=True):
        low, high = leg["read_rate_ci95"]
        assert low < rate < high
        assert (variant["low"], variant["high"]) == (low, high)


def test_the_console_and_campaign_status_read_the_same(console: Call, stack: Settings) -> None:
    # Given a campaign with sent and refused batches
    campaign, _, _ = seed_sent_and_failed(stack)
    # When the console and `wxengage campaign status --json` are read
    body = console("GET", f"{BASE}/campaigns/{campaign.campaign_id}", claims("viewer")).json()
    result = CliRunner().invoke(
        cli,
        ["campaign", "status", "--app-id", APP_ID, "--campaign", campaign.campaign_id, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output[result.output.index("{") :])
    # Then they agree on every batch, every failure and every interval
    ours = [leg for g in body["groups"] for leg in g["legs"]]
    theirs = [leg for g in shown["groups"] for leg in g["legs"]]
    assert [x.get("failure") for x in ours] == [x.get("failure") for x in theirs]
    assert [x.get("read_rate_ci95") for x in ours] == [x.get("read_rate_ci95") for x in theirs]
    assert [
        [(b["clientmsgid"], b["status_zh"], b["sent"], b["errors"]) for b in x["batch_details"]]
        for x in ours
    ] == [
        [(b["clientmsgid"], b["status_zh"], b["sent"], b["errors"]) for b in x.get("batch_details", [])]
        for x in theirs
    ]  # fmt: skip
