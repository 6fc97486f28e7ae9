"""Operator requests run where WeChat's IP whitelist lets them through: preview and take offline."""

from __future__ import annotations

from typing import Any

from wxengage import clock
from wxengage.broadcast.legnames import resolve_leg
from wxengage.broadcast.offline import (
    NothingOfflineError,
    OfflineBatch,
    offline_plan,
    read_other_sends,
    read_sends,
    stale_confirmation,
)
from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import CampaignConflictError
from wxengage.broadcast.spec import Content, mass_message
from wxengage.broadcast.state import Campaign
from wxengage.errors import ConflictError
from wxengage.wechat.targets import PreviewTarget

_MARK_ATTEMPTS = 5


class Requests:
    """The preview and offline tasks."""

    def __init__(self, ports: BroadcastPorts) -> None:
        self._ports = ports

    def preview(
        self, app_id: str, campaign_id: str, to: list[PreviewTarget], leg: str | None
    ) -> dict[str, Any]:
        """Send each content of the campaign (or of one leg) to named followers, by openid or
        WeChat ID; no quota used."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        contents = previewed(c, resolve_leg(c.spec, leg) if leg is not None else None)
        client = self._ports.wechat(self._ports.accounts.get(app_id))
        sent = []
        for label, content in contents:
            for target in to:
                client.mass_preview(target, mass_message(content))
                sent.append({"leg": label, "to": target.label})
        return {"previews": sent}

    def offline(
        self,
        app_id: str,
        campaign_id: str,
        leg: str | None,
        article_idx: int,
        confirmed: list[int] | None = None,
    ) -> dict[str, Any]:
        """Take the campaign's sent news down: one mass/delete per news item (WeChat deletes its
        page for every send of it), then every batch that sent it is marked offline, in this
        campaign and in the account's others. With `confirmed` (the msg ids the operator saw
        in the plan), a plan that changed since deletes nothing."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        key = resolve_leg(c.spec, leg) if leg is not None else None
        try:
            articles = offline_plan(
                read_sends(self._ports.campaigns, c),
                key,
                article_idx,
                read_other_sends(self._ports.campaigns, c),
            )
        except NothingOfflineError as err:
            raise CampaignConflictError(str(err)) from err
        stale = None if confirmed is None else stale_confirmation(articles, confirmed)
        if stale is not None:
            raise CampaignConflictError(stale)
        client = self._ports.wechat(self._ports.accounts.get(app_id))
        deleted: list[int] = []
        offline: list[dict[str, Any]] = []
        for article in articles:
            client.mass_delete(article.delete_with, article_idx)
            deleted.append(article.delete_with)
            # Recorded right after its delete: a later failure leaves what was done on record.
            now = int(clock.now_ts())
            for b in article.batches:
                self._mark(app_id, b, now, article_idx)
                offline.append({"campaign_id": b.campaign_id, "leg": b.leg, "label": b.label,
                                "batch": b.number, "msg_id": b.msg_id})  # fmt: skip
        return {"deleted": deleted, "offline": offline}

    def _mark(self, app_id: str, b: OfflineBatch, now: int, article_idx: int) -> None:
        """Mark one batch offline, read again if its campaign's engine wrote it meanwhile."""
        campaigns = self._ports.campaigns
        for attempt in range(_MARK_ATTEMPTS):
            found = campaigns.batches(app_id, b.campaign_id, b.leg)
            batch = next(x for x in found if x.number == b.number)
            try:
                campaigns.save(batch.taken_offline(now=now, article_idx=article_idx))
                return
            except ConflictError:
                if attempt == _MARK_ATTEMPTS - 1:
                    raise


def previewed(c: Campaign, leg: str | None) -> list[tuple[str, Content]]:
    """Each content a preview sends, labelled group or group/variant (one leg's, if named)."""
    out: list[tuple[str, Content]] = []
    for gi, group in enumerate(c.spec.groups):
        if group.content is not None and leg in (None, f"g{gi}"):
            out.append((group.name, group.content))
        for vi, variant in enumerate(group.ab_test.variants if group.ab_test else []):
            if leg in (None, f"g{gi}v{vi}"):
                out.append((f"{group.name}/{variant.name}", variant.content))
    if not out:
        raise CampaignConflictError(f"campaign {c.campaign_id} has no leg {leg!r} with content")
    return out
