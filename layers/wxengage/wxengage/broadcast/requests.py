"""Operator requests run where WeChat's IP whitelist lets them through: preview and take offline."""

from __future__ import annotations

from typing import Any

from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import CampaignConflictError
from wxengage.broadcast.spec import Content, mass_message
from wxengage.broadcast.state import Campaign


class Requests:
    """The preview and offline tasks."""

    def __init__(self, ports: BroadcastPorts) -> None:
        self._ports = ports

    def preview(
        self, app_id: str, campaign_id: str, openids: list[str], leg: str | None
    ) -> dict[str, Any]:
        """Send each content of the campaign (or of one leg) to named followers; no quota used."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        contents = previewed(c, leg)
        client = self._ports.wechat(self._ports.accounts.get(app_id))
        sent = []
        for label, content in contents:
            for openid in openids:
                client.mass_preview(openid, mass_message(content))
                sent.append({"leg": label, "openid": openid})
        return {"previews": sent}

    def offline(
        self, app_id: str, campaign_id: str, leg: str | None, article_idx: int
    ) -> dict[str, Any]:
        """Take the campaign's sent news down (mass/delete per batch); the card stays in chats."""
        campaigns = self._ports.campaigns
        c = campaigns.get(app_id, campaign_id)
        client = self._ports.wechat(self._ports.accounts.get(app_id))
        deleted: list[int] = []
        for state in campaigns.legs(app_id, campaign_id):
            if (leg is not None and state.key != leg) or state.content is None:
                continue
            if state.content.type != "mpnews":
                continue  # WeChat deletes news and video only
            for batch in campaigns.batches(app_id, campaign_id, state.key):
                if batch.msg_id is not None:
                    client.mass_delete(batch.msg_id, article_idx)
                    deleted.append(batch.msg_id)
        if not deleted:
            raise CampaignConflictError(
                f"campaign {c.campaign_id} has no sent news to take offline"
            )
        return {"deleted": deleted}


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
