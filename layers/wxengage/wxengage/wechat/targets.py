"""Whom a mass preview goes to: a follower's openid (touser) or a WeChat ID (towxname)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# mass/preview takes `towxname` instead of `touser` (official 预览接口, quoted by weixin4j's
# WeixinProxy: towxname and touser both given, towxname wins; EasyWeChat's broadcasting tests
# send {"towxname": ...}); by WeChat ID it is limited to 100 calls a day (official page, quoted
# by a Kotlin SDK's sendWithMassPreview). A WeChat ID is 6-20 letters, digits, _ or -, starting
# with a letter (WeChat's rule for 微信号; unverified in an API document).
WXNAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{5,19}$"


@dataclass(frozen=True)
class PreviewTarget:
    """One preview recipient and the request field that names it."""

    field: Literal["touser", "towxname"]
    value: str

    @property
    def label(self) -> str:
        """How an operator reads it back: the openid, or `wxid:<name>`."""
        return self.value if self.field == "touser" else f"wxid:{self.value}"
