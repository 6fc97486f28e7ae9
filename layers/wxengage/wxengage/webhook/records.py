"""What a callback changes, as the record the webhook applies once: a follower interaction or a mass-job result."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from wxengage.mass_jobs import MassJobResult, article_mid
from wxengage.wechat import messages as m
from wxengage.windows import Interaction, InteractionKind

_MENU_EVENTS = (m.ClickEvent, m.ScancodePushEvent, m.ScancodeWaitmsgEvent)


class FollowerRecord(BaseModel):
    """One follower interaction; `key` is the identity WeChat's retries share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    app_id: str
    openid: str
    interaction: Interaction


class MassJobRecord(BaseModel):
    """One MASSSENDJOBFINISH report; `key` is the identity WeChat's retries share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    mass: MassJobResult


CallbackRecord = FollowerRecord | MassJobRecord


class Applied(BaseModel):
    """The outcome of applying a record, as the dedupe store keeps it for retries."""

    model_config = ConfigDict(frozen=True)

    written: bool
    # Set on a retry answered from the dedupe store; never stored itself.
    replayed: bool = Field(default=False, exclude=True)

    def replay(self) -> Applied:
        """The same outcome, marked as answered from the dedupe store."""
        return Applied(written=self.written, replayed=True)


def interaction_for(callback: m.Callback) -> Interaction | None:
    """The window-relevant meaning of a callback, or None when it changes no window."""
    at = callback.create_time
    if isinstance(callback, m.TextMessage):
        return Interaction(kind=InteractionKind.MESSAGE, at=at, menu_id=callback.bizmsgmenuid)
    if isinstance(callback, m.Message):
        return Interaction(kind=InteractionKind.MESSAGE, at=at)
    if isinstance(callback, m.SubscribeEvent):
        return Interaction(kind=InteractionKind.SUBSCRIBE, at=at)
    if isinstance(callback, m.UnsubscribeEvent):
        return Interaction(kind=InteractionKind.UNSUBSCRIBE, at=at)
    if isinstance(callback, m.ScanEvent):
        return Interaction(kind=InteractionKind.SCAN, at=at)
    if isinstance(callback, _MENU_EVENTS):
        return Interaction(kind=InteractionKind.MENU, at=at)
    return None


def record_for(app_id: str, callback: m.Callback) -> CallbackRecord | None:
    """The record a callback asks to apply, or None when it changes nothing we keep."""
    key = f"{app_id}:{m.dedupe_key(callback)}"
    if isinstance(callback, m.MassSendJobFinishEvent):
        mass = MassJobResult(
            app_id=app_id,
            msg_id=callback.msg_id,
            status=callback.status,
            total_count=callback.total_count,
            filter_count=callback.filter_count,
            sent_count=callback.sent_count,
            error_count=callback.error_count,
            reported_at=callback.create_time,
            msg_data_id=article_mid(callback.article_url),
        )
        return MassJobRecord(key=key, mass=mass)
    ix = interaction_for(callback)
    if ix is None:
        return None
    return FollowerRecord(key=key, app_id=app_id, openid=callback.from_user, interaction=ix)
