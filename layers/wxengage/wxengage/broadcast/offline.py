"""What `campaign offline` takes down, worked out before anything is deleted.

WeChat deletes a news item's page, not one send of it: if several mass sends sent one news
item, deleting one of them deletes the page and every send goes (deleteMassMsg, notes 4 and 6:
https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg). So taking
one leg offline takes down every batch that sent the same news, in whichever leg it went out
(an A/B winner sends its variant's article), and in the account's other campaigns too.
Only news sent through the API can be deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import CampaignSpec, MpNews
from wxengage.broadcast.state import Campaign, LegState


class NothingOfflineError(ValueError):
    """Nothing the request names was sent as news; the message says what there is."""


@dataclass(frozen=True)
class Sends:
    """One campaign's legs and their batches (by leg key), as the plan reads them."""

    campaign: Campaign
    legs: list[LegState]
    batches: dict[str, list[BatchState]]


@dataclass(frozen=True)
class OfflineBatch:
    """One batch the delete takes down."""

    campaign_id: str
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

    def legs(self, campaign_id: str) -> list[str]:
        """The labels of the legs of `campaign_id` that sent it, in order."""
        return list(dict.fromkeys(b.label for b in self.batches if b.campaign_id == campaign_id))

    def elsewhere(self, campaign_id: str) -> list[OfflineBatch]:
        """Its batches in the account's other campaigns."""
        return [b for b in self.batches if b.campaign_id != campaign_id]


def news_media(spec: CampaignSpec) -> set[str]:
    """The news items a campaign's spec can send (to pick which other campaigns to read)."""
    contents = [g.content for g in spec.groups] + [
        v.content for g in spec.groups for v in (g.ab_test.variants if g.ab_test else [])
    ]
    return {c.media_id for c in contents if isinstance(c, MpNews)}


class _Records(Protocol):
    """What reading the sends needs (the engine's CampaignRecords, or the CLI's store)."""

    def all(self, app_id: str) -> list[Campaign]: ...
    def legs(self, app_id: str, campaign_id: str) -> list[LegState]: ...
    def batches(self, app_id: str, campaign_id: str, leg: str) -> list[BatchState]: ...


def read_sends(records: _Records, c: Campaign) -> Sends:
    legs = records.legs(c.app_id, c.campaign_id)
    return Sends(c, legs, {s.key: records.batches(c.app_id, c.campaign_id, s.key) for s in legs})


def read_other_sends(records: _Records, c: Campaign) -> list[Sends]:
    """The account's other campaigns that may have sent this one's news (chosen by spec first)."""
    media = news_media(c.spec)
    return [
        read_sends(records, other)
        for other in records.all(c.app_id)
        if other.campaign_id != c.campaign_id and news_media(other.spec) & media
    ]


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


def _news(sends: Sends) -> dict[str, list[tuple[LegState, BatchState]]]:
    """Each news item the campaign sent, with its sent batches in campaign order."""
    planned = {leg.key: i for i, leg in enumerate(sends.campaign.legs)}
    news: dict[str, list[tuple[LegState, BatchState]]] = {}
    for state in sorted(sends.legs, key=lambda s: planned.get(s.key, len(planned))):
        if not isinstance(state.content, MpNews):
            continue  # WeChat deletes news and video only; the engine sends no video
        for batch in sends.batches.get(state.key, []):
            if _sent(batch):
                news.setdefault(state.content.media_id, []).append((state, batch))
    return news


def offline_plan(
    this: Sends,
    leg: str | None,
    article_idx: int = 0,
    others: Sequence[Sends] = (),
) -> list[OfflineArticle]:
    """The news items to delete for `leg` (None: every news leg) of `this` campaign and every
    batch each takes down, here and in `others`; news already down as asked is left alone."""
    c = this.campaign
    news = _news(this)
    wanted = [
        media_id
        for media_id, sent in news.items()
        if leg is None or any(state.key == leg for state, _ in sent)
    ]
    if not wanted:
        what = "no sent news" if leg is None else f"no sent news in leg {leg}"
        raise NothingOfflineError(f"campaign {c.campaign_id} has {what} to take offline")
    elsewhere = [
        (o.campaign.campaign_id, _news(o))
        for o in others
        if o.campaign.campaign_id != c.campaign_id
    ]
    out = []
    for media_id in wanted:
        sent = [(c.campaign_id, s, b) for s, b in news[media_id]]
        sent += [(cid, s, b) for cid, found in elsewhere for s, b in found.get(media_id, [])]
        with_id = [b for _, _, b in sent if b.msg_id is not None]
        if not with_id or all(_down(b, article_idx) for _, _, b in sent):
            continue  # 45065 without msg_id only (no id to delete by), or already down
        delivered = [b for b in with_id if BatchResult.succeeded(b.result)] or with_id
        out.append(
            OfflineArticle(
                media_id=media_id,
                delete_with=delivered[0].msg_id or 0,
                batches=[
                    OfflineBatch(
                        campaign_id=cid,
                        leg=s.key,
                        label=_label(s),
                        number=b.number,
                        clientmsgid=b.clientmsgid,
                        msg_id=b.msg_id,
                        already_offline=_down(b, article_idx),
                    )
                    for cid, s, b in sent
                ],
            )
        )
    if not out:
        raise NothingOfflineError(
            f"campaign {c.campaign_id}: that news is already offline, or went out without a "
            "msg_id (WeChat answered 45065 without one), so there is no id to delete it by"
        )
    return out


def plan_msg_ids(articles: Sequence[OfflineArticle]) -> list[int]:
    """The mass jobs a plan takes down (not already down), what an operator confirms."""
    return sorted(
        {
            b.msg_id
            for a in articles
            for b in a.batches
            if b.msg_id is not None and not b.already_offline
        }
    )


def stale_confirmation(articles: Sequence[OfflineArticle], confirmed: Sequence[int]) -> str | None:
    """Why a confirmation no longer matches the plan (None: it does): a send of the same news
    since, or a batch taken down meanwhile, changes what the delete takes with it."""
    now, then = set(plan_msg_ids(articles)), set(confirmed)
    if now == then:
        return None
    added, gone = sorted(now - then), sorted(then - now)
    parts = ([f"now also takes down msg_id {', '.join(map(str, added))}"] if added else []) + (
        [f"no longer takes down msg_id {', '.join(map(str, gone))}"] if gone else []
    )
    return (
        "the offline plan changed since it was confirmed: "
        + "; ".join(parts)
        + ". Nothing was deleted; look at the plan again"
    )
