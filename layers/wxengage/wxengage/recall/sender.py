"""The sender: every check in order, a claim before WeChat is called, and an honest outcome."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError
from wxengage.observability import count, logger
from wxengage.recall.content import custom_message
from wxengage.recall.holds import RecallHold
from wxengage.recall.outcomes import Delivery, FailureReason, StatKey, refusal
from wxengage.recall.planning import PendingRecall, RecallStatus, SkipReason, replanned
from wxengage.recall.policy import first_reason, reserve, unreserve
from wxengage.recall.ports import Accounts, Followers, RecallLedger, Rules, Stats, WeChatFor
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.refusals import Reaction, react
from wxengage.recall.rules import RecallRule, RuleNotFoundError
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage.windows import FollowerState, hold_out

TAG_CACHE_SECONDS = 120
# A queued recall whose rule now wants it later than this goes back to wait (the sweep's step).
RESCHEDULE_SLACK_SECONDS = 60


class RetryLater(Exception):
    """WeChat surely did not send; the claim was released and the queue should retry."""


class Held(Exception):
    """The account's recall sends are held (a configuration error, WECHAT.md section 11).

    Nothing was sent and nothing taken from the follower: the recall is pending again, and the
    sweep hands it back once the hold lifts. The queue message is done with.
    """

    def __init__(self, hold: RecallHold) -> None:
        super().__init__(f"recall sends held: errcode {hold.errcode}: {hold.reason}")
        self.hold = hold


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
            stored = self.rules.get(recall.app_id, recall.rule)
        except RuleNotFoundError:
            stored = None
        # A rule re-created under the same name is another rule: this recall's rule is gone.
        if stored is None or stored.rule_id != recall.rule_id:
            return self._skip_unclaimed(recall, account, SkipReason.RULE_DELETED, now)
        rule = stored.rule
        later = replanned(recall, stored, account.settings) if rule.enabled else None
        if later is not None and later.due_at > now + RESCHEDULE_SLACK_SECONDS:
            # Its lead or quiet hours changed after it was queued: wait for the new due time.
            moved = self.recalls.reschedule(recall, later)
            return Outcome(Delivery.REPLANNED if moved else Delivery.DUPLICATE)
        hold = self.recalls.hold(recall.app_id)
        if hold is not None and hold.active(now):
            self._put_back(recall, now)
            raise Held(hold)
        state = self.followers.get(recall.app_id, recall.openid)
        try:
            reason = first_reason(
                recall,
                rule,
                account.settings.recall,
                state,
                now,
                lambda: self._tags_of(account, recall.openid),
            )
        except WeChatApiError as err:
            # The tag lookup met a configuration error: every call would, so hold the account.
            answer = react(err.errcode)
            if answer.reaction is not Reaction.HOLD:
                raise
            self._put_back(recall, now)
            raise self._hold(account, err, answer.hold_seconds, now) from err
        if reason is not None:
            return self._skip_unclaimed(recall, account, reason, now)
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome(Delivery.DUPLICATE)
        seen: list[FollowerState] = []

        def take(current: FollowerState) -> FollowerState:
            seen.append(current)
            taken = reserve(current, recall, recall.stats_key, account.settings, now)
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
        return self._send(recall, rule, account, token, seen[-1], now, hold)

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
        hold: RecallHold | None,
    ) -> Outcome:
        message = custom_message(recall.openid, rule.content, self.rnd)
        try:
            self.wechat(account).send_custom(message)
        except WeChatApiError as err:
            return self._refused(recall, account, token, before, err, now)
        except WeChatTransportError as err:
            if not err.maybe_delivered:
                self._undo(recall, token, before)
                raise RetryLater("WeChat unreachable: retry later") from err
            # It may have been sent: a blind retry could send twice. Record, never resend.
            return self._failed(recall, account, token, FailureReason.UNKNOWN_OUTCOME, now)
        self._finish(recall, account, token, RecallStatus.SENT, "", StatKey.SENT, now)
        count("RecallsSent", app_id=recall.app_id)
        if hold is not None:
            # The probe after a hold went through: whatever was wrong has been fixed.
            self.recalls.lift_hold(recall.app_id, hold.until)
        return Outcome(Delivery.SENT)

    def _refused(
        self,
        recall: PendingRecall,
        account: Account,
        token: str,
        before: FollowerState,
        err: WeChatApiError,
        now: int,
    ) -> Outcome:
        """WeChat did not send: the follower gets their message back and no cooldown starts,
        so they can be recalled in a later window and a reply never counts as recalled."""
        answer = react(err.errcode)
        if answer.reaction is Reaction.RETRY:
            self._undo(recall, token, before)
            raise RetryLater(f"WeChat answered {err.errcode}: retry later") from err
        if answer.reaction is Reaction.HOLD:
            self._undo(recall, token, before)
            raise self._hold(account, err, answer.hold_seconds, now) from err
        if answer.skip is not None:
            outcome = self._skipped(recall, account, token, answer.skip, now)
        else:
            logger.error(
                "recall send refused", extra={"errcode": err.errcode, "errmsg": err.errmsg}
            )
            outcome = self._failed(recall, account, token, refusal(err.errcode), now)
        # After the outcome is on record: if this write fails, the recall is still never resent.
        try:
            self._give_back(recall, before)
        except Exception:
            logger.exception("could not give the follower's window message back")
        return outcome

    def _hold(self, account: Account, err: WeChatApiError, seconds: int, now: int) -> Held:
        hold = RecallHold(errcode=err.errcode, reason=str(err), since=now, until=now + seconds)
        self.recalls.hold_sends(account.settings.app_id, hold)
        count("RecallSendsHeld", errcode=str(err.errcode))
        logger.error("recall sends held", extra={"errcode": err.errcode, "until": hold.until})
        return Held(hold)

    def _put_back(self, recall: PendingRecall, now: int) -> None:
        """A queued recall back to pending, for the sweep to hand out once the hold lifts."""
        token = uuid.uuid4().hex
        if self.recalls.claim(recall, token, now):
            self.recalls.release(recall, token)

    def _give_back(self, recall: PendingRecall, before: FollowerState) -> None:
        self.followers.update(recall.app_id, recall.openid, lambda s: unreserve(s, before, recall))

    def _undo(self, recall: PendingRecall, token: str, before: FollowerState) -> None:
        self._give_back(recall, before)
        self.recalls.release(recall, token)

    def _skip_unclaimed(
        self, recall: PendingRecall, account: Account, reason: SkipReason, now: int
    ) -> Outcome:
        token = uuid.uuid4().hex
        if not self.recalls.claim(recall, token, now):
            return Outcome(Delivery.DUPLICATE)
        if reason is SkipReason.HOLDOUT:
            self._hold_out(recall, account, token, now)
        return self._skipped(recall, account, token, reason, now)

    def _hold_out(self, recall: PendingRecall, account: Account, token: str, now: int) -> None:
        """Mark the follower's window held out, so a message back counts as recalled_holdout
        (the lift's control group). Unmarked, nothing is recorded: the retry decides again."""
        day = local_day(now, account.settings.timezone)
        try:
            self.followers.update(
                recall.app_id,
                recall.openid,
                lambda s: hold_out(s, recall.stats_key, recall.window_opened_at, day, now),
            )
        except Exception:
            self.recalls.release(recall, token)
            raise

    def _skipped(
        self, recall: PendingRecall, account: Account, token: str, reason: SkipReason, now: int
    ) -> Outcome:
        self._finish(
            recall, account, token, RecallStatus.SKIPPED, reason, StatKey.skipped(reason), now
        )
        count("RecallsSkipped", app_id=recall.app_id, reason=reason)
        return Outcome(Delivery.SKIPPED, reason)

    def _failed(
        self, recall: PendingRecall, account: Account, token: str, reason: str, now: int
    ) -> Outcome:
        self._finish(recall, account, token, RecallStatus.FAILED, reason, StatKey.FAILED, now)
        if reason == FailureReason.UNKNOWN_OUTCOME:
            # Of the failed, those that may have reached the follower (`rules stats` shows it).
            day = local_day(now, account.settings.timezone)
            self.stats.add(
                recall.app_id, recall.stats_key, day, StatKey.FAILED_UNKNOWN_OUTCOME, now=now
            )
        count("RecallsFailed", app_id=recall.app_id)
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
        self.stats.add(recall.app_id, recall.stats_key, day, counter, now=now)
