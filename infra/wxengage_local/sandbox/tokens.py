"""The sandbox's access tokens: getAccessToken and getStableAccessToken as WeChat keeps them.

Sources (the official pages; wechatpy's and WxJava's clients agree on the request shapes):
- getAccessToken (GET /cgi-bin/token), 获取 Access token: each call issues a new token and the
  previous one stays usable for 5 minutes ("公众平台后台会保证在5分钟内, 新老access_token都可用").
- getStableAccessToken (POST /cgi-bin/stable_token),
  https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html:
  "与getAccessToken获取的调用凭证完全隔离, 互不影响" (two separate tokens per account);
  normal mode returns the same token while it is valid; `force_refresh` is a boolean, and
  true "会导致上次获取的access_token失效" (the old one dies at once) and is limited to 20 a day.
Our choices where no source settles it (unverified): normal mode rotates once fewer than
300 s are left, and the old token then lives to its own expiry; a 21st forced refresh in a
day answers 45009; a non-boolean force_refresh answers 47001 (WeChat's "data format error").
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from enum import StrEnum

from wxengage import clock

TOKEN_SECONDS = 7200
# stable_token hands out the same token until 5 minutes before it expires.
STABLE_ROTATE_BEFORE = 300
# /cgi-bin/token: the token a new call replaces stays valid this long.
CLASSIC_OVERLAP = 300
FORCED_PER_DAY = 20
DAY = 86_400


class Kind(StrEnum):
    """The two isolated token families an account has."""

    CLASSIC = "token"
    STABLE = "stable_token"


@dataclass
class _Token:
    value: str
    valid_until: float  # the end of its life: its expiry, or the end of a replaced token's overlap
    expires_at: float  # its own expiry: after it WeChat says 42001 (expired), before it 40001


def _token(now: float) -> _Token:
    return _Token(secrets.token_urlsafe(48), now + TOKEN_SECONDS, now + TOKEN_SECONDS)


@dataclass
class _Family:
    current: _Token
    previous: _Token | None = None


class TokenIssuer:
    """Issues and checks tokens per (account, family); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[tuple[str, Kind], _Family] = {}
        self._forced: dict[str, list[float]] = {}

    def classic(self, app_id: str) -> tuple[str, int]:
        """A new /cgi-bin/token token; the one it replaces lives on for CLASSIC_OVERLAP s."""
        now = clock.now_ts()
        with self._lock:
            family = self._families.get((app_id, Kind.CLASSIC))
            fresh = _token(now)
            previous = None
            if family is not None:
                old = family.current
                overlap = min(old.valid_until, now + CLASSIC_OVERLAP)
                previous = _Token(old.value, overlap, old.expires_at)
            self._families[(app_id, Kind.CLASSIC)] = _Family(fresh, previous)
            return fresh.value, TOKEN_SECONDS

    def forced_left(self, app_id: str) -> int:
        """Forced stable refreshes the account may still make in the last 24 hours."""
        now = clock.now_ts()
        with self._lock:
            recent = [t for t in self._forced.get(app_id, []) if now - t < DAY]
            self._forced[app_id] = recent
            return FORCED_PER_DAY - len(recent)

    def stable(self, app_id: str, force: bool) -> tuple[str, int]:
        """The stable token: the same one while valid; a forced refresh kills the old at once."""
        now = clock.now_ts()
        with self._lock:
            family = self._families.get((app_id, Kind.STABLE))
            if force:
                self._forced.setdefault(app_id, []).append(now)
                family = _Family(_token(now))
            elif family is None or family.current.valid_until - now <= STABLE_ROTATE_BEFORE:
                previous = family.current if family is not None else None
                family = _Family(_token(now), previous)
            self._families[(app_id, Kind.STABLE)] = family
            return family.current.value, int(family.current.valid_until - now)

    def check(self, access_token: str) -> tuple[str, int]:
        """(app_id, errcode): 0 for a live token, 42001 expired, 40001 unknown or replaced."""
        now = clock.now_ts()
        with self._lock:
            families = list(self._families.items())
        for (app_id, _), family in families:
            for token in (family.current, family.previous):
                if token is None or not _same(token.value, access_token):
                    continue
                if now < token.valid_until:
                    return app_id, 0
                return app_id, 42001 if now >= token.expires_at else 40001
        return "", 40001


def _same(issued: str, given: str) -> bool:
    # Bytes: compare_digest refuses non-ASCII str, and a query may carry anything.
    return secrets.compare_digest(issued.encode(), given.encode())
