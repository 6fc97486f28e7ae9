"""The sender: every check in order, a claim before WeChat is called, and an honest outcome."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError, RecallPolicy
from wxengage.observability import count, logger
from wxengage.recall.content import custom_message
from wxengage.recall.planning import PendingRecall, RecallStatus, SkipReason
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule, RuleNotFoundError
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.windows import FollowerState

if TYPE_CHECKING:
    from wxengage.wechat.client import WeChatClient

TAG_CACHE_SECONDS = 120
# WeChat's follower-side answers that mean "not now, not ever for this window".
_FOLLOWER_REASONS = {
    45015: SkipReason.WINDOW_CLOSED,
    45047: SkipReason.QUOTA,
    43004: SkipReason.LEFT,
}


_RETRY_LATER = (ErrorCategory.RETRY_BACKOFF, ErrorCategory.RETRY_NEXT_MINUTE, ErrorCategory.TOKEN)


class RetryLater(Exception):
    """WeChat surely did not send; the claim was released and the queue should retry."""


class _Skip(Exception):
    def __init__(self, reason: SkipReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Outcome:
    """What happened to one queued recall."""

    status: str  # sent | skipped | failed | duplicate | dropped
    reason: str = ""


@dataclass
class Sender:
    """Everything the sender reads and writes, injected (one instance per Lambda container)."""

    accounts: AccountStore
    rules: RuleStore
    followers: FollowerStore
    recalls: RecallStore
    stats: StatsStore
    wechat: Callable[[Account], WeChatClient]
    rnd: random.Random = field(default_factory=random.SystemRandom)
    _tags: dict[tuple[str, str], tuple[set[int], float]] = field(default_factory=dict)

    def deliver(self, recall: PendingRecall) -> Outcome:
        """Send one recall at most once, or record why not."""
        now = int(clock.now_ts())
        try:
            account = self.accounts.get(recall.app_id)
        except AccountNotFoundError:
            return Outcome("dropped", "account removed")
        try:
            rule = self.rules.get(recall.app_id, recall.rule).rule
        except RuleNotFoundError:
            return self._skip_unclaimed(recall, account, SkipReason.RULE_DELETED, now)
        state = self.followers.get(recall.app_id, recall.openid)
        reason = self._first_reason(recall, rule, account, state, now)
        if reason is not None:
            return self._skip_unclaimed(recall, account, reason, now)
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome("duplicate")
        seen: list[FollowerState] = []

        def reserve(current: FollowerState) -> FollowerState:
            seen.append(current)
            return _reserve(current, recall, rule.name, account, now)

        try:
            self.followers.update(recall.app_id, recall.openid, reserve)
        except _Skip as skip:
            return self._finish(
                recall, account, token, RecallStatus.SKIPPED, skip.reason.value, now
            )
        except Exception:
            # WeChat was not called: give the claim back, or the queue's retry would find it
            # taken and drop the recall unsent and uncounted. (Had the write landed after all,
            # the retry sees the message taken and records already_recalled: never two sends.)
            self.recalls.release(recall, token)
            raise
        return self._send(recall, rule, account, token, seen[-1], now)

    def _first_reason(
        self,
        recall: PendingRecall,
        rule: RecallRule,
        account: Account,
        state: FollowerState | None,
        now: int,
    ) -> SkipReason | None:
        """The checks in the order the product promises; the first that stops it wins."""
        if not rule.enabled:
            return SkipReason.RULE_DISABLED
        if recall.in_quiet_hours:
            return SkipReason.QUIET_HOURS
        if state is None or not state.subscribed:
            return SkipReason.LEFT
        policy = account.settings.recall
        reason = _window_reason(state, recall, policy, now)
        if reason is not None:
            return reason
        if (rule.include_tags or rule.exclude_tags) and not rule.audience_matches(
            self._tags_of(account, recall.openid)
        ):
            return SkipReason.TAG
        reason = _courtesy_reason(state, recall, policy, now)
        if reason is not None:
            return reason
        if _in_holdout(recall, rule.holdout_percent):
            return SkipReason.HOLDOUT
        return None

    def _tags_of(self, account: Account, openid: str) -> set[int]:
        key = (account.settings.app_id, openid)
        cached = self._tags.get(key)
        if cached and cached[1] > clock.now_ts():
            return cached[0]
        tags = set(self.wechat(account).tag_ids_of(openid))
        self._tags[key] = (tags, clock.now_ts() + TAG_CACHE_SECONDS)
        return tags

    def _send(
        self,
        recall: PendingRecall,
        rule: RecallRule,
        account: Account,
        token: str,
        before: FollowerState,
        now: int,
    ) -> Outcome:
        message = custom_message(recall.openid, rule.content, self.rnd)
        try:
            self.wechat(account).send_custom(message)
        except WeChatApiError as err:
            follower_reason = _FOLLOWER_REASONS.get(err.errcode)
            if follower_reason is not None:
                return self._finish(
                    recall, account, token, RecallStatus.SKIPPED, follower_reason.value, now
                )
            # A token refused even after the client's refetch means WeChat did nothing either.
            if err.category in _RETRY_LATER:
                self._undo(recall, account, token, before)
                raise RetryLater(f"WeChat answered {err.errcode}: retry later") from err
            logger.error(
                "recall send failed", extra={"errcode": err.errcode, "category": err.category.value}
            )
            return self._finish(
                recall, account, token, RecallStatus.FAILED, f"errcode {err.errcode}", now
            )
        except WeChatTransportError as err:
            if not err.maybe_delivered:
                self._undo(recall, account, token, before)
                raise RetryLater("WeChat unreachable: retry later") from err
            # It may have been sent: a blind retry could send twice. Record, never resend.
            return self._finish(recall, account, token, RecallStatus.FAILED, "unknown_outcome", now)
        return self._finish(recall, account, token, RecallStatus.SENT, "", now)

    def _undo(
        self, recall: PendingRecall, account: Account, token: str, before: FollowerState
    ) -> None:
        self.followers.update(recall.app_id, recall.openid, lambda s: _unreserve(s, before, recall))
        self.recalls.release(recall, token)

    def _skip_unclaimed(
        self, recall: PendingRecall, account: Account, reason: SkipReason, now: int
    ) -> Outcome:
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome("duplicate")
        return self._finish(recall, account, token, RecallStatus.SKIPPED, reason.value, now)

    def _finish(
        self,
        recall: PendingRecall,
        account: Account,
        token: str,
        status: RecallStatus,
        reason: str,
        now: int,
    ) -> Outcome:
        self.recalls.finish(recall, token, status, reason, now)
        day = local_day(now, account.settings.timezone)
        counter = {RecallStatus.SENT: "sent", RecallStatus.FAILED: "failed"}.get(
            status, f"skipped_{reason}"
        )
        self.stats.add(recall.app_id, recall.rule, day, counter, now=now)
        if status is RecallStatus.SKIPPED:
            count("RecallsSkipped", reason=reason)
        else:
            count("RecallsSent" if status is RecallStatus.SENT else "RecallsFailed")
        return Outcome(status.value, reason)


def _window_reason(
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


def _courtesy_reason(
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


def _reserve(
    state: FollowerState, recall: PendingRecall, rule: str, account: Account, now: int
) -> FollowerState:
    """Atomically re-check and take one window message for this recall (optimistic write)."""
    policy = account.settings.recall
    reason = _window_reason(state, recall, policy, now) or _courtesy_reason(
        state, recall, policy, now
    )
    if reason is not None:
        raise _Skip(reason)
    same = state.last_recall_window == recall.window_opened_at
    return state.model_copy(
        update={
            "messages_left": state.messages_left - 1,
            "last_recall_at": now,
            "last_recall_rule": rule,
            "last_recall_window": recall.window_opened_at,
            "last_recall_closes_at": state.effective_closes_at,
            "last_recall_day": local_day(now, account.settings.timezone),
            "recall_converted": False,
            "recalls_in_window": (state.recalls_in_window if same else 0) + 1,
        }
    )


_RECALL_FIELDS = (
    "last_recall_at",
    "last_recall_rule",
    "last_recall_window",
    "last_recall_closes_at",
    "last_recall_day",
    "recall_converted",
    "recalls_in_window",
)


def _unreserve(state: FollowerState, before: FollowerState, recall: PendingRecall) -> FollowerState:
    """Give the message back when WeChat surely did not send (only if nothing else changed it)."""
    if (
        state.last_recall_window != recall.window_opened_at
        or state.window_opened_at != recall.window_opened_at
    ):
        return state
    restored = {name: getattr(before, name) for name in _RECALL_FIELDS}
    return state.model_copy(update=restored | {"messages_left": state.messages_left + 1})


def _in_holdout(recall: PendingRecall, percent: float) -> bool:
    """A stable draw per follower, rule and window, so a retry lands on the same side."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(
        f"{recall.app_id}:{recall.rule}:{recall.openid}:{recall.window_opened_at}".encode()
    )
    return int.from_bytes(digest.digest()[:8], "big") / 2**64 * 100 < percent
