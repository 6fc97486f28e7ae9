"""The customer-service window: what each follower interaction does to a follower's state."""

from __future__ import annotations

from enum import StrEnum
from typing import cast

from pydantic import BaseModel, ConfigDict

MESSAGE_WINDOW_SECONDS = 48 * 3600
MESSAGE_WINDOW_QUOTA = 5
EVENT_WINDOW_SECONDS = 60
EVENT_WINDOW_QUOTA = 3


class Opener(StrEnum):
    """What opened a window, as WECHAT.md section 4 lists the follower actions."""

    MESSAGE = "message"  # the follower's own message, a msgmenu tap included
    MENU = "menu"  # a click / scancode_push / scancode_waitmsg menu item
    SUBSCRIBE = "subscribe"
    SCAN = "scan"


class InteractionKind(StrEnum):
    """The follower actions that change what we know about them."""

    MESSAGE = "message"
    MENU = "menu"
    SUBSCRIBE = "subscribe"
    SCAN = "scan"
    UNSUBSCRIBE = "unsubscribe"


class Interaction(BaseModel):
    """One follower action at its WeChat CreateTime (seconds)."""

    model_config = ConfigDict(frozen=True)

    kind: InteractionKind
    at: int
    # The msgmenu option id when a message came from a smart-menu tap.
    menu_id: str | None = None


class FollowerState(BaseModel):
    """What the engine knows about one follower of one account."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    openid: str
    subscribed: bool = True
    # CreateTime of the newest action other than unsubscribe (evidence of following then).
    subscription_at: int = 0
    # CreateTime of the newest unsubscribe; windows opened before it died with it.
    left_at: int | None = None
    last_message_at: int | None = None
    last_interaction_at: int = 0
    window_opened_at: int | None = None
    window_opened_by: Opener | None = None
    window_closes_at: int | None = None
    messages_left: int = 0
    # The latest recall sent to this follower, and whether they answered it in time.
    last_recall_at: int | None = None
    last_recall_rule: str | None = None
    last_recall_window: int | None = None  # window_opened_at of the window it was sent in
    last_recall_closes_at: int | None = None
    last_recall_day: str | None = None  # account-time-zone day the recall counts under
    recall_converted: bool = False
    recalls_in_window: int = 0
    # The latest holdout (a recall decided and deliberately not sent: the lift's control group),
    # and whether the follower wrote back before that window closed all the same.
    holdout_at: int | None = None
    holdout_rule: str | None = None
    holdout_window: int | None = None  # window_opened_at of the window it was decided in
    holdout_closes_at: int | None = None
    holdout_day: str | None = None  # account-time-zone day the holdout counts under
    holdout_converted: bool = False
    # The follower's tags as the tag sync last read them from WeChat; the sync writes only
    # these two attributes. None = never synced: planning cannot exclude anyone by tag.
    tag_ids: list[int] | None = None
    tags_synced_at: str | None = None  # ISO-8601 UTC
    # Optimistic-concurrency version of the stored item (0 = not stored yet).
    version: int = 0

    @property
    def window_alive(self) -> bool:
        """False when the window was opened before the follower's latest unsubscribe."""
        return self.window_opened_at is not None and _alive(self.window_opened_at, self.left_at)

    @property
    def effective_closes_at(self) -> int | None:
        """When the window really closes: at its natural end, or when the follower left."""
        if self.window_closes_at is None or self.window_alive or self.left_at is None:
            return self.window_closes_at
        return min(self.window_closes_at, self.left_at)

    def window_open_at(self, ts: float) -> bool:
        """True while the window is open at `ts` and messages are left."""
        closes = self.effective_closes_at
        return (
            self.subscribed
            and self.window_alive
            and closes is not None
            and ts < closes
            and (self.messages_left > 0)
        )


_WINDOWS: dict[InteractionKind, tuple[Opener, int, int]] = {
    InteractionKind.MESSAGE: (Opener.MESSAGE, MESSAGE_WINDOW_SECONDS, MESSAGE_WINDOW_QUOTA),
    InteractionKind.MENU: (Opener.MENU, EVENT_WINDOW_SECONDS, EVENT_WINDOW_QUOTA),
    InteractionKind.SUBSCRIBE: (Opener.SUBSCRIBE, EVENT_WINDOW_SECONDS, EVENT_WINDOW_QUOTA),
    InteractionKind.SCAN: (Opener.SCAN, EVENT_WINDOW_SECONDS, EVENT_WINDOW_QUOTA),
}


def apply_interaction(state: FollowerState, ix: Interaction) -> FollowerState:
    """Fold one interaction into the state; late or repeated ones never move anything backwards.

    Windows fold by "alive beats dead, then the later close wins" and subscription by the
    newest time, so arrival order does not matter. Returns `state` itself when nothing
    changes, so callers can skip the write.
    """
    changes: dict[str, object] = {}
    if ix.at > state.last_interaction_at:
        changes["last_interaction_at"] = ix.at
    if ix.kind is InteractionKind.UNSUBSCRIBE:
        if state.left_at is None or ix.at > state.left_at:
            changes["left_at"] = ix.at
        changes.update(_cut_by_leaving(state, ix.at))
    else:
        if ix.kind is InteractionKind.MESSAGE and (state.last_message_at or 0) < ix.at:
            changes["last_message_at"] = ix.at
        if ix.kind is InteractionKind.MESSAGE and answers_recall(state, ix.at):
            changes["recall_converted"] = True
        if ix.kind is InteractionKind.MESSAGE and answers_holdout(state, ix.at):
            changes["holdout_converted"] = True
        if ix.at > state.subscription_at:
            changes["subscription_at"] = ix.at
        opener, seconds, quota = _WINDOWS[ix.kind]
        if _beats(ix.at, ix.at + seconds, state):
            # A newer window resets the budget (WECHAT.md: reset vs add is unverified).
            changes.update(
                window_opened_at=ix.at,
                window_opened_by=opener,
                window_closes_at=ix.at + seconds,
                messages_left=quota,
            )
    left_at = cast("int | None", changes.get("left_at", state.left_at))
    subscription_at = cast("int", changes.get("subscription_at", state.subscription_at))
    changes["subscribed"] = left_at is None or subscription_at > left_at
    return _changed(state, changes)


def answers_recall(state: FollowerState, at: int) -> bool:
    """A message at `at` counts the latest recall as recalled: after it, before its window closed."""
    return (
        not state.recall_converted
        and state.last_recall_at is not None
        and state.last_recall_closes_at is not None
        and state.last_recall_at < at < state.last_recall_closes_at
    )


def answers_holdout(state: FollowerState, at: int) -> bool:
    """A message at `at` counts the latest holdout as recalled_holdout: after it, before its
    window closed (the same test as a sent recall's, so the two rates compare)."""
    return (
        not state.holdout_converted
        and state.holdout_at is not None
        and state.holdout_closes_at is not None
        and state.holdout_at < at < state.holdout_closes_at
    )


def hold_out(
    state: FollowerState, rule: str, window_opened_at: int, day: str, now: int
) -> FollowerState:
    """Remember that `rule`'s recall for this window was held out at `now`, counted under `day`.

    A retried delivery keeps the first decision (and its answer); a window that is no longer
    the one the recall was planned for is left alone (the follower wrote again meanwhile).
    """
    if state.window_opened_at != window_opened_at or not state.window_alive:
        return state
    if state.holdout_rule == rule and state.holdout_window == window_opened_at:
        return state
    return _changed(
        state,
        {
            "holdout_at": now,
            "holdout_rule": rule,
            "holdout_window": window_opened_at,
            "holdout_closes_at": state.effective_closes_at,
            "holdout_day": day,
            "holdout_converted": False,
        },
    )


def _cut_by_leaving(state: FollowerState, left_at: int) -> dict[str, object]:
    """Leaving ends the window a recall or holdout was decided in: a message after re-following
    answers neither (it opens a new window). Folded whatever order the callbacks arrive in."""
    out: dict[str, object] = {}
    recall_at, recall_closes = state.last_recall_at, state.last_recall_closes_at
    if recall_at is not None and recall_closes is not None and recall_at <= left_at < recall_closes:
        out["last_recall_closes_at"] = left_at
    held_at, held_closes = state.holdout_at, state.holdout_closes_at
    if held_at is not None and held_closes is not None and held_at <= left_at < held_closes:
        out["holdout_closes_at"] = left_at
    return out


def _alive(opened_at: int, left_at: int | None) -> bool:
    return left_at is None or opened_at > left_at


def _beats(opened_at: int, closes_at: int, state: FollowerState) -> bool:
    """Whether a candidate window should replace the current one."""
    if state.window_opened_at is None or state.window_closes_at is None:
        return True
    mine, theirs = _alive(opened_at, state.left_at), state.window_alive
    if mine != theirs:
        return mine
    # A shorter window never cuts a longer one short.
    return closes_at > state.window_closes_at


def _changed(state: FollowerState, changes: dict[str, object]) -> FollowerState:
    """`state` with `changes`, validated (a misspelt field or a wrong type raises), or `state`
    itself when nothing really changes."""
    real = {k: v for k, v in changes.items() if getattr(state, k) != v}
    if not real:
        return state
    return FollowerState.model_validate(state.model_dump() | real)
