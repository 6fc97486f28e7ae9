"""One adapter over WeChat's read statistics: maintained endpoints first, the legacy one last.

Sources, in order (doc pages under https://developers.weixin.qq.com/doc/service/api/wedata/news/):
1. getarticletotaldetail (api_getarticletotaldetail, maintained): every article *published* on
   the day asked, with one cumulative `detail_list` entry per day since (up to 30); unread
   articles are listed too, so a missing msg_data_id means the figures are not there.
2. getarticleread (api_getarticleread, maintained): the articles *read* on the day asked, that
   day's readers only; an unread article is absent (0), an empty list proves nothing.
3. getarticletotal (api_getarticletotal, "本接口已停止维护"): cumulative like 1. It has been seen
   answering {"list": []} for days with reads (WECHAT.md section 9; developers.weixin.qq.com
   community thread "getarticletotal,数据返回空"), so an empty answer is "empty", never zero.
`msgid` in all three is "<msg_data_id>_<index>"; the headline article (index 1) stands for the send.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from wxengage.observability import logger
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError

# 61500/61501: date format or range error; for a day not over yet (or asked before 08:00 the
# next day) WeChat answers 61501 or an empty list (api_getarticletotal, "数据每日8点后可查").
NOT_READY_CODES = {61501}
# Short outages: ask again later (WECHAT.md section 11; TOKEN: refused after one refetch).
TRANSIENT = {ErrorCategory.RETRY_BACKOFF, ErrorCategory.RETRY_NEXT_MINUTE, ErrorCategory.TOKEN}


class StatsApi(Protocol):
    def article_total_details(self, day: str) -> dict[str, Any]: ...
    def article_reads(self, day: str) -> list[dict[str, Any]]: ...
    def article_totals(self, day: str) -> list[dict[str, Any]]: ...


class StatsState(StrEnum):
    """What WeChat's statistics said about a day's articles."""

    READY = "ready"  # every article asked for has figures
    NOT_READY = "not_ready"  # the day is not counted yet (61501, is_delay): ask later
    EMPTY = "empty"  # answered, without our articles: not proof of zero readers
    UNAVAILABLE = "unavailable"  # -1, 45011, network: a short outage, ask again soon
    GONE = "gone"  # the endpoint refused for good (not authorised, no longer served)


# When no source is ready, the day reads as the most hopeful of what the sources said.
_RANK = [StatsState.NOT_READY, StatsState.UNAVAILABLE, StatsState.EMPTY, StatsState.GONE]


class SourceAnswer(BaseModel):
    """What one endpoint said."""

    model_config = ConfigDict(frozen=True)

    source: str
    state: StatsState
    detail: str = ""


class DayReads(BaseModel):
    """Readers per msg_data_id sent on one day, and how each endpoint answered."""

    model_config = ConfigDict(frozen=True)

    day: str
    state: StatsState
    readers: dict[int, int] = Field(default_factory=dict)
    source: str = ""  # the endpoint the readers come from
    answers: list[SourceAnswer] = Field(default_factory=list)

    def explain(self) -> str:
        """One line an operator reads: what each endpoint said for the day."""
        said = "; ".join(f"{a.source} {a.state.value}{_paren(a.detail)}" for a in self.answers)
        return f"{self.day}: {said}" if said else self.day


class ReadStats:
    """Unique readers of the headline article of each mass job, by msg_data_id."""

    def __init__(self, api: StatsApi) -> None:
        self._api = api

    def readers(self, day: str, msg_data_ids: Iterable[int]) -> DayReads:
        """Readers of the news sent on `day` (YYYY-MM-DD, account time). Never raises on a
        WeChat error: the answer says ready, not ready, empty, unavailable or gone."""
        wanted = set(msg_data_ids)
        if not wanted:
            return DayReads(day=day, state=StatsState.READY, source="none needed")
        answers: list[SourceAnswer] = []
        for source, ask in (
            ("getarticletotaldetail", self._total_detail),
            ("getarticleread", self._read),
            ("getarticletotal", self._total),
        ):
            try:
                state, found, detail = ask(day, wanted)
            except WeChatApiError as err:
                state, found, detail = _state_of(err), {}, f"errcode {err.errcode}"
            except WeChatTransportError as err:
                state, found, detail = StatsState.UNAVAILABLE, {}, str(err)
            answers.append(SourceAnswer(source=source, state=state, detail=detail))
            if state is StatsState.READY:
                return DayReads(day=day, state=state, readers=found, source=source, answers=answers)
            if state is StatsState.NOT_READY:
                break  # the day is not over for any of them
            logger.warning(
                "read statistics source gave nothing usable; asking the next",
                extra={"source": source, "state": state.value, "day": day, "detail": detail},
            )
        state = min((a.state for a in answers), key=_RANK.index)
        return DayReads(day=day, state=state, answers=answers)

    def _total_detail(self, day: str, wanted: set[int]) -> tuple[StatsState, dict[int, int], str]:
        answer = self._api.article_total_details(day)
        rows = list(answer.get("list") or [])
        found = _cumulative(rows, wanted, details_key="detail_list", readers_key="read_user")
        if answer.get("is_delay"):
            return StatsState.NOT_READY, {}, "is_delay: figures not up to date"
        if wanted <= found.keys():
            return StatsState.READY, found, ""
        return StatsState.EMPTY, {}, _missing(rows, wanted, found)

    def _read(self, day: str, wanted: set[int]) -> tuple[StatsState, dict[int, int], str]:
        rows = self._api.article_reads(day)
        if not rows:
            return StatsState.EMPTY, {}, "empty list"
        out = dict.fromkeys(wanted, 0)  # an article nobody read that day is simply absent
        for data_id, row in _headlines(rows, wanted):
            out[data_id] = int((row.get("detail") or {}).get("read_user", 0))
        return StatsState.READY, out, "readers of the send day only"

    def _total(self, day: str, wanted: set[int]) -> tuple[StatsState, dict[int, int], str]:
        rows = self._api.article_totals(day)
        found = _cumulative(rows, wanted, details_key="details", readers_key="int_page_read_user")
        if rows and wanted <= found.keys():
            return StatsState.READY, found, "legacy, no longer maintained"
        detail = "empty list" if not rows else _missing(rows, wanted, found)
        return StatsState.EMPTY, {}, f"{detail} (legacy, no longer maintained)"


def _state_of(err: WeChatApiError) -> StatsState:
    if err.errcode in NOT_READY_CODES:
        return StatsState.NOT_READY
    if err.category in TRANSIENT:
        return StatsState.UNAVAILABLE
    return StatsState.GONE


def _headlines(
    rows: list[dict[str, Any]], wanted: set[int]
) -> Iterable[tuple[int, dict[str, Any]]]:
    for row in rows:
        data_id, _, index = str(row.get("msgid", "")).partition("_")
        if data_id.isdigit() and int(data_id) in wanted and index in ("", "1"):
            yield int(data_id), row


def _cumulative(
    rows: list[dict[str, Any]], wanted: set[int], *, details_key: str, readers_key: str
) -> dict[int, int]:
    """Each day's detail is cumulative since the send: the latest one has every reader."""
    out: dict[int, int] = {}
    for data_id, row in _headlines(rows, wanted):
        details = row.get(details_key) or [row]
        latest = max(details, key=lambda d: str(d.get("stat_date", "")))
        out[data_id] = int(latest.get(readers_key, 0))
    return out


def _missing(rows: list[dict[str, Any]], wanted: set[int], found: dict[int, int]) -> str:
    if not rows:
        return "empty list"
    return f"{len(wanted - found.keys())} of {len(wanted)} articles missing"


def _paren(text: str) -> str:
    return f" ({text})" if text else ""
