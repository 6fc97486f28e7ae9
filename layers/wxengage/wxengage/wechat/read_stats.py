"""One adapter over WeChat's article read statistics: the legacy getarticletotal, then getarticleread."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from wxengage.observability import logger
from wxengage.wechat.api_errors import WeChatApiError

# The day is not over yet (61501); before 08:00 the next day the answer is an empty list.
NOT_READY = {61501}


class StatsApi(Protocol):
    def article_totals(self, day: str) -> list[dict[str, Any]]: ...
    def article_reads(self, day: str) -> list[dict[str, Any]]: ...


class ReadStats:
    """Unique readers of the first article of each mass job, by msg_data_id."""

    def __init__(self, api: StatsApi) -> None:
        self._api = api

    def readers(self, day: str, msg_data_ids: Iterable[int]) -> dict[int, int] | None:
        """Readers per msg_data_id sent on `day` (YYYY-MM-DD, account time), or None if not ready."""
        wanted = set(msg_data_ids)
        if not wanted:
            return {}
        try:
            rows = self._api.article_totals(day)
        except WeChatApiError as err:
            if err.errcode in NOT_READY:
                return None
            # getarticletotal is marked no longer maintained: fall back to its replacement.
            logger.warning(
                "getarticletotal failed; asking getarticleread",
                extra={"errcode": err.errcode, "day": day},
            )
            try:
                reads = self._api.article_reads(day)
            except WeChatApiError as newer:
                if newer.errcode in NOT_READY:
                    return None
                raise
            return _day_readers(reads, wanted)
        found = _readers(rows, wanted)
        return found if wanted <= found.keys() else None


def _readers(rows: list[dict[str, Any]], wanted: set[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for row in rows:
        data_id, _, index = str(row.get("msgid", "")).partition("_")
        if not data_id.isdigit() or int(data_id) not in wanted or index not in ("", "1"):
            continue  # the headline article stands for the message
        details = row.get("details") or [row]
        # Each day's detail is cumulative since the send: the latest one has every reader.
        latest = max(details, key=lambda d: str(d.get("stat_date", "")))
        out[int(data_id)] = int(latest.get("int_page_read_user", 0))
    return out


def _day_readers(rows: list[dict[str, Any]], wanted: set[int]) -> dict[int, int] | None:
    """getarticleread: readers on the send day only (it is daily, not cumulative), and an
    article nobody read is simply absent; an empty answer means the day is not in yet."""
    if not rows:
        return None
    out = dict.fromkeys(wanted, 0)
    for row in rows:
        data_id, _, index = str(row.get("msgid", "")).partition("_")
        if data_id.isdigit() and int(data_id) in wanted and index in ("", "1"):
            out[int(data_id)] = int((row.get("detail") or {}).get("read_user", 0))
    return out
