"""`campaign status` text: aligned columns whatever the times, estimates flagged, reasons readable."""

from __future__ import annotations

from typing import Any

from wxengage_cli.campaign import with_local_times
from wxengage_cli.campaign_status import reason_text, status_lines, table, width
from wxengage_cli.localtime import Times

SHANGHAI = Times("Asia/Shanghai")


def _leg(key: str, label: str, send_at: str, sent_at: str | None, **more: Any) -> dict[str, Any]:
    return {"leg": key, "label": label, "kind": "group", "send_at": send_at, "status": "succeeded",
            "sent": 10, "filtered": 0, "capped": 0, "errors": 0, "readers": None,
            "read_rate": None, "sent_at": sent_at, "batches": 1, "estimated_batches": 0} | more  # fmt: skip


def _batch(n: int, **more: Any) -> dict[str, Any]:
    return {
        "batch": n,
        "clientmsgid": f"c1-g0-{n}",
        "msg_id": 1000 + n,
        "status": "succeeded",
        "sent_status": "succeeded",
        "submitted_at": "2026-12-04T02:00:05Z",
        "finished_at": "2026-12-04T02:01:00Z",
        "sent": 10,
        "filtered": 0,
        "errors": 0,
        "figures": "reported",
        "attempts": 1,
    } | more


def a_report(*legs: dict[str, Any]) -> dict[str, Any]:
    return {
        "app_id": "wx1",
        "campaign_id": "c1",
        "name": "news",
        "status": "succeeded",
        "reason": "",
        "started_at": "2026-12-04T02:00:00Z",
        "seed": None,
        "groups": [
            {
                "name": "vip",
                "audience": "all",
                "segment": None,
                "legs": list(legs),
                "decision": None,
                "reads_not_fetched": False,
            }
        ],
    }


def column(lines: list[str], header: str, title: str) -> set[int]:
    """Where the column `title` starts on each line of the table under `header`."""
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(header))
    at = lines[start].index(title)
    rows = [line for line in lines[start:] if line.startswith(lines[start][:4])]
    return {len(line[:at]) for line in rows} | {at}


def test_a_send_now_with_seconds_and_a_scheduled_one_stay_aligned() -> None:
    # Given one leg sent "now" (seconds) and one scheduled on the minute
    report = a_report(
        _leg("g0", "vip", "2026-12-04T02:00:07Z", "2026-12-04T02:00:07Z"),
        _leg("g1", "客户群", "2026-12-04T10:00:00Z", None, status="queued"),
    )
    # When printed
    lines = status_lines(report, SHANGHAI)
    # Then STATUS starts at the same display column on the header and every row
    table_lines = [line for line in lines if line.startswith("  ") and not line.startswith("   ")]
    header = next(line for line in table_lines if "STATUS" in line)
    rows = [line for line in table_lines if line.lstrip().startswith(("g0 ", "g1 "))]
    starts = {
        width(line[: line.index(s)]) for line, s in zip(rows, ["succeeded", "queued"], strict=True)
    }
    assert starts == {width(header[: header.index("STATUS")])}
    assert "2026-12-04 10:00:07 +08:00" in rows[0] and "2026-12-04 18:00 +08:00" in rows[1]


def test_the_actual_send_time_sits_beside_the_planned_one() -> None:
    # Given a winner planned for 10:00 that went at 11:00 (statistics were late)
    report = a_report(_leg("g0w", "vip/winner", "2026-12-04T02:00:00Z", "2026-12-04T03:00:00Z"))
    # When printed / Then the row reads 10:00 planned, 11:00 sent
    [row] = [line for line in status_lines(report, SHANGHAI) if "vip/winner" in line]
    assert row.index("2026-12-04 10:00 +08:00") < row.index("2026-12-04 11:00 +08:00")


def test_estimated_figures_are_flagged_in_the_text() -> None:
    # Given a leg whose one batch has mass/get's status only
    batch = _batch(1, figures="estimated", estimate_reason="mass/get said 'SEND_SUCCESS'")
    report = a_report(
        _leg("g0", "vip", "2026-12-04T02:00:00Z", None, estimated_batches=1, batch_details=[batch])
    )
    text = "\n".join(status_lines(report, SHANGHAI))
    # Then the figures carry ~ and a line says why
    assert " ~10 " in text
    assert "~ estimated: 1 of 1 batches without WeChat's counts" in text
    assert "~ mass/get said 'SEND_SUCCESS'" in text


def test_batches_show_ids_status_and_offline() -> None:
    report = a_report(
        _leg(
            "g0",
            "vip",
            "2026-12-04T02:00:00Z",
            "2026-12-04T02:00:05Z",
            offline_batches=1,
            batch_details=[
                _batch(1, status="offline", offline_at="2026-12-05T01:00:00Z", offline_article=0)
            ],
        )
    )
    text = "\n".join(status_lines(report, SHANGHAI))
    assert "c1-g0-1" in text and "1001" in text and "offline" in text
    assert "offline: 1 of 1 batches taken down (news page deleted 2026-12-05 09:00 +08:00)" in text
    assert "offline since 2026-12-05 09:00 +08:00 (whole news); it had been sent: succeeded" in text


def test_a_reason_of_any_shape_is_one_readable_line() -> None:
    assert reason_text("every batch failed") == "every batch failed"
    assert (
        reason_text({"code": "45028", "message": "no quota left", "action": "wait for tomorrow"})
        == "45028: no quota left (what to do: wait for tomorrow)"
    )
    assert reason_text(None) == ""


def test_table_pads_wide_characters_by_their_display_width() -> None:
    lines = table(["NAME", "N"], [["客户", "1"], ["ab", "22"]], right={1})
    assert [width(line) for line in lines] == [8, 8, 8]


def test_every_time_in_json_gets_its_local_twin() -> None:
    report = a_report(
        _leg(
            "g0",
            "vip",
            "2026-12-04T02:00:00Z",
            "2026-12-04T02:00:05Z",
            batch_details=[_batch(1, offline_at=None)],
        )
    )
    out = with_local_times(report, SHANGHAI)
    leg = out["groups"][0]["legs"][0]
    assert leg["sent_at_local"] == "2026-12-04 10:00:05 +08:00"
    batch = leg["batch_details"][0]
    assert batch["submitted_at"] == "2026-12-04T02:00:05Z"
    assert batch["finished_at_local"] == "2026-12-04 10:01 +08:00"
    assert batch["offline_at_local"] is None
