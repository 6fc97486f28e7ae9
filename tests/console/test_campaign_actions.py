"""Campaign actions from the console: the CLI's domain functions, its refusals, and who may act."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import Campaign
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage.wiring.campaigns import build_campaigns

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
OPERATOR = claims("operator")
ACTIONS = ["start", "send-now", "cancel", "reschedule", "resume"]
LATER = {"at": "2026-11-22T22:00:00+08:00"}  # an hour after the variants' 21:00


def draft(stack: Settings) -> Campaign:
    """A draft A/B test on tag 101 named in Chinese: variants at 21:00 Shanghai, the rest after."""
    spec = {
        "name": "双十二会员",
        "groups": [
            {
                "name": "会员",
                "audience": {"tags": [101]},
                "ab_test": {
                    "variants": [
                        {
                            "name": name,
                            "content": {"type": "mpnews", "media_id": f"M{name}"},
                            "ratio": 0.1,
                            "send_at": "2026-11-22T21:00:00",
                        }
                        for name in ("A", "B")
                    ]
                },
            }
        ],
    }
    return build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(spec))


def path(c: Campaign, action: str) -> str:
    return f"/console/api/accounts/{c.app_id}/campaigns/{c.campaign_id}/{action}"


def executions(stack: Settings) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = stack.broadcast_state_machine_arn
    return sorted(
        sfn.list_executions(stateMachineArn=arn)["executions"], key=lambda e: str(e["name"])
    )


def queued(stack: Settings, console: Call) -> Campaign:
    """Started from the console, and segmented by the engine (which moto does not run here)."""
    c = draft(stack)
    assert console("POST", path(c, "start"), OPERATOR).status == 200
    store = CampaignStore(stack)
    return store.save(store.get(APP_ID, c.campaign_id).in_status(CampaignStatus.QUEUED, now=NOW))


def test_an_operator_starts_a_draft_on_the_state_machine(stack: Settings, console: Call) -> None:
    # Given a draft named in Chinese
    c = draft(stack)
    # When an operator starts it from the console
    answer = console("POST", path(c, "start"), OPERATOR)
    # Then its legs are planned in the account's zone and one execution runs it
    assert answer.status == 200, answer.text
    body = answer.json()
    assert body["name"] == "双十二会员" and body["timezone"] == "Asia/Shanghai"
    assert body["execution"] == c.campaign_id
    assert [(leg["key"], leg["label"]) for leg in body["legs"]] == [
        ("g0v0", "会员/A"),
        ("g0v1", "会员/B"),
        ("g0w", "会员/winner"),
    ]
    assert body["legs"][0]["send_at"] == NOW + 3 * 3600  # 21:00 Shanghai
    assert [e["name"] for e in executions(stack)] == [c.campaign_id]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        (claims("viewer"), 403),
        (claims("operator", accounts=OTHER_APP_ID, user="bob"), 403),
        (claims(None), 403),
    ],
)
def test_only_an_operator_of_the_account_acts_and_a_refusal_changes_nothing(
    stack: Settings, console: Call, action: str, who: dict[str, Any] | None, status: int
) -> None:
    # Given a draft
    c = draft(stack)
    # When someone without the operator role on the account acts on it
    body = LATER if action == "reschedule" else None
    answer = console("POST", path(c, action), who, body=body)
    # Then refused, the draft as it was and nothing started
    assert answer.status == status, answer.text
    assert CampaignStore(stack).get(APP_ID, c.campaign_id) == c
    assert executions(stack) == []


def test_a_started_campaign_is_not_started_twice(stack: Settings, console: Call) -> None:
    # Given a campaign the engine has queued
    c = queued(stack, console)
    # When started again / Then 409 with the domain's message, and still one execution
    answer = console("POST", path(c, "start"), OPERATOR)
    assert answer.status == 409
    assert answer.json() == {"message": f"campaign {c.campaign_id} is already queued"}
    assert len(executions(stack)) == 1


def test_a_second_click_on_start_before_the_engine_claims_the_draft_runs_it_once(
    stack: Settings, console: Call
) -> None:
    # Given a draft started from the console, not yet claimed by the engine (still a draft)
    c = draft(stack)
    assert console("POST", path(c, "start"), OPERATOR).status == 200
    # When start is clicked again
    answer = console("POST", path(c, "start"), OPERATOR)
    # Then it answers with the same execution (StartExecution with the same name and input is
    # idempotent for STANDARD workflows), and one execution runs it
    assert answer.status == 200, answer.text
    assert answer.json()["execution"] == c.campaign_id
    assert len(executions(stack)) == 1


def test_reschedule_moves_one_leg_named_in_chinese_case_folded(
    stack: Settings, console: Call
) -> None:
    # Given a queued campaign whose variants go at 21:00 Shanghai
    c = queued(stack, console)
    # When variant 会员/b alone is moved to 22:00 (its name typed in lower case)
    answer = console("POST", path(c, "reschedule"), OPERATOR, body=LATER | {"leg": "会员/b"})
    # Then only that leg moves, a new execution waits for it and the old one is stopped
    assert answer.status == 200, answer.text
    times = {leg["label"]: leg["send_at"] for leg in answer.json()["legs"]}
    assert times["会员/A"] == NOW + 3 * 3600
    assert times["会员/B"] == NOW + 4 * 3600
    runs = {e["name"]: e["status"] for e in executions(stack)}
    assert runs == {c.campaign_id: "ABORTED", f"{c.campaign_id}-r2": "RUNNING"}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"at": "2026-11-22T17:00:00+08:00"}, 422, "variants must be at least 1 hour ahead"),
        (LATER | {"leg": "会员"}, 422, "has an A/B test: name one of its legs (会员/A, 会员/B"),
        (LATER | {"leg": "会员/C"}, 422, "campaign has no leg '会员/C'"),
        ({"at": "2026-11-22T22:00:00"}, 422, "invalid input"),
        ({"at": "22:00", "extra": 1}, 422, "invalid input"),
    ],
)
def test_a_refused_reschedule_says_why_and_changes_nothing(
    stack: Settings, console: Call, body: dict[str, Any], status: int, message: str
) -> None:
    # Given a queued campaign
    c = queued(stack, console)
    # When rescheduled wrongly
    answer = console("POST", path(c, "reschedule"), OPERATOR, body=body)
    # Then refused with the reason, the campaign and its execution as they were
    assert answer.status == status, answer.text
    assert message in answer.json()["message"] + str(answer.json().get("errors", ""))
    assert CampaignStore(stack).get(APP_ID, c.campaign_id) == c
    assert [e["name"] for e in executions(stack)] == [c.campaign_id]


def test_send_now_brings_the_variants_forward(stack: Settings, console: Call) -> None:
    # Given a queued campaign whose variants go at 21:00
    c = queued(stack, console)
    # When sent now
    answer = console("POST", path(c, "send-now"), OPERATOR)
    # Then both variants go now, on a new execution
    assert answer.status == 200, answer.text
    body = answer.json()
    assert [leg["send_at"] for leg in body["legs"][:2]] == [NOW, NOW]
    assert body["execution"] == f"{c.campaign_id}-r2"


def test_cancel_ends_the_campaign_once(stack: Settings, console: Call) -> None:
    # Given a queued campaign
    c = queued(stack, console)
    # When cancelled, then cancelled again
    first = console("POST", path(c, "cancel"), OPERATOR)
    again = console("POST", path(c, "cancel"), OPERATOR)
    # Then the first ends it and the second is refused, saying it has ended
    assert first.status == 200 and first.json()["status"] == "cancelled"
    assert again.status == 409
    assert again.json()["message"] == f"campaign {c.campaign_id} has already ended (cancelled)"


def test_only_a_failed_campaign_is_resumed(stack: Settings, console: Call) -> None:
    # Given a queued campaign
    c = queued(stack, console)
    # When resumed / Then refused with what can be resumed, and nothing started
    answer = console("POST", path(c, "resume"), OPERATOR)
    assert answer.status == 409
    assert "only a failed or partially failed campaign can be resumed" in answer.json()["message"]
    assert CampaignStore(stack).get(APP_ID, c.campaign_id) == c
    assert len(executions(stack)) == 1


def test_a_failed_campaign_is_resumed_from_where_it_stopped(stack: Settings, console: Call) -> None:
    # Given a campaign that failed while segmenting, before its legs were prepared
    c = draft(stack)
    assert console("POST", path(c, "start"), OPERATOR).status == 200
    store = CampaignStore(stack)
    store.save(store.get(APP_ID, c.campaign_id).in_status(CampaignStatus.FAILED, now=NOW))
    # When resumed from the console
    answer = console("POST", path(c, "resume"), OPERATOR)
    # Then a new execution runs it again from its start
    assert answer.status == 200, answer.text
    body = answer.json()
    assert body["execution"] == f"{c.campaign_id}-r2"
    assert body["left_alone"] == []
    assert f"{c.campaign_id}-r2" in {e["name"] for e in executions(stack)}


def test_the_openapi_document_describes_the_actions(console: Call) -> None:
    # When the OpenAPI document is read
    doc = console("GET", "/console/api/openapi.json", claims("viewer")).json()
    # Then every action is there, reschedule with its request model
    base = "/console/api/accounts/{app_id}/campaigns/{campaign_id}"
    for action in ACTIONS:
        assert "post" in doc["paths"][f"{base}/{action}"], action
    schema = doc["components"]["schemas"]["RescheduleRequest"]
    assert set(schema["properties"]) == {"at", "leg"} and schema["required"] == ["at"]
