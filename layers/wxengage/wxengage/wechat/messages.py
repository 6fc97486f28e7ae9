"""Typed WeChat callbacks: the messages a follower sends, the parser for every callback, and their keys.

Events live in events.py and the base model in callback.py; their names are re-exported here so
callers read every callback type from one module (`messages as m`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, ValidationError

from wxengage.wechat.callback import QR_SCENE_PREFIX, BaseCallback, Callback
from wxengage.wechat.errors import MissingFieldError
from wxengage.wechat.events import (
    EVENTS,
    ClickEvent,
    Event,
    LocationEvent,
    LocationSelectEvent,
    MassSendJobFinishEvent,
    PicPhotoOrAlbumEvent,
    PicSysphotoEvent,
    PicWeixinEvent,
    PublishJobFinishEvent,
    ScancodePushEvent,
    ScancodeWaitmsgEvent,
    ScanEvent,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    UnknownEvent,
    UnsubscribeEvent,
    ViewEvent,
    ViewMiniprogramEvent,
)


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


_MESSAGES: dict[str, type[Message]] = {
    "text": TextMessage,
    "image": ImageMessage,
    "voice": VoiceMessage,
    "video": VideoMessage,
    "shortvideo": ShortVideoMessage,
    "location": LocationMessage,
    "link": LinkMessage,
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
        model = EVENTS.get(event.lower(), UnknownEvent)
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


# Every callback type is read from here (`messages as m`), events and the base model included.
__all__ = [
    "QR_SCENE_PREFIX",
    "BaseCallback",
    "Callback",
    "ClickEvent",
    "Event",
    "ImageMessage",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "LocationSelectEvent",
    "MassSendJobFinishEvent",
    "Message",
    "PicPhotoOrAlbumEvent",
    "PicSysphotoEvent",
    "PicWeixinEvent",
    "PublishJobFinishEvent",
    "ScanEvent",
    "ScancodePushEvent",
    "ScancodeWaitmsgEvent",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TemplateSendJobFinishEvent",
    "TextMessage",
    "UnknownEvent",
    "UnknownMessage",
    "UnsubscribeEvent",
    "VideoMessage",
    "ViewEvent",
    "ViewMiniprogramEvent",
    "VoiceMessage",
    "dedupe_key",
    "parse_message",
]
