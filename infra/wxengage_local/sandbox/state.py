"""What the sandbox's WeChat remembers: followers, their tags and windows, and every message sent."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wxengage import clock
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction
from wxengage_local.sandbox.callbacks import Action

PAGE_SIZE = 10_000
# WeChat's built-in tag; every other tag is named after its id in the sandbox.
TAG_NAMES = {2: "星标组"}

_KINDS = {
    Action.SAY: InteractionKind.MESSAGE,
    Action.TAP: InteractionKind.MESSAGE,
    Action.FOLLOW: InteractionKind.SUBSCRIBE,
    Action.CLICK: InteractionKind.MENU,
    Action.SCAN: InteractionKind.SCAN,
}


@dataclass
class _Follower:
    seq: int  # first-seen order: user/get pages in this order
    tags: tuple[int, ...]
    # The window, folded by the engine's own rule; unsubscribes never reach it (see observe).
    fold: FollowerState
    subscribed: bool = True


@dataclass(frozen=True)
class _Listing:
    version: int
    seqs: list[int]
    openids: list[str]


@dataclass(frozen=True)
class Page:
    """One page of a follower listing."""

    total: int
    openids: list[str]
    next_openid: str


class SandboxState:
    """Per-app followers and the sent log; every method is atomic under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apps: dict[str, dict[str, _Follower]] = {}
        self._sent: list[dict[str, Any]] = []
        self._seq = 0
        # Listings are rebuilt only after a change: paging a million followers must not
        # rescan them for every page of 10,000.
        self._version = 0
        self._listings: dict[tuple[str, int | None], _Listing] = {}
        self._known_tags: dict[str, tuple[int, set[int]]] = {}

    def _follower(self, app_id: str, openid: str) -> _Follower:
        """The follower, created on first sight (call with the lock held)."""
        followers = self._apps.setdefault(app_id, {})
        self._version += 1  # every caller changes the follower it asks for
        if openid not in followers:
            self._seq += 1
            state = FollowerState(app_id=app_id, openid=openid)
            followers[openid] = _Follower(seq=self._seq, tags=(), fold=state)
        return followers[openid]

    def observe(self, app_id: str, openid: str, action: Action, at: int) -> None:
        """Fold a callback the sandbox delivered, at its (possibly backdated) CreateTime."""
        with self._lock:
            follower = self._follower(app_id, openid)
            if action is Action.UNSUBSCRIBE:
                # WeChat knows the real order of actions, so leaving closes whatever window
                # is open, whatever the CreateTimes say (the engine can only go by them).
                follower.subscribed = False
                follower.fold = FollowerState(app_id=app_id, openid=openid)
            else:
                follower.subscribed = True
                follower.fold = apply_interaction(
                    follower.fold, Interaction(kind=_KINDS[action], at=at)
                )

    def put_follower(self, app_id: str, openid: str, tags: list[int]) -> dict[str, Any]:
        """Add or update a subscribed follower without opening a window (they followed long ago)."""
        with self._lock:
            follower = self._follower(app_id, openid)
            follower.subscribed = True
            follower.tags = tuple(dict.fromkeys(tags))
            return _view(follower, clock.now_ts())

    def followers(self, app_id: str) -> list[dict[str, Any]]:
        """Every follower the app ever saw, in first-seen order."""
        now = clock.now_ts()
        with self._lock:
            return [_view(f, now) for f in self._apps.get(app_id, {}).values()]

    def tag_ids(self, app_id: str, openid: str) -> list[int] | None:
        """A follower's tag ids, or None when the app never saw the openid."""
        with self._lock:
            follower = self._apps.get(app_id, {}).get(openid)
            return None if follower is None else list(follower.tags)

    def subscribed(self, app_id: str, openids: Iterable[str]) -> set[str]:
        """Those of `openids` that follow the app now (one lock for a whole mass-send batch)."""
        with self._lock:
            followers = self._apps.get(app_id, {})
            return {o for o in openids if (f := followers.get(o)) is not None and f.subscribed}

    def tags(self, app_id: str) -> list[dict[str, Any]]:
        """Every tag any follower carries, with how many subscribed followers carry it."""
        counts: dict[int, int] = {}
        with self._lock:
            for follower in self._apps.get(app_id, {}).values():
                for tag in follower.tags:
                    counts[tag] = counts.get(tag, 0) + (1 if follower.subscribed else 0)
        return [
            {"id": tag, "name": TAG_NAMES.get(tag, f"tag{tag}"), "count": count}
            for tag, count in sorted(counts.items())
        ]

    def page(self, app_id: str, next_openid: str, tag: int | None = None) -> Page | None:
        """Subscribed followers (under `tag`) after `next_openid`; None when that openid is unknown."""
        with self._lock:
            followers = self._apps.get(app_id, {})
            if next_openid and next_openid not in followers:
                return None
            after = followers[next_openid].seq if next_openid else 0
            listing = self._listing(app_id, tag)
        start = bisect.bisect_right(listing.seqs, after)
        rest = listing.openids[start : start + PAGE_SIZE]
        # Like WeChat: next_openid is the page's last openid, so the caller reads one empty page.
        return Page(total=len(listing.openids), openids=rest, next_openid=rest[-1] if rest else "")

    def _listing(self, app_id: str, tag: int | None) -> _Listing:
        """Subscribed followers (under `tag`) in first-seen order (call with the lock held)."""
        cached = self._listings.get((app_id, tag))
        if cached is None or cached.version != self._version:
            members = [
                (f.seq, openid)
                for openid, f in self._apps.get(app_id, {}).items()
                if f.subscribed and (tag is None or tag in f.tags)
            ]
            cached = _Listing(
                self._version, [seq for seq, _ in members], [openid for _, openid in members]
            )
            self._listings[(app_id, tag)] = cached
        return cached

    def known_tag(self, app_id: str, tag: int) -> bool:
        """Whether any follower of the app carries the tag."""
        with self._lock:
            version, tags = self._known_tags.get(app_id, (-1, set()))
            if version != self._version:
                tags = {t for f in self._apps.get(app_id, {}).values() for t in f.tags}
                self._known_tags[app_id] = (self._version, tags)
            return tag in tags

    def send(self, app_id: str, openid: str, message: dict[str, Any]) -> int:
        """Spend one window message on a custom send and log it; the errcode WeChat would give."""
        now = clock.now_ts()
        with self._lock:
            follower = self._apps.get(app_id, {}).get(openid)
            if follower is None:
                return 40003
            fold = follower.fold
            if not follower.subscribed:
                return 43004
            closes = fold.window_closes_at
            if closes is None or now >= closes:
                return 45015
            if fold.messages_left <= 0:
                return 45047
            follower.fold = fold.model_copy(update={"messages_left": fold.messages_left - 1})
            self._sent.append(
                {
                    "app_id": app_id,
                    "openid": openid,
                    "msgtype": message.get("msgtype"),
                    "message": message,
                    "at": int(now),
                }
            )
        return 0

    def sent(self, app_id: str | None = None) -> list[dict[str, Any]]:
        """The sent log, oldest first, for one app or all."""
        with self._lock:
            return [s for s in self._sent if app_id is None or s["app_id"] == app_id]

    def reset(self, app_id: str | None = None) -> None:
        """Forget followers and sends, of one app or of all."""
        with self._lock:
            self._version += 1
            if app_id is None:
                self._apps.clear()
                self._sent.clear()
            else:
                self._apps.pop(app_id, None)
                self._sent = [s for s in self._sent if s["app_id"] != app_id]


def _view(follower: _Follower, now: float) -> dict[str, Any]:
    fold = follower.fold
    open_now = (
        follower.subscribed and fold.window_closes_at is not None and now < fold.window_closes_at
    )
    return {
        "app_id": fold.app_id,
        "openid": fold.openid,
        "subscribed": follower.subscribed,
        "tags": list(follower.tags),
        "window_open": open_now,
        "window_opened_by": fold.window_opened_by.value
        if open_now and fold.window_opened_by
        else None,
        "window_closes_at": fold.window_closes_at if open_now else None,
        "messages_left": fold.messages_left if open_now else 0,
    }
