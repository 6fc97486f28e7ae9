"""The campaign designer's API: drafts created and edited as the CLI does, checked against the
synced catalog; who may call it; its OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.console.designer import (
    BASE,
    NOW,
    OPERATOR,
    VIEWER,
    VIP,
    ab_spec,
    broken,
    stale_and_unknown,
    stored,
    synced,
)
from tests.support.callbacks import APP_ID
from wxengage.accounts import AccountType
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.wiring.campaigns import build_campaigns

# --- who may ---------------------------------------------------------------------------------


def routes(campaign_id: str) -> list[tuple[str, str, bool]]:
    """(method, path, writes) of every designer route."""
    return [
        ("POST", BASE, True),
        ("PUT", f"{BASE}/{campaign_id}", True),
        ("GET", f"{BASE}/{campaign_id}/spec", False),
        ("POST", f"{BASE}/estimate", False),
    ]


@pytest.mark.parametrize("route", range(4))
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        (claims(None), 403),
        (claims("operator", accounts=OTHER_APP_ID, user="bob"), 403),
    ],
)
def test_no_token_no_role_or_another_account_is_refused(
    stack: Settings, console: Call, route: int, who: dict[str, Any] | None, status: int
) -> None:
    # Given a synced catalog and a draft
    synced(stack)
    c = build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    method, path, _ = routes(c.campaign_id)[route]
    # When a caller without a token, a role or this account calls a designer route
    body = None if method == "GET" else ab_spec() | {"name": "改过"}
    answer = console(method, path, who, body=body)
    # Then refused, and the draft alone, as it was
    assert answer.status == status, answer.text
    assert stored(stack) == [c]


@pytest.mark.parametrize("route", [0, 1])
def test_a_viewer_reads_but_does_not_write(stack: Settings, console: Call, route: int) -> None:
    # Given a draft
    synced(stack)
    c = build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    method, path, _ = routes(c.campaign_id)[route]
    # When a viewer creates or edits / Then 403 and nothing changed
    answer = console(method, path, VIEWER, body=ab_spec() | {"name": "改过"})
    assert answer.status == 403 and "operator" in answer.json()["message"]
    assert stored(stack) == [c]
    # While reading the spec and estimating are theirs
    assert console("GET", f"{BASE}/{c.campaign_id}/spec", VIEWER).status == 200
    assert console("POST", f"{BASE}/estimate", VIEWER, body=ab_spec()).status == 200


# --- create, read, edit -----------------------------------------------------------------------


def test_a_created_draft_reads_back_as_it_was_written(stack: Settings, console: Call) -> None:
    # Given a synced catalog
    synced(stack)
    # When an operator creates a draft named in Chinese
    answer = console("POST", BASE, OPERATOR, body=ab_spec())
    # Then 201 with the draft and the legs start would plan now, in the account's zone
    assert answer.status == 201, answer.text
    body = answer.json()
    assert (body["name"], body["status"], body["timezone"]) == (
        "双十二 会员活动",
        "draft",
        "Asia/Shanghai",
    )
    assert [(leg["key"], leg["label"]) for leg in body["legs"]] == [
        ("g0v0", "会员/A组"),
        ("g0v1", "会员/B组"),
        ("g0w", "会员/winner"),
        ("g1", "新客"),
        ("g2", "其他"),
    ]
    assert body["legs"][0]["send_at"] == NOW + 3 * 3600  # 21:00 Shanghai
    # And the stored draft is the CLI's, whose spec reads back unchanged
    [c] = stored(stack)
    assert c.campaign_id == body["campaign_id"] and c.status is CampaignStatus.DRAFT
    spec = console("GET", f"{BASE}/{c.campaign_id}/spec", VIEWER)
    assert spec.status == 200
    assert CampaignSpec.model_validate(spec.json()) == CampaignSpec.model_validate(ab_spec())
    assert spec.json()["groups"][0]["ab_test"]["variants"][1]["name"] == "B组"


def test_an_edit_replaces_a_drafts_spec(stack: Settings, console: Call) -> None:
    # Given a draft
    synced(stack)
    created = console("POST", BASE, OPERATOR, body=ab_spec()).json()
    # When an operator gives 新客 draft m-b instead of text
    changed = ab_spec()
    changed["groups"][1]["content"] = {"type": "mpnews", "media_id": "m-b"}
    answer = console("PUT", f"{BASE}/{created['campaign_id']}", OPERATOR, body=changed)
    # Then the stored spec is the new one
    assert answer.status == 200, answer.text
    [c] = stored(stack)
    assert c.spec == CampaignSpec.model_validate(changed)


@pytest.mark.parametrize(
    "spec",
    [
        ab_spec() | {"name": "改过"},
        # a variant in the past and an unknown tag: still refused for being started
        stale_and_unknown(),
    ],
)
def test_a_started_campaign_is_not_edited(
    stack: Settings, console: Call, spec: dict[str, Any]
) -> None:
    # Given a campaign the engine has queued
    synced(stack)
    c = build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    store = CampaignStore(stack)
    c = store.save(c.in_status(CampaignStatus.QUEUED, now=NOW))
    # When edited from the designer
    answer = console("PUT", f"{BASE}/{c.campaign_id}", OPERATOR, body=spec)
    # Then 409 with the domain's message, and the campaign as it was
    assert answer.status == 409
    assert "only drafts can be edited" in answer.json()["message"]
    assert store.get(APP_ID, c.campaign_id) == c


def test_an_unknown_campaign_is_404(stack: Settings, console: Call) -> None:
    assert console("GET", f"{BASE}/c00000000000/spec", VIEWER).status == 404
    assert console("PUT", f"{BASE}/c00000000000", OPERATOR, body=ab_spec()).status == 404


# --- refusals, nothing written ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (
            broken(["groups", 0, "ab_test", "variants", 1, "ratio"], 1.5),
            "groups.0.ab_test.variants.1.ratio",
            "less than 1",
        ),
        (broken(["groups", 1, "name"], "会员"), "groups", "group names must be unique"),
        (broken(["groups", 1, "audience"], {"tags": []}), "groups.1.audience", "at least one tag"),
        (broken(["name"], ""), "name", "at least 1 character"),
        (
            broken(["groups", 2, "content"], {"type": "mpnews"}),
            "groups.2.content.mpnews.media_id",  # the same path as an unknown media_id's
            "Field required",
        ),
        (
            broken(["groups", 1, "audience", "tags"], [VIP, 999]),
            "groups.1.audience.tags.1",
            "tag 999 is not among the account's synced tags",
        ),
        (
            broken(["groups", 0, "ab_test", "variants", 1, "content", "media_id"], "m-zzz"),
            "groups.0.ab_test.variants.1.content.mpnews.media_id",
            "this media_id is not among the account's synced drafts",
        ),
        (
            broken(["groups", 2, "content", "media_id"], "p-1"),
            "groups.2.content.mpnews.media_id",
            "a mass send of news takes a draft's media_id",
        ),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_bad_spec_is_refused_field_by_field_and_nothing_written(
    stack: Settings, console: Call, spec: dict[str, Any], field: str, message: str, method: str
) -> None:
    # Given a synced catalog and a draft
    synced(stack)
    c = build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    path = BASE if method == "POST" else f"{BASE}/{c.campaign_id}"
    # When a spec with one bad field is sent
    answer = console(method, path, OPERATOR, body=spec)
    # Then 422 naming the field, and the draft alone, as it was
    assert answer.status == 422, answer.text
    body = answer.json()
    assert body["message"] == "invalid input"
    assert [e["field"] for e in body["errors"]] == [field], body
    assert message in body["errors"][0]["message"]
    assert stored(stack) == [c]


def test_the_clis_refusals_are_422_with_the_domains_message(stack: Settings, console: Call) -> None:
    # Given a synced catalog
    synced(stack)
    # When the variants are due in 30 minutes (under an hour) / Then refused, nothing written
    soon = broken(["groups", 0, "ab_test", "variants", 0, "send_at"], "2026-11-22T18:30:00")
    answer = console("POST", BASE, OPERATOR, body=soon)
    assert answer.status == 422
    assert "variants must be at least 1 hour ahead" in answer.json()["message"]
    # When the account is a subscription account (no A/B tests) / Then refused, nothing written
    accounts = AccountStore(stack)
    settings = accounts.read_settings(APP_ID)
    accounts.update_settings(
        settings.model_validate(settings.model_dump() | {"type": AccountType.SUBSCRIPTION})
    )
    answer = console("POST", BASE, OPERATOR, body=ab_spec())
    assert answer.status == 422
    assert "a subscription account cannot run A/B tests" in answer.json()["message"]
    assert stored(stack) == []


def test_before_any_sync_tags_and_drafts_are_not_checked(stack: Settings, console: Call) -> None:
    # Given an account never synced
    # When a draft names tag 999 and draft m-zzz
    spec = broken(["groups", 1, "audience", "tags"], [999])
    answer = console("POST", BASE, OPERATOR, body=spec)
    # Then created, as the CLI would: WeChat's lists are not known here
    assert answer.status == 201, answer.text
    assert len(stored(stack)) == 1


def test_the_openapi_document_describes_the_designer(console: Call) -> None:
    # When the OpenAPI document is read
    doc = console("GET", "/console/api/openapi.json", VIEWER).json()
    # Then the designer's routes are there, with the campaign spec as their body
    paths = doc["paths"]
    base = "/console/api/accounts/{app_id}/campaigns"
    assert "post" in paths[base] and "201" in paths[base]["post"]["responses"]
    assert "put" in paths[f"{base}/{{campaign_id}}"]
    assert "get" in paths[f"{base}/{{campaign_id}}/spec"]
    assert "post" in paths[f"{base}/estimate"]
    schemas = doc["components"]["schemas"]
    assert {"name", "groups", "audience_source"} <= set(schemas["CampaignSpec"]["properties"])
    assert {"source", "groups", "overlaps", "followers_total"} <= set(
        schemas["EstimateAnswer"]["properties"]
    )
