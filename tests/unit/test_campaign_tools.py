"""The campaign tools' pure rules: synced audience counts, refusals in words, the offline
confirmation, and the article data table."""

from __future__ import annotations

from wxengage.broadcast.article_data import BOM, article_rows, local_time, to_csv
from wxengage.broadcast.offline import (
    OfflineArticle,
    OfflineBatch,
    plan_msg_ids,
    stale_confirmation,
)
from wxengage.broadcast.reasons import from_wechat
from wxengage.broadcast.spec import CampaignSpec
from wxengage.console.campaign_tools import (
    NO_TAGS,
    NOT_COUNTED,
    STORE_UNKNOWN,
    RequestFailedError,
    refusal,
    synced_counts,
)
from wxengage.sync.models import SyncState, Tag

APP = "wx0123456789abcdef"


def spec(audience: object, source: str = "wechat") -> CampaignSpec:
    return CampaignSpec.model_validate(
        {
            "name": "n",
            "audience_source": source,
            "groups": [
                {
                    "name": "g",
                    "audience": audience,
                    "content": {"type": "mpnews", "media_id": "M"},
                    "send_at": "2026-11-22T21:00:00",
                }
            ],
        }
    )


def test_synced_counts_come_from_the_sync_state_and_the_tags() -> None:
    state = SyncState(app_id=APP, tags_synced_at=5, followers_total=900, followers_counted_at=7)
    found, why = synced_counts(spec({"tags": [3]}), state, [Tag(id=3, name="会员", count=40)])
    assert found is not None and why == ""
    assert (found.followers, found.tags, found.counted_at) == (900, {3: 40}, 7)


def test_synced_counts_say_why_they_are_missing() -> None:
    assert synced_counts(spec("all"), None, []) == (None, NOT_COUNTED)
    no_tags = SyncState(app_id=APP, followers_total=9)
    assert synced_counts(spec({"tags": [3]}), no_tags, []) == (None, NO_TAGS)
    assert synced_counts(spec("all"), no_tags, [])[0] is not None  # no tag needed
    assert synced_counts(spec("all", "store"), no_tags, []) == (None, STORE_UNKNOWN)


def test_a_failed_request_maps_to_a_status_and_the_reason_in_words() -> None:
    def mapped(code: int) -> tuple[int, str]:
        why = from_wechat(code, "/cgi-bin/message/mass/preview").model_dump_json()
        status, body = refusal(RequestFailedError("WeChatRefusedError", why))
        return status, body["reason"]["code"]

    assert mapped(43004) == (422, "wechat.43004")  # not a follower
    assert mapped(45009) == (409, "wechat.45009")  # today's limit
    assert mapped(48001) == (502, "wechat.48001")  # the account lacks the API
    conflict = refusal(RequestFailedError("CampaignConflictError", "no sent news"))
    assert conflict == (409, {"message": "no sent news"})
    status, body = refusal(RequestFailedError("KeyError", "'secret' at /var/task/x.py"))
    assert status == 502 and "/var/task" not in body["message"]


def batch(n: int, msg_id: int | None, down: bool = False) -> OfflineBatch:
    return OfflineBatch(
        campaign_id="c1",
        leg="g0",
        label="g",
        number=n,
        clientmsgid=f"c1-{n}",
        msg_id=msg_id,
        already_offline=down,
    )


def test_the_offline_confirmation_is_the_plans_msg_ids() -> None:
    plan = [OfflineArticle("M", 11, [batch(0, 11), batch(1, None), batch(2, 12, down=True)])]
    assert plan_msg_ids(plan) == [11]
    assert stale_confirmation(plan, [11]) is None
    grown = [OfflineArticle("M", 11, [batch(0, 11), batch(3, 13)])]
    said = stale_confirmation(grown, [11])
    assert said is not None and "now also takes down msg_id 13" in said
    said = stale_confirmation([OfflineArticle("M", 13, [batch(3, 13)])], [11, 13])
    assert said is not None and "no longer takes down msg_id 11" in said


def test_article_rows_follow_the_report_with_local_times_and_a_bom() -> None:
    report = {
        "groups": [
            {
                "name": "会员",
                "decision": {"winner": "A"},
                "reads_not_fetched": False,
                "legs": [
                    {
                        "leg": "g0v0",
                        "label": "会员/A",
                        "kind": "variant",
                        "status": "succeeded",
                        "sent_at": "2026-11-22T13:00:00Z",
                        "sent": 100,
                        "filtered": 1,
                        "errors": 0,
                        "readers": 12,
                        "read_rate": 0.12,
                        "read_rate_ci95": [0.07, 0.2],
                        "offline_batches": 0,
                        "batch_details": [
                            {"msg_data_id": 55, "figures": "reported"},
                            {"msg_data_id": 56, "figures": "estimated"},
                        ],
                    },
                    {"leg": "g0w", "label": "=会员/winner", "kind": "winner", "status": "queued"},
                ],
            }
        ]
    }
    rows = article_rows(report, "Asia/Shanghai")
    assert rows[0]["sent_at"] == "2026-11-22 21:00:00" and rows[0]["msg_data_id"] == "55 56"
    assert rows[0]["figures"] == "reported+estimated" and rows[0]["reads"] == "decision"
    assert rows[1]["reads"] == "not measured" and rows[1]["sent"] == ""
    text = to_csv(rows, "Asia/Shanghai")
    assert text.startswith(BOM + "group,leg,label") and "sent_at (Asia/Shanghai)" in text
    assert ",'=会员/winner," in text  # never read as a formula by Excel
    assert local_time(None, "Asia/Shanghai") == ""
