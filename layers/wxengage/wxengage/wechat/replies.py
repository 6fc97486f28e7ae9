"""Passive replies: the XML WeChat shows the follower when the webhook answers a callback."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeAlias
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field

from wxengage.wechat.signature import sha1_signature
from wxengage.wechat.xml import cdata

if TYPE_CHECKING:
    from wxengage.wechat.crypto import MessageCrypto


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    msg_type: ClassVar[str]

    def body(self) -> str:
        """The XML after MsgType."""
        return ""


class TextReply(_Reply):
    """A text reply."""

    msg_type: ClassVar[str] = "text"
    content: str

    def body(self) -> str:
        return f"<Content>{cdata(self.content)}</Content>"


class ImageReply(_Reply):
    """An image reply (a permanent or temporary media id)."""

    msg_type: ClassVar[str] = "image"
    media_id: str

    def body(self) -> str:
        return f"<Image><MediaId>{cdata(self.media_id)}</MediaId></Image>"


class VoiceReply(_Reply):
    """A voice reply."""

    msg_type: ClassVar[str] = "voice"
    media_id: str

    def body(self) -> str:
        return f"<Voice><MediaId>{cdata(self.media_id)}</MediaId></Voice>"


class VideoReply(_Reply):
    """A video reply."""

    msg_type: ClassVar[str] = "video"
    media_id: str
    title: str = ""
    description: str = ""

    def body(self) -> str:
        return (
            f"<Video><MediaId>{cdata(self.media_id)}</MediaId><Title>{cdata(self.title)}</Title>"
            f"<Description>{cdata(self.description)}</Description></Video>"
        )


class MusicReply(_Reply):
    """A music reply; only the thumbnail is required by WeChat."""

    msg_type: ClassVar[str] = "music"
    title: str = ""
    description: str = ""
    music_url: str = ""
    hq_music_url: str = ""
    thumb_media_id: str

    def body(self) -> str:
        return (
            f"<Music><Title>{cdata(self.title)}</Title>"
            f"<Description>{cdata(self.description)}</Description>"
            f"<MusicUrl>{cdata(self.music_url)}</MusicUrl>"
            f"<HQMusicUrl>{cdata(self.hq_music_url)}</HQMusicUrl>"
            f"<ThumbMediaId>{cdata(self.thumb_media_id)}</ThumbMediaId></Music>"
        )


class Article(BaseModel):
    """One news card."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    title: str
    description: str = ""
    url: str
    pic_url: str = ""


class NewsReply(_Reply):
    """A news reply. WeChat shows only one card when answering a follower, so one is allowed."""

    msg_type: ClassVar[str] = "news"
    articles: list[Article] = Field(min_length=1, max_length=1)

    def body(self) -> str:
        items = "".join(
            f"<item><Title>{cdata(a.title)}</Title><Description>{cdata(a.description)}</Description>"
            f"<PicUrl>{cdata(a.pic_url)}</PicUrl><Url>{cdata(a.url)}</Url></item>"
            for a in self.articles
        )
        return f"<ArticleCount>{len(self.articles)}</ArticleCount><Articles>{items}</Articles>"


class TransferCustomerServiceReply(_Reply):
    """Hand the conversation to the customer-service (kf) system."""

    msg_type: ClassVar[str] = "transfer_customer_service"


Reply: TypeAlias = (
    TextReply
    | ImageReply
    | VoiceReply
    | VideoReply
    | MusicReply
    | NewsReply
    | TransferCustomerServiceReply
)


def render_reply(reply: Reply, to_user: str, from_user: str, create_time: int) -> str:
    """The passive-reply XML. The caller swaps To/From relative to the callback."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata(reply.msg_type)}</MsgType>{reply.body()}</xml>"
    )


def render_encrypted_reply(
    xml: str,
    crypto: MessageCrypto,
    token: str,
    timestamp: str,
    nonce: str,
    random_prefix: bytes | None = None,
) -> str:
    """Encrypt reply XML and wrap it with its MsgSignature over timestamp, nonce and Encrypt."""
    encrypt = crypto.encrypt(xml, random_prefix)
    signature = sha1_signature(token, timestamp, nonce, encrypt)
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{escape(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
