"""The campaign designer's API: drafts created and edited as the CLI does, checked against the
synced catalog, and audiences estimated from the synced copy."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.accounts import AccountType
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.store.follower_tags import FollowerTagStore
from wxengage.store.followers import FollowerStore
from wxengage.sync.models import Article, ArticleSource, NewsItem, SyncState, Tag
from wxengage.windows import FollowerState
from wxengage.wiring.campaigns import build_campaigns

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
OPERATOR = claims("operator")
VIEWER = claims("viewer")
BASE = f"/console/api/accounts/{APP_ID}/campaigns"
VIP, NEWCOMER = 101, 102


def ab_spec() -> dict[str, Any]:
    """会员 (tag 101) A/B tested at 21:00 Shanghai on two drafts, then 新客 (tag 102), then the rest."""
    return {
        "name": "双十二 会员活动",
        "groups": [
            {
                "name": "会员",
                "audience": {"tags": [VIP]},
                "ab_test": {
                    "variants": [
                        {
                            "name": name,
                            "content": {"type": "mpnews", "media_id": media},
                            "ratio": 0.2,
                            "send_at": "2026-11-22T21:00:00",
                        }
                        for name, media in (("A组", "m-a"), ("B组", "m-b"))
                    ]
                },
            },
            {
                "name": "新客",
                "audience": {"tags": [NEWCOMER]},
                "content": {"type": "text", "content": "欢迎 👋"},
                "send_at": "2026-11-22T21:30:00",
            },
            {
                "name": "其他",
                "audience": "remaining",
                "content": {"type": "mpnews", "media_id": "m-a"},
            },
        ],
    }


def synced(stack: Settings, *, followers_total: int | None = None) -> None:
    """The synced copy: tags 101 (会员, 8 on WeChat) and 102 (新客, 6), drafts m-a and m-b,
    and a published item p-1."""
    store = CatalogStore(stack)
    store.replace_tags(
        APP_ID, [Tag(id=VIP, name="会员", count=8), Tag(id=NEWCOMER, name="新客", count=6)]
    )
    drafts = [
        Article(source=ArticleSource.DRAFT, id=i, items=(NewsItem(title=i),))
        for i in ("m-a", "m-b")
    ]
    store.replace_articles(APP_ID, ArticleSource.DRAFT, drafts)
    published = [Article(source=ArticleSource.PUBLISHED, id="p-1", items=(NewsItem(title="p"),))]
    store.replace_articles(APP_ID, ArticleSource.PUBLISHED, published)
    store.save_state(
        SyncState(
            app_id=APP_ID,
            tags_synced_at=NOW - 60,
            articles_synced_at=NOW - 60,
            tag_count=2,
            followers_total=followers_total,
            pass_completed_at=NOW - 30,
        )
    )


def follower(
    stack: Settings, openid: str, tags: tuple[int, ...] | None, *, subscribed: bool = True
) -> None:
    """A follower the engine has seen; with `tags`, their tags as the sync's tag pass wrote them."""
    FollowerStore(stack).update(
        APP_ID,
        openid,
        lambda _s: FollowerState(
            app_id=APP_ID, openid=openid, subscribed=subscribed, subscription_at=NOW - 600
        ),
    )
    if tags is not None:
        assert FollowerTagStore(stack).write(APP_ID, openid, tags, "2026-11-22T09:59:00Z")


def stored(stack: Settings) -> list[Any]:
    return CampaignStore(stack).all(APP_ID)


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


def test_a_started_campaign_is_not_edited(stack: Settings, console: Call) -> None:
    # Given a campaign the engine has queued
    synced(stack)
    c = build_campaigns(stack).create(APP_ID, CampaignSpec.model_validate(ab_spec()))
    store = CampaignStore(stack)
    c = store.save(c.in_status(CampaignStatus.QUEUED, now=NOW))
    # When edited from the designer
    answer = console("PUT", f"{BASE}/{c.campaign_id}", OPERATOR, body=ab_spec() | {"name": "改过"})
    # Then 409 with the domain's message, and the campaign as it was
    assert answer.status == 409
    assert "only drafts can be edited" in answer.json()["message"]
    assert store.get(APP_ID, c.campaign_id) == c


def test_an_unknown_campaign_is_404(stack: Settings, console: Call) -> None:
    assert console("GET", f"{BASE}/c00000000000/spec", VIEWER).status == 404
    assert console("PUT", f"{BASE}/c00000000000", OPERATOR, body=ab_spec()).status == 404


# --- refusals, nothing written ------------------------------------------------------------------


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(ab_spec())
    at: Any = spec
    for step in path[:-1]:
        at = at[step]
    at[path[-1]] = value
    return spec


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
            broken(["groups", 1, "audience", "tags"], [VIP, 999]),
            "groups.1.audience.tags.1",
            "tag 999 is not among the account's synced tags",
        ),
        (
            broken(["groups", 0, "ab_test", "variants", 1, "content", "media_id"], "m-zzz"),
            "groups.0.ab_test.variants.1.content.media_id",
            "media_id m-zzz is not among the account's synced drafts",
        ),
        (
            broken(["groups", 2, "content", "media_id"], "p-1"),
            "groups.2.content.media_id",
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


# --- estimate ---------------------------------------------------------------------------------


def test_the_estimate_removes_overlaps_in_group_order(stack: Settings, console: Call) -> None:
    # Given 8 subscribed followers whose tags were synced, of 16 on WeChat:
    #   o1 o2 o3: 会员 only; o4: 会员 and 新客; o5 o6: 新客 only; o7 o8: no tag
    # and o9 (会员, unsubscribed) and o10 (tags never synced), who do not count
    synced(stack, followers_total=16)
    for openid, tags in [
        ("o1", (VIP,)),
        ("o2", (VIP,)),
        ("o3", (VIP,)),
        ("o4", (VIP, NEWCOMER)),
        ("o5", (NEWCOMER,)),
        ("o6", (NEWCOMER,)),
        ("o7", ()),
        ("o8", ()),
    ]:
        follower(stack, openid, tags)
    follower(stack, "o9", (VIP,), subscribed=False)
    follower(stack, "o10", None)
    # When the A/B campaign is estimated
    answer = console("POST", f"{BASE}/estimate", VIEWER, body=ab_spec())
    # Then, counted on the 8 and scaled x2 to WeChat's 16:
    #   会员 o1-o4: 4 -> 8; 新客 o4-o6 less o4 (会员 has them): 2 -> 4, 1 removed -> 2;
    #   the rest o7 o8: 2 -> 4, the 6 others took -> 12; A组 and B组 floor(0.2 x 8) = 1 each,
    #   the winner's rest 6; 会员 and 新客 share o4: 1 -> 2
    assert answer.status == 200, answer.text
    body = answer.json()
    assert (body["followers_total"], body["known_followers"], body["source"]) == (
        16,
        8,
        "synced_tags_scaled",
    )
    assert body["synced_at"] == NOW - 60 and body["sampled"] is False
    figures = {
        g["name"]: (g["kind"], g["estimated"], g["upper_bound"], g["removed_by_overlap"])
        for g in body["groups"]
    }
    # upper bounds: WeChat's counts (8 and 6); the rest: 16 less the largest tag (8)
    assert figures == {
        "会员": ("tags", 8, 8, 0),
        "新客": ("tags", 4, 6, 2),
        "其他": ("remaining", 4, 8, 12),
    }
    vip = body["groups"][0]
    assert [(v["name"], v["estimated"]) for v in vip["variants"]] == [("A组", 1), ("B组", 1)]
    assert vip["rest_estimated"] == 6
    assert body["overlaps"] == [{"first": "会员", "second": "新客", "followers": 2}]
    # And nothing was written
    assert stored(stack) == []
