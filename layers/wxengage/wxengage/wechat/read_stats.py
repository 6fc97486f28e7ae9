"""One adapter over WeChat's article read statistics: the legacy getarticletotal, then getarticleread."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from wxengage.observability import logger
from wxengage.wechat.api_errors import WeChatApiError

# Date-range answers: the day's figures are not there yet (ready after 08:00 next day).
NOT_READY = {61500, 61501}


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
                rows = self._api.article_reads(day)
            except WeChatApiError as newer:
                if newer.errcode in NOT_READY:
                    return None
                raise
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
