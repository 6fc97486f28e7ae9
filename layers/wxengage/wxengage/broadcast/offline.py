"""What `campaign offline` takes down, worked out before anything is deleted.

WeChat deletes a news item's page, not one send of it: if several mass sends sent one news
item, deleting one of them deletes the page and every send goes (deleteMassMsg, notes 4 and 6:
https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg). So taking
one leg offline takes down every batch that sent the same news, in whichever leg it went out
(an A/B winner sends its variant's article). Only news sent through the API can be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import MpNews
from wxengage.broadcast.state import Campaign, LegState


class NothingOfflineError(ValueError):
    """Nothing the request names was sent as news; the message says what there is."""


@dataclass(frozen=True)
class OfflineBatch:
    """One batch the delete takes down."""

    leg: str
    label: str
    number: int
    clientmsgid: str
    msg_id: int | None
    already_offline: bool


@dataclass(frozen=True)
class OfflineArticle:
    """One news item (media_id), the job whose msg_id deletes it, and every batch it takes down."""

    media_id: str
    delete_with: int  # one delivered job's msg_id: deleting it deletes the page for all
    batches: list[OfflineBatch] = field(default_factory=list)

    @property
    def legs(self) -> list[str]:
        """The labels of the legs that sent it, in order."""
        return list(dict.fromkeys(b.label for b in self.batches))


def _label(state: LegState) -> str:
    if state.kind is LegKind.VARIANT:
        return f"{state.group}/{state.variant}"
    return f"{state.group}/winner" if state.kind is LegKind.WINNER else state.group


def _sent(batch: BatchState) -> bool:
    """WeChat has the job and did not report it failed (mass/delete needs a sent message)."""
    if batch.status is not BatchStatus.SUBMITTED:
        return False
    return batch.result is None or BatchResult.succeeded(batch.result)


def _down(batch: BatchState, article_idx: int) -> bool:
    """Already taken down as asked (the whole news item, or this article of it)."""
    return batch.offline_at is not None and batch.offline_article in (0, article_idx)


def offline_plan(
    c: Campaign,
    legs: list[LegState],
    batches: dict[str, list[BatchState]],
    leg: str | None,
    article_idx: int = 0,
) -> list[OfflineArticle]:
    """The news items to delete for `leg` (None: every news leg) and every batch each takes down;
    news already down as asked is left alone (WeChat has nothing left to delete)."""
    planned = {leg.key: i for i, leg in enumerate(c.legs)}

    def order(key: str) -> int:
        return planned.get(key, len(planned))

    news: dict[str, list[tuple[LegState, BatchState]]] = {}
    for state in sorted(legs, key=lambda s: order(s.key)):
        if not isinstance(state.content, MpNews):
            continue  # WeChat deletes news and video only; the engine sends no video
        for batch in batches.get(state.key, []):
            if _sent(batch):
                news.setdefault(state.content.media_id, []).append((state, batch))
    wanted = {
        media_id
        for media_id, sent in news.items()
        if leg is None or any(state.key == leg for state, _ in sent)
    }
    if not wanted:
        what = "no sent news" if leg is None else f"no sent news in leg {leg}"
        raise NothingOfflineError(f"campaign {c.campaign_id} has {what} to take offline")
    out = []
    for media_id in sorted(wanted, key=lambda m: order(news[m][0][0].key)):
        sent = news[media_id]
        with_id = [b for _, b in sent if b.msg_id is not None]
        if not with_id or all(_down(b, article_idx) for _, b in sent):
            continue  # 45065 without msg_id only (no id to delete by), or already down
        delivered = [b for b in with_id if BatchResult.succeeded(b.result)] or with_id
        out.append(
            OfflineArticle(
                media_id=media_id,
                delete_with=delivered[0].msg_id or 0,
                batches=[
                    OfflineBatch(
                        leg=s.key,
                        label=_label(s),
                        number=b.number,
                        clientmsgid=b.clientmsgid,
                        msg_id=b.msg_id,
                        already_offline=_down(b, article_idx),
                    )
                    for s, b in sent
                ],
            )
        )
    if not out:
        raise NothingOfflineError(
            f"campaign {c.campaign_id}: that news is already offline, or went out without a "
            "msg_id (WeChat answered 45065 without one), so there is no id to delete it by"
        )
    return out
