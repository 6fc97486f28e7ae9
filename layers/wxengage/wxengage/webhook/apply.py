"""Applying a callback record: fold the interaction into the follower, then plan or count recalls."""

from __future__ import annotations

from wxengage import clock
from wxengage.observability import count
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import plan_recalls
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import StoredRule
from wxengage.webhook.ports import Accounts, Followers, MassJobs, Recalls, Rules, Stats
from wxengage.webhook.records import Applied, CallbackRecord, MassJobRecord
from wxengage.windows import FollowerState, Opener, apply_interaction


def opened_now(before: FollowerState, after: FollowerState, at: int) -> bool:
    """Whether the interaction at `at` opened a new message window (so recalls are planned)."""
    # A follow, click or scan in the same second opens a one-minute window at `at` first: only
    # a message window already open at `at` means this message opened nothing new.
    was_message_window = before.window_opened_by is Opener.MESSAGE and before.window_opened_at == at
    return (
        after.window_opened_by is Opener.MESSAGE
        and after.window_opened_at == at
        and not was_message_window
    )


def answered_now(before: FollowerState, after: FollowerState) -> bool:
    """Whether this write is the follower's first answer to a recall (counted once)."""
    return after.recall_converted and not before.recall_converted


def answered_holdout_now(before: FollowerState, after: FollowerState) -> bool:
    """Whether this write is a held-out follower's first message back (counted once)."""
    return after.holdout_converted and not before.holdout_converted


def in_known_audience(stored: StoredRule, state: FollowerState) -> bool:
    """Whether planning counts `state` for the rule: its audience met with the tags the engine
    keeps. Never-synced tags exclude nobody (the sender re-reads tags at send time anyway)."""
    rule = stored.rule
    if state.tag_ids is None or not (rule.include_tags or rule.exclude_tags):
        return True
    return rule.audience_matches(set(state.tag_ids))


class CallbackApplier:
    """Writes what a callback record changes; runs once per record (see webhook/once.py)."""

    def __init__(
        self,
        accounts: Accounts,
        followers: Followers,
        mass_jobs: MassJobs,
        rules: Rules,
        recalls: Recalls,
        stats: Stats,
    ) -> None:
        self._accounts = accounts
        self._followers = followers
        self._mass_jobs = mass_jobs
        self._rules = rules
        self._recalls = recalls
        self._stats = stats

    def apply(self, record: CallbackRecord) -> Applied:
        """Store a mass-job result, or fold an interaction into its follower."""
        if isinstance(record, MassJobRecord):
            return Applied(written=self._mass_jobs.record(record.mass))
        ix = record.interaction
        seen: list[FollowerState] = []

        def fold(current: FollowerState) -> FollowerState:
            seen.append(current)
            return apply_interaction(current, ix)

        after, written = self._followers.update(record.app_id, record.openid, fold)
        if not written:
            count("CallbacksStale")
            return Applied(written=False)
        self._after_write(seen[-1], after, ix.at)
        return Applied(written=True)

    def _after_write(self, before: FollowerState, after: FollowerState, at: int) -> None:
        """Plan recalls for a window a message just opened; count an answered recall (or
        holdout) once."""
        opened = opened_now(before, after, at)
        answered = answered_now(before, after)
        answered_holdout = answered_holdout_now(before, after)
        if not (opened or answered or answered_holdout):
            return
        settings = self._accounts.get_settings(after.app_id)
        now = int(clock.now_ts())
        if answered and after.last_recall_rule and after.last_recall_day:
            self._stats.add(
                after.app_id,
                after.last_recall_rule,
                after.last_recall_day,
                StatKey.RECALLED,
                now=now,
            )
            count("RecallsAnswered", app_id=after.app_id)
        if answered_holdout and after.holdout_rule and after.holdout_day:
            self._stats.add(
                after.app_id,
                after.holdout_rule,
                after.holdout_day,
                StatKey.RECALLED_HOLDOUT,
                now=now,
            )
            count("HoldoutsAnswered")
        if opened:
            day = local_day(now, settings.timezone)
            # Followers outside a rule's audience (by the tags we keep) are not pending for it.
            rules = [r for r in self._rules.cached(after.app_id) if in_known_audience(r, after)]
            for recall in plan_recalls(settings, rules, after):
                # Pending counts followers waiting for a recall: a re-plan is not a new one.
                if self._recalls.put_pending(recall) == "new":
                    self._stats.add(after.app_id, recall.stats_key, day, StatKey.PENDING, now=now)
                    count("RecallsPending", app_id=after.app_id)
