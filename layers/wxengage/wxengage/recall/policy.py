"""The sender's rules as pure functions: which check stops a recall, and the message it takes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from wxengage.accounts import AccountSettings, RecallPolicy
from wxengage.recall.planning import PendingRecall, SkipReason
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule
from wxengage.windows import FollowerState


def first_reason(
    recall: PendingRecall,
    rule: RecallRule,
    policy: RecallPolicy,
    state: FollowerState | None,
    now: int,
    tags: Callable[[], set[int]],
) -> SkipReason | None:
    """The checks in the order the product promises; the first that stops it wins.

    `tags` fetches the follower's tags; it is called only when the rule has an audience and
    every earlier check passed (each call costs a WeChat request).
    """
    if not rule.enabled:
        return SkipReason.RULE_DISABLED
    if recall.in_quiet_hours:
        return SkipReason.QUIET_HOURS
    if state is None or not state.subscribed:
        return SkipReason.LEFT
    reason = window_reason(state, recall, policy, now)
    if reason is not None:
        return reason
    if (rule.include_tags or rule.exclude_tags) and not rule.audience_matches(tags()):
        return SkipReason.TAG
    reason = courtesy_reason(state, recall, policy, now)
    if reason is not None:
        return reason
    if in_holdout(recall, rule.holdout_percent):
        return SkipReason.HOLDOUT
    return None


def window_reason(
    state: FollowerState, recall: PendingRecall, policy: RecallPolicy, now: int
) -> SkipReason | None:
    """Left, window (about to be) closed, or no message to spare beyond the agents' reserve."""
    if not state.subscribed:
        return SkipReason.LEFT
    closes = state.effective_closes_at or 0
    same_window = state.window_opened_at == recall.window_opened_at
    if (
        not same_window
        or not state.window_open_at(now)
        or closes - now <= policy.safety_margin_minutes * 60
    ):
        return SkipReason.WINDOW_CLOSED
    if state.messages_left <= policy.reserve_messages:
        return SkipReason.QUOTA
    return None


def courtesy_reason(
    state: FollowerState, recall: PendingRecall, policy: RecallPolicy, now: int
) -> SkipReason | None:
    """Recalls per window, then the cooldown between recalls of different windows."""
    same_window = state.last_recall_window == recall.window_opened_at
    if same_window and state.recalls_in_window >= policy.recalls_per_window:
        return SkipReason.ALREADY_RECALLED
    last = state.last_recall_at
    if (
        not same_window
        and policy.cooldown_days > 0
        and last is not None
        and now - last < policy.cooldown_days * 86400
    ):
        return SkipReason.COOLDOWN
    return None


def in_holdout(recall: PendingRecall, percent: float) -> bool:
    """A stable draw per follower, rule and window, so a retry lands on the same side."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(
        f"{recall.app_id}:{recall.rule}:{recall.openid}:{recall.window_opened_at}".encode()
    )
    return int.from_bytes(digest.digest()[:8], "big") / 2**64 * 100 < percent


class RecallMark(BaseModel):
    """The latest recall as a follower's state remembers it."""

    model_config = ConfigDict(frozen=True)

    last_recall_at: int | None = None
    last_recall_rule: str | None = None
    last_recall_window: int | None = None
    last_recall_closes_at: int | None = None
    last_recall_day: str | None = None
    recall_converted: bool = False
    recalls_in_window: int = 0

    @classmethod
    def of(cls, state: FollowerState) -> RecallMark:
        """The mark `state` carries."""
        return cls.model_validate(state.model_dump(include=set(cls.model_fields)))


def with_mark(state: FollowerState, mark: RecallMark, *, messages_left: int) -> FollowerState:
    """`state` carrying `mark` with `messages_left` window messages (everything else kept)."""
    return FollowerState.model_validate(
        state.model_dump() | mark.model_dump() | {"messages_left": messages_left}
    )


def reserve(
    state: FollowerState, recall: PendingRecall, rule: str, account: AccountSettings, now: int
) -> FollowerState | SkipReason:
    """Re-check and take one window message for this recall, or say why not.

    Run inside the follower's optimistic write, so the checks see the state it replaces.
    """
    policy = account.recall
    reason = window_reason(state, recall, policy, now) or courtesy_reason(
        state, recall, policy, now
    )
    if reason is not None:
        return reason
    same = state.last_recall_window == recall.window_opened_at
    mark = RecallMark(
        last_recall_at=now,
        last_recall_rule=rule,
        last_recall_window=recall.window_opened_at,
        last_recall_closes_at=state.effective_closes_at,
        last_recall_day=local_day(now, account.timezone),
        recall_converted=False,
        recalls_in_window=(state.recalls_in_window if same else 0) + 1,
    )
    return with_mark(state, mark, messages_left=state.messages_left - 1)


def unreserve(state: FollowerState, before: FollowerState, recall: PendingRecall) -> FollowerState:
    """Give the message back when WeChat surely did not send (only if nothing else changed it)."""
    if (
        state.last_recall_window != recall.window_opened_at
        or state.window_opened_at != recall.window_opened_at
    ):
        return state
    return with_mark(state, RecallMark.of(before), messages_left=state.messages_left + 1)
