"""Typed WeChat callbacks: the messages and events an official account receives, and their keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wxengage.wechat.errors import MissingFieldError

QR_SCENE_PREFIX = "qrscene_"


class BaseCallback(BaseModel):
    """Fields every callback carries; models validate straight from the XML field names."""

    # By name too, so code and tests can build callbacks; parse_message validates by alias only.
    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_alias=True,
        validate_by_name=True,
        # Build each validator on first use: only the types a cold start sees pay for theirs.
        defer_build=True,
    )
    kind: ClassVar[str] = "callback"

    to_user: str = Field(alias="ToUserName")
    # Bounded: these become DynamoDB keys (openids are 28 characters) and epoch seconds.
    from_user: str = Field(alias="FromUserName", min_length=1, max_length=128)
    create_time: int = Field(alias="CreateTime", ge=0, le=4_102_444_800)
    msg_type: str = Field(alias="MsgType")
    raw: dict[str, str] = Field(default_factory=dict, repr=False)

    @field_validator("msg_type", mode="before")
    @classmethod
    def _lower_msg_type(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


Callback: TypeAlias = BaseCallback


# --- Messages: a follower wrote something (each opens the customer-service window) --------


class Message(BaseCallback):
    """A follower's message. Known types always carry MsgId."""

    kind: ClassVar[str] = "message"
    msg_id: int | None = Field(default=None, alias="MsgId")


class _IdentifiedMessage(Message):
    msg_id: int = Field(alias="MsgId")


class TextMessage(_IdentifiedMessage):
    """A text message; `bizmsgmenuid` is set when it came from a tap on a msgmenu option."""

    kind: ClassVar[str] = "text"
    content: str = Field(alias="Content")
    bizmsgmenuid: str | None = None

    @property
    def from_menu(self) -> bool:
        """Whether the follower tapped a msgmenu option rather than typing."""
        return bool(self.bizmsgmenuid)


class ImageMessage(_IdentifiedMessage):
    """An image message."""

    kind: ClassVar[str] = "image"
    pic_url: str = Field(alias="PicUrl")
    media_id: str = Field(alias="MediaId")


class VoiceMessage(_IdentifiedMessage):
    """A voice message, with WeChat's speech recognition when enabled."""

    kind: ClassVar[str] = "voice"
    media_id: str = Field(alias="MediaId")
    format: str = Field(alias="Format")
    recognition: str | None = Field(default=None, alias="Recognition")


class _VideoFields(_IdentifiedMessage):
    media_id: str = Field(alias="MediaId")
    thumb_media_id: str = Field(alias="ThumbMediaId")


class VideoMessage(_VideoFields):
    """A video message."""

    kind: ClassVar[str] = "video"


class ShortVideoMessage(_VideoFields):
    """A short-video message."""

    kind: ClassVar[str] = "shortvideo"


class LocationMessage(_IdentifiedMessage):
    """A location the follower sent as a message."""

    kind: ClassVar[str] = "location"
    location_x: float = Field(alias="Location_X")
    location_y: float = Field(alias="Location_Y")
    scale: int = Field(alias="Scale")
    label: str = Field(default="", alias="Label")


class LinkMessage(_IdentifiedMessage):
    """A link message."""

    kind: ClassVar[str] = "link"
    title: str = Field(alias="Title")
    description: str = Field(alias="Description")
    url: str = Field(alias="Url")


class UnknownMessage(Message):
    """A message type we do not model; its fields stay in `raw`."""

    kind: ClassVar[str] = "unknown_message"


# --- Events: something happened that is not a message ---------------------------------------


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


_MESSAGES: dict[str, type[Message]] = {
    "text": TextMessage,
    "image": ImageMessage,
    "voice": VoiceMessage,
    "video": VideoMessage,
    "shortvideo": ShortVideoMessage,
    "location": LocationMessage,
    "link": LinkMessage,
}

_EVENTS: dict[str, type[Event]] = {
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


def parse_message(fields: Mapping[str, str]) -> Callback:
    """The typed callback for parsed XML fields; unknown types degrade to Unknown*."""
    msg_type = fields.get("MsgType")
    if msg_type is None:
        raise MissingFieldError("callback has no MsgType")
    model: type[BaseCallback]
    if msg_type.lower() == "event":
        event = fields.get("Event")
        if event is None:
            raise MissingFieldError("event callback has no Event")
        model = _EVENTS.get(event.lower(), UnknownEvent)
    else:
        model = _MESSAGES.get(msg_type.lower(), UnknownMessage)
    try:
        # By alias only: an XML element named like a Python field must not fill it.
        return model.model_validate({**fields, "raw": dict(fields)}, by_alias=True, by_name=False)
    except ValidationError as err:
        raise MissingFieldError(f"{model.__name__}: {_describe(err)}") from None


def _describe(err: ValidationError) -> str:
    # Name the fields, never echo their values: callback content is follower data.
    problems = []
    for e in err.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in e["loc"])
        problems.append(f"{field} missing" if e["type"] == "missing" else f"{field} {e['msg']}")
    return "; ".join(problems)


def dedupe_key(cb: Callback) -> str:
    """The identity WeChat's retries share: MsgId, MsgID for mass jobs, else sender and time."""
    if isinstance(cb, MassSendJobFinishEvent):
        return f"mass:{cb.msg_id}"
    if isinstance(cb, Event):
        return f"evt:{cb.from_user}:{cb.create_time}:{cb.event}:{cb.event_key}"
    if isinstance(cb, Message) and cb.msg_id is not None:
        return f"msg:{cb.msg_id}"
    # An unknown message without MsgId: fall back to the event-style identity.
    return f"cb:{cb.from_user}:{cb.create_time}:{cb.msg_type}"
