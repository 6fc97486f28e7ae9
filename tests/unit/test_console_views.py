"""The console's pure views: a leg's times and batches as epoch seconds; a follower's recalls by
rule name."""

from __future__ import annotations

from wxengage.console.views import follower_view, leg_row
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.windows import FollowerState

NOW = 1_795_341_600  # 2026-11-22T10:00:00Z


def test_a_leg_row_turns_the_reports_times_into_epoch_seconds() -> None:
    # Given a leg as broadcast/report.py writes it, with one batch
    leg = {
        "leg": "vip-A",
        "label": "A",
        "kind": "variant",
        "send_at": "2026-11-22T10:00:00Z",
        "sent_at": "2026-11-22T10:00:05Z",
        "finished_at": None,
        "status": "sending",
        "reason": "",
        "batch_details": [
            {
                "batch": 1,
                "clientmsgid": "c1-vip-A-1",
                "msg_id": 7,
                "size": 2,
                "status": "sending",
                "status_zh": "发送中",
                "submitted_at": "2026-11-22T10:00:05Z",
                "finished_at": None,
            }
        ],
    }
    # When it becomes a console row
    row = leg_row(leg)
    # Then planned and actual times, and the batch's, are epoch seconds; an empty reason is None
    assert (row.send_at, row.sent_at, row.finished_at) == (NOW, NOW + 5, None)
    assert row.reason is None
    [batch] = row.batch_details
    assert (batch.clientmsgid, batch.status_zh, batch.submitted_at) == (
        "c1-vip-A-1",
        "发送中",
        NOW + 5,
    )


def test_pending_recalls_read_by_the_rules_current_name_else_the_planned_one() -> None:
    # Given a follower with two recalls to come: one of a renamed rule, one of a rule gone
    state = FollowerState(app_id="wx1", openid="o1", last_recall_rule="r-1", recall_converted=True)
    pending = [
        PendingRecall(
            app_id="wx1", openid="o1", rule=planned, rule_id=rule_id, window_opened_at=NOW,
            window_closes_at=NOW + 48 * 3600, due_at=NOW + due, status=RecallStatus.QUEUED,
        )
        for planned, rule_id, due in (("旧名", "r-1", 60), ("已删除", "r-2", 120))
    ]  # fmt: skip
    # When the console views the follower, knowing only rule r-1 (now named 新名)
    view = follower_view(state, "Asia/Shanghai", NOW, {"r-1": "新名"}, pending)
    # Then r-1 reads by its current name, r-2 by the name it had when planned; ids are kept
    assert [(r.rule, r.rule_id, r.status) for r in view.pending_recalls] == [
        ("新名", "r-1", "queued"),
        ("已删除", "r-2", "queued"),
    ]
    assert (view.last_recall_rule, view.last_recall_rule_id, view.recall_answered) == (
        "新名",
        "r-1",
        True,
    )
