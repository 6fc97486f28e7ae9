"""The fields every WeChat callback carries: the base model of messages and events."""

from __future__ import annotations

from typing import ClassVar, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

QR_SCENE_PREFIX = "qrscene_"
# Openids and original ids (gh_...) are URL-safe base64-like strings: every one in WeChat's docs,
# the SDKs' tests (wechatpy, WxJava) and WECHAT.md's vectors is [A-Za-z0-9_-], 28 long for
# openids. No document states the set, so this bound is ours (unverified); it keeps key material
# and log lines clean. The sandbox checks openids with the same pattern.
OPENID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


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

    to_user: str = Field(alias="ToUserName", pattern=OPENID_PATTERN)
    # Bounded: these become DynamoDB keys (openids are 28 characters) and epoch seconds.
    from_user: str = Field(alias="FromUserName", pattern=OPENID_PATTERN)
    create_time: int = Field(alias="CreateTime", ge=0, le=4_102_444_800)
    msg_type: str = Field(alias="MsgType")
    raw: dict[str, str] = Field(default_factory=dict, repr=False)

    @field_validator("msg_type", mode="before")
    @classmethod
    def _lower_msg_type(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


Callback: TypeAlias = BaseCallback
