"""The sandbox's mass send behaves like WeChat's: sizes, clientmsgid, caps, reports, statistics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, Harness, running_sandbox

SEND = "/cgi-bin/message/mass/send"
NEWS = {"msgtype": "mpnews", "mpnews": {"media_id": "M1"}, "send_ignore_reprint": 0}
TEXT = {"msgtype": "text", "text": {"content": "hello"}}


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    # 2026-11-22T10:00Z is 18:00 in Shanghai, the fake accounts' time zone
    with running_sandbox() as harness:
        for i in range(5):
            harness.control("POST", "followers", {"app_id": APP_ID, "openid": f"o{i}", "tags": []})
        yield harness


def send(wx: Harness, touser: list[str], cmid: str, message: dict[str, Any] = TEXT) -> Any:
    return wx.wechat(SEND, {"touser": touser, **message, "clientmsgid": cmid})


def masses(wx: Harness) -> list[dict[str, Any]]:
    return list(wx.control("GET", "masses", app_id=APP_ID)["masses"])


def test_a_batch_must_hold_2_to_10000_openids(wx: Harness) -> None:
    # Given batches of 1 and 10,001 openids / When sent / Then WeChat's 40130, and no job
    assert send(wx, ["o0"], "c-1")["errcode"] == 40130
    assert send(wx, [f"x{i}" for i in range(10_001)], "c-2")["errcode"] == 40130
    assert masses(wx) == []


def test_a_clientmsgid_is_refused_within_a_minute_and_named_within_a_day(
    wx: Harness, fake_clock: FakeClock
) -> None:
    # Given a batch accepted under "c-1"
    first = send(wx, ["o0", "o1"], "c-1")
    assert first["errcode"] == 0
    # When the same id comes back 30 s later, then 2 minutes later, and a 65-byte id is tried
    fake_clock.advance(30)
    too_fast = send(wx, ["o0", "o1"], "c-1")
    fake_clock.advance(90)
    again = send(wx, ["o0", "o1"], "c-1")
    too_long = send(wx, ["o2", "o3"], "c" * 65)
    # Then 45066, then 45065 naming the first job; nothing is sent twice
    assert too_fast["errcode"] == 45066
    assert (again["errcode"], again["msg_id"]) == (45065, first["msg_id"])
    assert too_long["errcode"] == 45067
    (job,) = masses(wx)
    assert job["delivered"] == ["o0", "o1"]


def test_a_service_account_follower_gets_at_most_4_a_month(
    wx: Harness, fake_clock: FakeClock
) -> None:
    # Given four broadcasts to o0 and o1 this month
    for n in range(4):
        assert send(wx, ["o0", "o1"], f"m-{n}")["errcode"] == 0
    # When a fifth comes, to them and o2, and another on December 1st (Shanghai)
    fifth = send(wx, ["o0", "o1", "o2"], "m-5")
    fake_clock.advance(9 * 86400)  # 2026-12-01T10:00Z
    wx.forget_tokens()
    december = send(wx, ["o0", "o1"], "m-6")
    # Then the fifth reached only o2 (two filtered) and December's reached both
    jobs = {job["clientmsgid"]: job for job in masses(wx)}
    assert fifth["errcode"] == 0 and december["errcode"] == 0
    assert (jobs["m-5"]["delivered"], jobs["m-5"]["filtered"]) == (["o2"], 2)
    assert jobs["m-6"]["delivered"] == ["o0", "o1"]


def test_unknown_openids_are_filtered_and_a_job_reaching_nobody_fails(wx: Harness) -> None:
    # Given a batch of two openids that do not follow the account / When sent
    answer = send(wx, ["nobody-1", "nobody-2"], "c-x")
    # Then WeChat accepts the job, which then fails: everyone filtered
    job = wx.wechat("/cgi-bin/message/mass/get", {"msg_id": answer["msg_id"]})
    assert job["msg_status"] == "SEND_FAIL"
    assert masses(wx)[0]["filtered"] == 2


def test_read_statistics_arrive_after_eight_the_next_morning(
    wx: Harness, fake_clock: FakeClock
) -> None:
    # Given a news batch to 5 followers on the 22nd (Shanghai) and a seeded 40% read rate
    wx.control("POST", "reads", {"media_id": "M1", "rate": 0.4})
    sent = send(wx, [f"o{i}" for i in range(5)], "n-1", NEWS)
    day = {"begin_date": "2026-11-22", "end_date": "2026-11-22"}
    # When asked the same evening, at 07:59 and at 08:00 next day (Shanghai)
    evening = wx.wechat("/datacube/getarticletotal", day)
    fake_clock.advance(13 * 3600 + 59 * 60)  # 2026-11-23T07:59 Shanghai
    wx.forget_tokens()
    early = wx.wechat("/datacube/getarticletotal", day)
    fake_clock.advance(60)
    ready = wx.wechat("/datacube/getarticletotal", day)
    # Then only the last answers, with 2 of 5 readers under the job's msg_data_id
    assert evening["errcode"] == 61501 and early["errcode"] == 61501
    (row,) = ready["list"]
    assert row["msgid"] == f"{sent['msg_data_id']}_1"
    assert (row["details"][0]["target_user"], row["details"][0]["int_page_read_user"]) == (5, 2)


def test_preview_uses_no_quota_and_delete_takes_news_down(wx: Harness) -> None:
    # Given a preview to o0 and a news job
    preview = wx.wechat("/cgi-bin/message/mass/preview", {"touser": "o0", **NEWS})
    job = send(wx, ["o0", "o1"], "n-2", NEWS)
    # When the job is deleted, and a text job's deletion is tried
    text_job = send(wx, ["o2", "o3"], "t-1")
    deleted = wx.wechat("/cgi-bin/message/mass/delete", {"msg_id": job["msg_id"], "article_idx": 0})
    refused = wx.wechat(
        "/cgi-bin/message/mass/delete", {"msg_id": text_job["msg_id"], "article_idx": 0}
    )
    # Then the preview is logged without a job, the news is DELETE, the text cannot be deleted
    assert preview["errcode"] == 0
    assert wx.control("GET", "previews", app_id=APP_ID)["previews"][0]["touser"] == "o0"
    assert len(masses(wx)) == 2
    assert deleted["errcode"] == 0 and refused["errcode"] == 47001
    status = wx.wechat("/cgi-bin/message/mass/get", {"msg_id": job["msg_id"]})
    assert status["msg_status"] == "DELETE"


def test_speed_is_read_and_set_within_0_to_4(wx: Harness) -> None:
    # Given the default speed / When set to 3, then to 9
    before = wx.wechat("/cgi-bin/message/mass/speed/get", {})
    wx.wechat("/cgi-bin/message/mass/speed/set", {"speed": 3})
    bad = wx.wechat("/cgi-bin/message/mass/speed/set", {"speed": 9})
    after = wx.wechat("/cgi-bin/message/mass/speed/get", {})
    # Then 0 (800k/min) became 3 (300k/min); 9 was refused
    assert (before["speed"], after["speed"], after["realspeed"]) == (0, 3, 30)
    assert bad["errcode"] == 47001
