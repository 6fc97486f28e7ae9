"""The campaign tools' routes: plan, preview, take offline, article data, and who may use them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.console.test_campaign_actions import draft
from tests.support.callbacks import APP_ID
from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.schedule import LegKind, plan_legs
from wxengage.broadcast.spec import CampaignStatus, MpNews
from wxengage.broadcast.state import Campaign, LegState, LegStatus
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.sync.models import SyncState, Tag
from wxengage.wechat.api_errors import WeChatApiError
from wxengage.wechat.targets import PreviewTarget

NOW = 1_795_341_600  # the fake clock: 2026-11-22 10:00 UTC, 18:00 in Shanghai
OPERATOR, VIEWER = claims("operator"), claims("viewer")
STRANGER = claims("operator", accounts=OTHER_APP_ID, user="bo")


class FakeWeChat:
    """The broadcast engine's WeChat client: records previews and deletes; refuses openid oBAD."""

    def __init__(self) -> None:
        self.previews: list[tuple[str, str]] = []
        self.deleted: list[tuple[int, int]] = []

    def mass_preview(self, to: PreviewTarget, message: dict[str, Any]) -> None:
        if to.value == "oBAD":
            raise WeChatApiError(43004, "require subscribe", "/cgi-bin/message/mass/preview")
        self.previews.append((to.field, to.value))

    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None:
        self.deleted.append((msg_id, article_idx))


@pytest.fixture
def wechat(stack: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeWeChat:
    """The broadcast function run in-process as its handler runs it (functions/broadcast/app.py),
    its WeChat the fake above; the console invokes it through the same port as on AWS."""
    import wxengage.wiring.broadcast as broadcast_wiring
    import wxengage.wiring.campaign_tools as tools_wiring
    from wxengage.broadcast.task_errors import task_error
    from wxengage.broadcast.tasks import parse_task, run_task
    from wxengage.store.broadcast_requests import BroadcastRequestError

    fake = FakeWeChat()
    monkeypatch.setattr(broadcast_wiring, "_client", lambda account, settings: fake)
    engine = broadcast_wiring.build_broadcast(stack)

    class InProcess:
        def __init__(self, settings: Settings) -> None:
            pass

        def run(self, payload: dict[str, Any]) -> dict[str, Any]:
            try:
                return run_task(engine, parse_task(json.loads(json.dumps(payload))))
            except Exception as err:
                out = task_error(err) or err
                raise BroadcastRequestError(type(out).__name__, str(out)) from err

    monkeypatch.setattr(tools_wiring, "BroadcastFunction", InProcess)
    return fake


def sent(stack: Settings, c: Campaign) -> Campaign:
    """The draft's variants went out (two batches for A, one for B), read by some."""
    store = CampaignStore(stack)
    legs = plan_legs(c.spec, "Asia/Shanghai", NOW)
    c = store.save(c.scheduled(legs, execution=c.campaign_id, now=NOW))
    c = store.save(c.in_status(CampaignStatus.SUCCEEDED, now=NOW))
    for key, variant, batches, readers in (("g0v0", "A", 2, 30), ("g0v1", "B", 1, 12)):
        assert store.create(
            LegState(
                app_id=APP_ID,
                campaign_id=c.campaign_id,
                key=key,
                group="会员",
                kind=LegKind.VARIANT,
                variant=variant,
                status=LegStatus.SUCCEEDED,
                content=MpNews(type="mpnews", media_id=f"M{variant}"),
                sent=100 * batches,
                batches=batches,
                readers=readers,
            )
        )
        for n in range(batches):
            msg = 1000 + 10 * (key == "g0v1") + n
            assert store.create(
                BatchState(
                    app_id=APP_ID,
                    campaign_id=c.campaign_id,
                    leg=key,
                    number=n,
                    start=0,
                    size=100,
                    clientmsgid=f"{c.campaign_id}-{key}-{n}",
                    status=BatchStatus.SUBMITTED,
                    submitted_at=NOW - 3600,
                    msg_id=msg,
                    msg_data_id=msg * 10,
                    result=BatchResult.SEND_SUCCESS,
                    sent=100,
                )
            )
    return c


def url(c: Campaign, tail: str, app_id: str = APP_ID) -> str:
    return f"/console/api/accounts/{app_id}/campaigns/{c.campaign_id}/{tail}"


def synced(stack: Settings, followers: int | None) -> None:
    catalog = CatalogStore(stack)
    catalog.replace_tags(APP_ID, [Tag(id=101, name="会员", count=4000)])
    catalog.save_state(
        SyncState(
            app_id=APP_ID,
            tags_synced_at=NOW,
            tag_count=1,
            followers_total=followers,
            followers_counted_at=NOW if followers is not None else None,
        )
    )


# --- who may ---------------------------------------------------------------------------------

READS = ["tools", "plan", "offline-plan", "articles.csv"]
WRITES = [("preview", {"openid": "oFAN1"}), ("offline", {"confirmed": [1000]})]


def test_every_tool_needs_a_token_a_grant_and_writing_the_operator_role(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    c = draft(stack)
    for tail in READS:
        assert console("GET", url(c, tail), None).status == 401, tail
        assert console("GET", url(c, tail), STRANGER).status == 403, tail
        assert console("GET", url(c, tail, OTHER_APP_ID), claims("viewer")).status == 403, tail
    for tail, body in WRITES:
        assert console("POST", url(c, tail), None, body).status == 401, tail
        assert console("POST", url(c, tail), VIEWER, body).status == 403, tail
        assert console("POST", url(c, tail), STRANGER, body).status == 403, tail
    # Then nothing reached WeChat
    assert wechat.previews == [] and wechat.deleted == []


# --- plan ------------------------------------------------------------------------------------


def test_the_plan_of_a_draft_comes_from_the_synced_counts(stack: Settings, console: Call) -> None:
    # Given a draft on tag 101 and a sync that counted 10,000 followers, 4,000 under the tag
    c = draft(stack)
    synced(stack, 10_000)
    # When a viewer asks for its plan
    answer = console("GET", url(c, "plan"), VIEWER)
    # Then the variants' calls fall on today's WeChat day, the winner's on tomorrow's
    assert answer.status == 200, answer.text
    plan = answer.json()
    assert plan["known"] and plan["source"].startswith("the synced copy")
    assert plan["counted_at"] == NOW and plan["calls_per_day"] == 100 and plan["used_today"] == 0
    assert [d["day"] for d in plan["days"]] == ["2026-11-22", "2026-11-23"]
    assert [(s["label"], s["calls"]) for s in plan["days"][0]["legs"]] == [
        ("会员/A", 1),
        ("会员/B", 1),
    ]
    assert [(s["label"], s["calls"]) for s in plan["days"][1]["legs"]] == [("会员/winner", 1)]
    assert plan["total_calls"] == 3
    assert plan["header"].startswith("plan of mass calls (budget 100/day")


def test_without_a_follower_count_the_plan_says_why(stack: Settings, console: Call) -> None:
    c = draft(stack)
    synced(stack, None)
    plan = console("GET", url(c, "plan"), VIEWER).json()
    assert not plan["known"] and plan["days"] == []
    assert "has not counted" in plan["source"]


def test_a_started_campaign_has_no_plan(stack: Settings, console: Call) -> None:
    c = sent(stack, draft(stack))
    answer = console("GET", url(c, "plan"), VIEWER)
    assert answer.status == 409 and "succeeded" in answer.json()["message"]


# --- preview ---------------------------------------------------------------------------------


def test_an_operator_previews_one_leg_to_a_wechat_id(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    c = draft(stack)
    answer = console("POST", url(c, "preview"), OPERATOR, {"wxname": "li_lei2026", "leg": "会员/B"})
    assert answer.status == 200, answer.text
    assert answer.json()["previews"] == [{"leg": "会员/B", "to": "wxid:li_lei2026"}]
    assert wechat.previews == [("towxname", "li_lei2026")]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),  # nobody
        ({"openid": "oFAN1", "wxname": "li_lei2026"}, 422),  # two
        ({"wxname": "1bad"}, 422),  # not a WeChat ID
        ({"openid": "oFAN1", "leg": "会员/Z"}, 422),  # no such leg
        ({"openid": "oBAD"}, 422),  # WeChat: not a follower (43004)
    ],
)
def test_a_refused_preview_says_why_and_sends_nothing(
    stack: Settings, console: Call, wechat: FakeWeChat, body: dict[str, str], status: int
) -> None:
    c = draft(stack)
    answer = console("POST", url(c, "preview"), OPERATOR, body)
    assert answer.status == status, answer.text
    assert answer.json()["message"]
    assert wechat.previews == []


def test_wechat_refusing_a_preview_comes_back_as_its_reason(
    stack: Settings, console: Call, wechat: FakeWeChat
) -> None:
    c = draft(stack)
    found = console("POST", url(c, "preview"), OPERATOR, {"openid": "oBAD"}).json()
    assert found["reason"]["code"] == "wechat.43004"
    assert found["message"].startswith("WeChat refused")
    assert "Traceback" not in json.dumps(found)


def test_the_tools_are_in_the_openapi_document(console: Call) -> None:
    doc = console("GET", "/console/api/openapi.json", VIEWER).json()
    base = "/console/api/accounts/{app_id}/campaigns/{campaign_id}"
    tails = ["tools", "plan", "preview", "offline-plan", "offline", "articles.csv"]
    assert {f"{base}/{tail}" for tail in tails} <= set(doc["paths"])
    assert {"PlanAnswer", "PreviewRequest", "OfflinePlan"} <= set(doc["components"]["schemas"])


def test_the_tools_answer_says_what_the_status_allows(stack: Settings, console: Call) -> None:
    # Given a draft (nothing planned yet) and the same campaign queued
    c = draft(stack)
    tools = console("GET", url(c, "tools"), VIEWER).json()
    assert tools["reschedulable"] is False and tools["timezone"] == "Asia/Shanghai"
    assert [(leg["label"], leg["waiting"]) for leg in tools["legs"]] == [
        ("会员/A", False),
        ("会员/B", False),
        ("会员/winner", False),
    ]
    store = CampaignStore(stack)
    legs = plan_legs(c.spec, "Asia/Shanghai", NOW)
    store.save(
        c.scheduled(legs, execution=c.campaign_id, now=NOW).in_status(
            CampaignStatus.QUEUED, now=NOW
        )
    )
    tools = console("GET", url(c, "tools"), VIEWER).json()
    # Then a queued one may be rescheduled, each leg waiting at its planned time
    assert tools["reschedulable"] is True
    assert [leg["send_at"] for leg in tools["legs"]] == [leg.send_at for leg in legs]
    assert all(leg["waiting"] for leg in tools["legs"])
