"""Official accounts: their settings (stored in DynamoDB) and credentials (in Secrets Manager)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

AppId = Annotated[str, Field(pattern=r"^wx[0-9A-Za-z]{16}$", description="WeChat AppID")]
TOKEN_PATTERN = re.compile(r"[0-9A-Za-z]{3,32}")
AES_KEY_PATTERN = re.compile(r"[0-9A-Za-z]{43}")
APP_SECRET_PATTERN = re.compile(r"[0-9A-Za-z]{32}")
HourMinute = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class MessageMode(StrEnum):
    """How WeChat delivers callbacks to this account (WECHAT.md section 2)."""

    SAFE = "safe"
    COMPATIBLE = "compatible"
    PLAINTEXT = "plaintext"


class AccountType(StrEnum):
    """Service accounts and subscription accounts have different broadcast caps."""

    SERVICE = "service"
    SUBSCRIPTION = "subscription"


class Plan(StrEnum):
    """The plan caps how many recall rules an account may run."""

    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"


class QuietHours(BaseModel):
    """A daily span (account time zone) in which nothing is pushed; may wrap midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: HourMinute
    end: HourMinute


class RecallPolicy(BaseModel):
    """How considerate recalls are: WeChat penalises accounts that push to coax replies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Never send when the window closes within this margin (the send could land after it).
    safety_margin_minutes: int = Field(default=2, ge=0, le=120)
    # Window messages kept for human agents: send only while more than this many are left.
    reserve_messages: int = Field(default=1, ge=0, le=4)
    recalls_per_window: int = Field(default=1, ge=1, le=4)
    # No recall to the same follower within this many days of the last one; 0 turns it off.
    cooldown_days: float = Field(default=7, ge=0, le=30)


class MassBudget(BaseModel):
    """Mass-send calls (mass/send and mass/sendall) the account may make, shared by every campaign.

    Defaults are WeChat's figures: 100 calls a day for the mass-send API (API_Call_Limits,
    "高级群发接口 100") and 60 requests a minute (Batch_Sends_and_Originality_Checks: "群发接口
    每分钟限制请求60次"). Accounts with over 100k followers get more: raise them here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    calls_per_day: int = Field(default=100, ge=1, le=100_000)
    calls_per_minute: int = Field(default=60, ge=1, le=10_000)


class AccountSettings(BaseModel):
    """Everything about an account that is not secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    app_id: AppId
    mode: MessageMode = MessageMode.SAFE
    type: AccountType = AccountType.SERVICE
    plan: Plan = Plan.PROFESSIONAL
    timezone: str = "Asia/Shanghai"
    # Callbacks whose query timestamp is further than this from now are refused; 0 disables.
    freshness_seconds: int = Field(default=300, ge=0, le=86400)
    quiet_hours: QuietHours | None = None
    recall: RecallPolicy = RecallPolicy()
    mass: MassBudget = MassBudget()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from None
        return value


class AccountSecrets(BaseModel):
    """The credentials WeChat issued; SecretStr keeps them out of reprs and logs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: SecretStr
    aes_key: SecretStr | None = None
    app_secret: SecretStr

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        _check(TOKEN_PATTERN, value, "token must be 3-32 letters or digits")
        return value

    @field_validator("aes_key")
    @classmethod
    def _aes_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check(AES_KEY_PATTERN, value, "aes-key (EncodingAESKey) must be 43 letters or digits")
        return value

    @field_validator("app_secret")
    @classmethod
    def _app_secret_shape(cls, value: SecretStr) -> SecretStr:
        _check(APP_SECRET_PATTERN, value, "app-secret must be 32 letters or digits")
        return value

    def as_json_dict(self) -> dict[str, str]:
        """The plain values, only for writing to Secrets Manager."""
        out = {
            "token": self.token.get_secret_value(),
            "app_secret": self.app_secret.get_secret_value(),
        }
        if self.aes_key is not None:
            out["aes_key"] = self.aes_key.get_secret_value()
        return out


class Account(BaseModel):
    """An account with its credentials, as the webhook and the CLI use it."""

    model_config = ConfigDict(frozen=True)

    settings: AccountSettings
    secrets: AccountSecrets

    @model_validator(mode="after")
    def _key_for_encrypted_modes(self) -> Self:
        if self.settings.mode is not MessageMode.PLAINTEXT and self.secrets.aes_key is None:
            raise ValueError(f"mode {self.settings.mode.value} needs an aes-key (EncodingAESKey)")
        return self


def _check(pattern: re.Pattern[str], value: SecretStr, message: str) -> None:
    # The message never repeats the value: it is a secret.
    if not pattern.fullmatch(value.get_secret_value()):
        raise ValueError(message)


class AccountNotFoundError(LookupError):
    """No account with that app_id is registered in this deployment."""

    def __init__(self, app_id: str) -> None:
        super().__init__(f"no account {app_id!r} is registered")
        self.app_id = app_id
