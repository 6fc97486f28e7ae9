"""Broadcast campaigns as operators write them: groups, audiences, content, A/B tests, winner rules."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from wxengage.names import printable


def _no_slash(value: str) -> str:
    # `/` separates group and variant in a leg's name (`会员/A`): a name holding one is ambiguous.
    if "/" in unicodedata.normalize("NFKC", value):  # a full-width slash (U+FF0F) too
        raise ValueError("a group or variant name cannot hold '/' (it separates them: 会员/A)")
    return value


def _title(value: str) -> str:
    # A campaign's name is a title, never typed as an argument: inner spaces are fine (and
    # campaigns stored before issue 13 may hold them), control characters and edge spaces not.
    if not value.isprintable() or value != value.strip():
        raise ValueError(
            "a campaign name holds printable text in any language, without control characters "
            "or leading/trailing spaces"
        )
    return value


CampaignName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="A title in any language, e.g. 双十二 会员活动"),
    AfterValidator(_title),
]

# Printable Unicode (issue 13): names are labels only; leg keys (g0v1), campaign ids and
# clientmsgids come from positions and random ids, never from names, so they stay ASCII.
Name = Annotated[
    str,
    Field(min_length=1, max_length=32, description="A name in any language, e.g. 会员, A组"),
    AfterValidator(printable),
    AfterValidator(_no_slash),
]


class CampaignStatus(StrEnum):
    """A campaign's (and a leg's) place in its life, as DESIGN.md names them."""

    DRAFT = "draft"
    SEGMENTING = "segmenting"  # 圈群中
    PREPARING = "preparing"  # 准备中
    QUEUED = "queued"  # 队列中
    SENDING = "sending"  # 发送中
    SUCCEEDED = "succeeded"  # 发送成功
    PARTIALLY_FAILED = "partially_failed"  # 部分发送失败
    FAILED = "failed"  # 发送失败
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def editable(self) -> bool:
        """Drafts can be edited; a started campaign only rescheduled, sent now or cancelled."""
        return self is CampaignStatus.DRAFT


_TERMINAL = {
    CampaignStatus.SUCCEEDED,
    CampaignStatus.PARTIALLY_FAILED,
    CampaignStatus.FAILED,
    CampaignStatus.CANCELLED,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MpNews(_Strict):
    """A news material (图文) from the draft API; the only content WeChat reports reads for."""

    type: Literal["mpnews"]
    media_id: str = Field(min_length=1, max_length=128)
    # WeChat refuses to mass-send an article judged a reprint unless told to go on.
    send_ignore_reprint: bool = False


class Text(_Strict):
    type: Literal["text"]
    content: str = Field(min_length=1, max_length=2000)


class Image(_Strict):
    type: Literal["image"]
    media_ids: list[str] = Field(min_length=1, max_length=9)


class Voice(_Strict):
    type: Literal["voice"]
    media_id: str = Field(min_length=1, max_length=128)


class Card(_Strict):
    type: Literal["card"]
    card_id: str = Field(min_length=1, max_length=128)


Content = Annotated[MpNews | Text | Image | Voice | Card, Field(discriminator="type")]


def mass_message(content: Content) -> dict[str, Any]:
    """The msgtype and payload fields of a mass/send or mass/preview body."""
    match content:
        case MpNews():
            return {
                "msgtype": "mpnews",
                "mpnews": {"media_id": content.media_id},
                "send_ignore_reprint": int(content.send_ignore_reprint),
            }
        case Text():
            return {"msgtype": "text", "text": {"content": content.content}}
        case Image():
            return {"msgtype": "image", "images": {"media_ids": list(content.media_ids)}}
        case Voice():
            return {"msgtype": "voice", "voice": {"media_id": content.media_id}}
        case Card():
            return {"msgtype": "wxcard", "wxcard": {"card_id": content.card_id}}


class Audience(_Strict):
    """Who a group targets: every follower, followers under tags, or the rest of the campaign."""

    kind: Literal["all", "tags", "remaining"]
    tags: tuple[int, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # YAML reads best as `audience: all`, `audience: remaining` or `audience: {tags: [2, 5]}`.
        if isinstance(value, str):
            return {"kind": value}
        if isinstance(value, dict) and "kind" not in value and "tags" in value:
            return {"kind": "tags", **value}
        return value

    @model_validator(mode="after")
    def _tags_given(self) -> Audience:
        if self.kind == "tags" and not self.tags:
            raise ValueError("a tags audience needs at least one tag id")
        if self.kind != "tags" and self.tags:
            raise ValueError(f"an audience of {self.kind!r} takes no tags")
        return self

    def describe(self) -> str:
        return "tags " + ",".join(map(str, self.tags)) if self.kind == "tags" else self.kind


SendAt = datetime | Literal["now"]


class Variant(_Strict):
    """One arm of an A/B test: its content, its share of the group and its own send time."""

    name: Name
    content: Content
    ratio: float = Field(gt=0, lt=1)
    send_at: datetime


class NoWinner(StrEnum):
    BEST = "best"  # send the best variant anyway
    VARIANT = "variant"  # send the named default variant
    STOP = "stop"  # send nothing more


class Winner(_Strict):
    """When and how the winner is chosen, and what happens when none is clear."""

    decide_at: datetime | None = None  # default: 10:00 the day after the last variant went out
    significance: float = Field(default=0.05, gt=0, lt=0.5)
    min_sent: int = Field(default=100, ge=1)
    no_winner: NoWinner = NoWinner.STOP
    default_variant: Name | None = None

    @model_validator(mode="after")
    def _default_named(self) -> Winner:
        if self.no_winner is NoWinner.VARIANT and self.default_variant is None:
            raise ValueError("no_winner 'variant' needs default_variant")
        return self


class ABTest(_Strict):
    variants: list[Variant] = Field(min_length=2, max_length=5)
    winner: Winner = Winner()

    @model_validator(mode="after")
    def _consistent(self) -> ABTest:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique: {names}")
        if sum(v.ratio for v in self.variants) >= 1:
            raise ValueError("variant ratios must add up to less than 1: the rest gets the winner")
        default = self.winner.default_variant
        if default is not None and default not in names:
            raise ValueError(f"default_variant {default!r} is not one of the variants {names}")
        return self


class Group(_Strict):
    """A comparison group (分组): its audience and content, sent at its time or A/B tested."""

    name: Name
    audience: Audience
    content: Content | None = None
    send_at: SendAt = "now"
    ab_test: ABTest | None = None

    @model_validator(mode="after")
    def _shape(self) -> Group:
        if self.ab_test is None and self.content is None:
            raise ValueError(f"group {self.name!r} needs content (or an ab_test)")
        if self.ab_test is not None:
            if self.content is not None:
                raise ValueError(
                    f"group {self.name!r}: with an ab_test the content comes from the variants"
                )
            if self.audience.kind == "all":
                raise ValueError(
                    f"group {self.name!r}: A/B tests are not allowed for 'all followers' sends"
                )
            for variant in self.ab_test.variants:
                if not isinstance(variant.content, MpNews):
                    # Read rates decide the winner and WeChat reports reads for news only.
                    raise ValueError(
                        f"group {self.name!r} variant {variant.name!r}: A/B variants must be "
                        "mpnews (WeChat reports reads for news articles only)"
                    )
        return self


class CampaignSpec(_Strict):
    """What an operator writes in campaign.yaml."""

    name: CampaignName
    groups: list[Group] = Field(min_length=1, max_length=10)
    # Where audiences come from: WeChat's follower lists, or the followers this engine has seen.
    audience_source: Literal["wechat", "store"] = "wechat"

    @field_validator("groups")
    @classmethod
    def _groups(cls, groups: list[Group]) -> list[Group]:
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ValueError(f"group names must be unique: {names}")
        kinds = [g.audience.kind for g in groups]
        if "all" in kinds and len(groups) > 1:
            raise ValueError(
                "an 'all' audience must be the campaign's only group; use 'remaining' for the rest"
            )
        if kinds.count("remaining") > 1:
            raise ValueError("only one group can take the 'remaining' followers")
        if kinds == ["remaining"]:
            raise ValueError("'remaining' needs other groups to be the rest of")
        return groups

    @model_validator(mode="after")
    def _store_has_no_tags(self) -> CampaignSpec:
        if self.audience_source == "store" and any(g.audience.kind == "tags" for g in self.groups):
            raise ValueError("tag audiences need audience_source 'wechat' (only WeChat knows tags)")
        return self


CAMPAIGN_ID = re.compile(r"^c[0-9a-z]{11}$")
