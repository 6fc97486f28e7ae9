"""The sender: every check in order, a claim before WeChat is called, and an honest outcome."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError
from wxengage.observability import count, logger
from wxengage.recall.content import custom_message
from wxengage.recall.outcomes import Delivery, FailureReason, StatKey, refusal
from wxengage.recall.planning import PendingRecall, RecallStatus, SkipReason
from wxengage.recall.policy import first_reason, reserve, unreserve
from wxengage.recall.ports import Accounts, Followers, RecallLedger, Rules, Stats, WeChatFor
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import RecallRule, RuleNotFoundError
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.windows import FollowerState

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

    status: Delivery
    reason: str = ""  # a SkipReason, a FailureReason or a refusal's "errcode <n>"


@dataclass
class Sender:
    """Everything the sender reads and writes, injected (one instance per Lambda container)."""

    accounts: Accounts
    rules: Rules
    followers: Followers
    recalls: RecallLedger
    stats: Stats
    wechat: WeChatFor
    rnd: random.Random = field(default_factory=random.SystemRandom)
    _tags: dict[tuple[str, str], tuple[set[int], float]] = field(default_factory=dict)

    def deliver(self, recall: PendingRecall) -> Outcome:
        """Send one recall at most once, or record why not."""
        now = int(clock.now_ts())
        try:
            account = self.accounts.get(recall.app_id)
        except AccountNotFoundError:
            return Outcome(Delivery.DROPPED, FailureReason.ACCOUNT_REMOVED)
        try:
            rule = self.rules.get(recall.app_id, recall.rule).rule
        except RuleNotFoundError:
            return self._skip_unclaimed(recall, account, SkipReason.RULE_DELETED, now)
        state = self.followers.get(recall.app_id, recall.openid)
        reason = first_reason(
            recall,
            rule,
            account.settings.recall,
            state,
            now,
            lambda: self._tags_of(account, recall.openid),
        )
        if reason is not None:
            return self._skip_unclaimed(recall, account, reason, now)
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome(Delivery.DUPLICATE)
        seen: list[FollowerState] = []

        def take(current: FollowerState) -> FollowerState:
            seen.append(current)
            taken = reserve(current, recall, rule.name, account.settings, now)
            if isinstance(taken, SkipReason):
                raise _Skip(taken)
            return taken

        try:
            self.followers.update(recall.app_id, recall.openid, take)
        except _Skip as skip:
            return self._skipped(recall, account, token, skip.reason, now)
        except Exception:
            # WeChat was not called: give the claim back, or the queue's retry would find it
            # taken and drop the recall unsent and uncounted. (Had the write landed after all,
            # the retry sees the message taken and records already_recalled: never two sends.)
            self.recalls.release(recall, token)
            raise
        return self._send(recall, rule, account, token, seen[-1], now)

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
                return self._skipped(recall, account, token, follower_reason, now)
            # A token refused even after the client's refetch means WeChat did nothing either.
            if err.category in _RETRY_LATER:
                self._undo(recall, token, before)
                raise RetryLater(f"WeChat answered {err.errcode}: retry later") from err
            logger.error(
                "recall send failed", extra={"errcode": err.errcode, "category": err.category.value}
            )
            return self._failed(recall, account, token, refusal(err.errcode), now)
        except WeChatTransportError as err:
            if not err.maybe_delivered:
                self._undo(recall, token, before)
                raise RetryLater("WeChat unreachable: retry later") from err
            # It may have been sent: a blind retry could send twice. Record, never resend.
            return self._failed(recall, account, token, FailureReason.UNKNOWN_OUTCOME, now)
        self._finish(recall, account, token, RecallStatus.SENT, "", StatKey.SENT, now)
        count("RecallsSent")
        return Outcome(Delivery.SENT)

    def _undo(self, recall: PendingRecall, token: str, before: FollowerState) -> None:
        self.followers.update(recall.app_id, recall.openid, lambda s: unreserve(s, before, recall))
        self.recalls.release(recall, token)

    def _skip_unclaimed(
        self, recall: PendingRecall, account: Account, reason: SkipReason, now: int
    ) -> Outcome:
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome(Delivery.DUPLICATE)
        return self._skipped(recall, account, token, reason, now)

    def _skipped(
        self, recall: PendingRecall, account: Account, token: str, reason: SkipReason, now: int
    ) -> Outcome:
        self._finish(
            recall, account, token, RecallStatus.SKIPPED, reason, StatKey.skipped(reason), now
        )
        count("RecallsSkipped", reason=reason)
        return Outcome(Delivery.SKIPPED, reason)

    def _failed(
        self, recall: PendingRecall, account: Account, token: str, reason: str, now: int
    ) -> Outcome:
        self._finish(recall, account, token, RecallStatus.FAILED, reason, StatKey.FAILED, now)
        count("RecallsFailed")
        return Outcome(Delivery.FAILED, reason)

    def _finish(
        self,
        recall: PendingRecall,
        account: Account,
        token: str,
        status: RecallStatus,
        reason: str,
        counter: StatKey,
        now: int,
    ) -> None:
        """Record the outcome, then count it under the account's local day."""
        self.recalls.finish(recall, token, status, reason, now)
        day = local_day(now, account.settings.timezone)
        self.stats.add(recall.app_id, recall.rule, day, counter, now=now)
