"""Typed WeChat events: something happened that is not a message (follow, scan, menu, job reports)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from wxengage.wechat.callback import QR_SCENE_PREFIX, BaseCallback


class Event(BaseCallback):
    """An event callback; `event` is lowercased (WeChat mixes "SCAN" and "subscribe")."""

    kind: ClassVar[str] = "event"
    event: str = Field(alias="Event")
    event_key: str = Field(default="", alias="EventKey")

    @field_validator("event", mode="before")
    @classmethod
    def _lower_event(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class SubscribeEvent(Event):
    """A follow; from a parametric QR code it carries `qrscene_<scene>` and a Ticket."""

    kind: ClassVar[str] = "subscribe"
    ticket: str | None = Field(default=None, alias="Ticket")

    @property
    def scene(self) -> str | None:
        """The QR scene value when the follow came from a parametric QR code."""
        if self.event_key.startswith(QR_SCENE_PREFIX):
            return self.event_key[len(QR_SCENE_PREFIX) :]
        return None


class UnsubscribeEvent(Event):
    """An unfollow."""

    kind: ClassVar[str] = "unsubscribe"


class ScanEvent(Event):
    """An existing follower scanned a parametric QR code; EventKey is the scene."""

    kind: ClassVar[str] = "scan"
    ticket: str | None = Field(default=None, alias="Ticket")


class LocationEvent(Event):
    """The periodic location report (not a follower action)."""

    # "location" is taken by LocationMessage; metrics need the two apart.
    kind: ClassVar[str] = "location_event"
    latitude: float = Field(alias="Latitude")
    longitude: float = Field(alias="Longitude")
    precision: float = Field(alias="Precision")


class ClickEvent(Event):
    """A click on a `click` menu item; EventKey is the item's key."""

    kind: ClassVar[str] = "click"


class ViewEvent(Event):
    """A click on a `view` menu item; EventKey is the URL."""

    kind: ClassVar[str] = "view"
    menu_id: str | None = Field(default=None, alias="MenuId")


class _ScancodeFields(Event):
    scan_type: str | None = Field(default=None, alias="ScanType")
    scan_result: str | None = Field(default=None, alias="ScanResult")


class ScancodePushEvent(_ScancodeFields):
    """A `scancode_push` menu item was used."""

    kind: ClassVar[str] = "scancode_push"


class ScancodeWaitmsgEvent(_ScancodeFields):
    """A `scancode_waitmsg` menu item was used."""

    kind: ClassVar[str] = "scancode_waitmsg"


class _PicFields(Event):
    pic_count: int | None = Field(default=None, alias="Count")


class PicSysphotoEvent(_PicFields):
    """A `pic_sysphoto` menu item was used."""

    kind: ClassVar[str] = "pic_sysphoto"


class PicPhotoOrAlbumEvent(_PicFields):
    """A `pic_photo_or_album` menu item was used."""

    kind: ClassVar[str] = "pic_photo_or_album"


class PicWeixinEvent(_PicFields):
    """A `pic_weixin` menu item was used."""

    kind: ClassVar[str] = "pic_weixin"


class LocationSelectEvent(Event):
    """A `location_select` menu item was used (SendLocationInfo flattened)."""

    kind: ClassVar[str] = "location_select"
    location_x: float | None = Field(default=None, alias="Location_X")
    location_y: float | None = Field(default=None, alias="Location_Y")
    scale: int | None = Field(default=None, alias="Scale")
    label: str | None = Field(default=None, alias="Label")
    poiname: str | None = Field(default=None, alias="Poiname")


class ViewMiniprogramEvent(Event):
    """A menu item opened a mini program; EventKey is the page path."""

    kind: ClassVar[str] = "view_miniprogram"
    menu_id: str | None = Field(default=None, alias="MenuId")


class MassSendJobFinishEvent(Event):
    """The outcome of a mass send. Counts may be slightly off: it can arrive early."""

    kind: ClassVar[str] = "masssendjobfinish"
    msg_id: int = Field(alias="MsgID")
    status: str = Field(alias="Status")
    total_count: int = Field(alias="TotalCount")
    filter_count: int = Field(alias="FilterCount")
    sent_count: int = Field(alias="SentCount")
    error_count: int = Field(alias="ErrorCount")
    # News: ArticleUrlResult/ResultList/item/ArticleUrl, the first article's link (its `mid`
    # query parameter is the job's msg_data_id).
    article_url: str | None = Field(default=None, alias="ArticleUrl")


class TemplateSendJobFinishEvent(Event):
    """The delivery outcome of one template message."""

    kind: ClassVar[str] = "templatesendjobfinish"
    msg_id: int = Field(alias="MsgID")
    status: str = Field(alias="Status")


class PublishJobFinishEvent(Event):
    """The outcome of a publish job (PublishEventInfo flattened)."""

    kind: ClassVar[str] = "publishjobfinish"
    publish_id: str | None = None
    publish_status: int | None = None
    article_id: str | None = None


class UnknownEvent(Event):
    """An event we do not model; its fields stay in `raw`."""

    kind: ClassVar[str] = "unknown_event"


EVENTS: dict[str, type[Event]] = {
    "subscribe": SubscribeEvent,
    "unsubscribe": UnsubscribeEvent,
    "scan": ScanEvent,
    "location": LocationEvent,
    "click": ClickEvent,
    "view": ViewEvent,
    "scancode_push": ScancodePushEvent,
    "scancode_waitmsg": ScancodeWaitmsgEvent,
    "pic_sysphoto": PicSysphotoEvent,
    "pic_photo_or_album": PicPhotoOrAlbumEvent,
    "pic_weixin": PicWeixinEvent,
    "location_select": LocationSelectEvent,
    "view_miniprogram": ViewMiniprogramEvent,
    "masssendjobfinish": MassSendJobFinishEvent,
    "templatesendjobfinish": TemplateSendJobFinishEvent,
    "publishjobfinish": PublishJobFinishEvent,
}
