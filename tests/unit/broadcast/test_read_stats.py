"""The statistics adapter: maintained endpoints first, and not ready, empty, outage and gone apart."""

from __future__ import annotations

from typing import Any

from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage.wechat.read_stats import ReadStats, StatsState

DAY = "2026-11-22"


class Api:
    """Each endpoint answers what it was given: rows, a dict, or an exception."""

    def __init__(self, detail: Any = None, read: Any = None, total: Any = None) -> None:
        self.detail = {"list": [], "is_delay": False} if detail is None else detail
        self.read = [] if read is None else read
        self.total = [] if total is None else total
        self.asked: list[str] = []

    def _answer(self, name: str, answer: Any) -> Any:
        self.asked.append(name)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def article_total_details(self, day: str) -> dict[str, Any]:
        return self._answer("getarticletotaldetail", self.detail)  # type: ignore[no-any-return]

    def article_reads(self, day: str) -> list[dict[str, Any]]:
        return self._answer("getarticleread", self.read)  # type: ignore[no-any-return]

    def article_totals(self, day: str) -> list[dict[str, Any]]:
        return self._answer("getarticletotal", self.total)  # type: ignore[no-any-return]


def detail_row(data_id: int, *cumulative: int) -> dict[str, Any]:
    days = [f"2026-11-{22 + n}" for n in range(len(cumulative))]
    return {
        "msgid": f"{data_id}_1",
        "detail_list": [{"stat_date": d, "read_user": n} for d, n in zip(days, cumulative, strict=True)],
    }  # fmt: skip


def test_the_maintained_endpoint_answers_first_with_its_latest_cumulative_figure() -> None:
    # Given getarticletotaldetail lists both articles, read by 3 then 7 and by 0
    api = Api(detail={"list": [detail_row(10, 3, 7), detail_row(20, 0)], "is_delay": False})
    # When their readers are asked for
    answer = ReadStats(api).readers(DAY, [10, 20])
    # Then they are ready from that endpoint alone: 7 and 0
    assert (answer.state, answer.readers, answer.source) == (
        StatsState.READY, {10: 7, 20: 0}, "getarticletotaldetail"
    )  # fmt: skip
    assert api.asked == ["getarticletotaldetail"]


def test_an_empty_legacy_answer_is_empty_never_zero_readers() -> None:
    # Given every endpoint answering an empty list (the legacy one as seen since deprecation)
    api = Api()
    # When readers are asked for
    answer = ReadStats(api).readers(DAY, [10])
    # Then the day is "empty", no reader count is made up, and every endpoint was tried in order
    assert (answer.state, answer.readers) == (StatsState.EMPTY, {})
    assert api.asked == ["getarticletotaldetail", "getarticleread", "getarticletotal"]
    assert "getarticletotal empty (empty list (legacy, no longer maintained))" in answer.explain()


def test_the_daily_endpoint_fills_in_when_the_detailed_one_lacks_the_article() -> None:
    # Given getarticletotaldetail without article 20, and getarticleread listing only 10
    api = Api(
        detail={"list": [detail_row(10, 4)], "is_delay": False},
        read=[{"msgid": "10_1", "detail": {"read_user": 4}}, {"msgid": "10_2", "detail": {"read_user": 9}}],
    )  # fmt: skip
    answer = ReadStats(api).readers(DAY, [10, 20])
    # Then getarticleread answers: the headline article's 4, and 0 for the unread one
    assert (answer.state, answer.readers, answer.source) == (
        StatsState.READY, {10: 4, 20: 0}, "getarticleread"
    )  # fmt: skip


def test_the_legacy_endpoint_is_the_last_resort() -> None:
    # Given both maintained endpoints gone (48001) and the legacy one answering
    gone = WeChatApiError(48001, "api unauthorized", "/datacube/x")
    legacy = [{"msgid": "10_1", "details": [{"stat_date": DAY, "int_page_read_user": 6}]}]
    answer = ReadStats(Api(detail=gone, read=gone, total=legacy)).readers(DAY, [10])
    # Then its figures are used, and the sources that refused are remembered as gone
    assert (answer.state, answer.readers, answer.source) == (
        StatsState.READY, {10: 6}, "getarticletotal"
    )  # fmt: skip
    assert [a.state for a in answer.answers][:2] == [StatsState.GONE, StatsState.GONE]


def test_a_day_not_over_stops_at_the_first_endpoint() -> None:
    api = Api(detail=WeChatApiError(61501, "date range error", "/datacube/getarticletotaldetail"))
    answer = ReadStats(api).readers(DAY, [10])
    assert answer.state is StatsState.NOT_READY
    assert api.asked == ["getarticletotaldetail"]


def test_delayed_figures_are_not_ready() -> None:
    api = Api(detail={"list": [detail_row(10, 5)], "is_delay": True})
    assert ReadStats(api).readers(DAY, [10]).state is StatsState.NOT_READY


def test_an_outage_is_unavailable_and_never_raises() -> None:
    # Given -1 on the maintained endpoints and the network failing on the legacy one
    busy = WeChatApiError(-1, "system error", "/datacube/getarticletotaldetail")
    cut = WeChatTransportError("/datacube/getarticletotal", maybe_delivered=True, detail="timeout")
    answer = ReadStats(Api(detail=busy, read=busy, total=cut)).readers(DAY, [10])
    # Then the day is unavailable (ask again soon), not empty and not an error
    assert answer.state is StatsState.UNAVAILABLE


def test_an_endpoint_gone_everywhere_reads_as_gone() -> None:
    gone = WeChatApiError(48001, "api unauthorized", "/datacube/x")
    answer = ReadStats(Api(detail=gone, read=gone, total=gone)).readers(DAY, [10])
    assert answer.state is StatsState.GONE
