"""Applying a callback record: fold the interaction into the follower, then plan or count recalls."""

from __future__ import annotations

from wxengage import clock
from wxengage.observability import count
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import plan_recalls
from wxengage.recall.quiet_hours import local_day
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
        """Plan recalls for a window a message just opened; count an answered recall once."""
        opened = opened_now(before, after, at)
        answered = answered_now(before, after)
        if not (opened or answered):
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
            count("RecallsAnswered")
        if opened:
            day = local_day(now, settings.timezone)
            for recall in plan_recalls(settings, self._rules.cached(after.app_id), after):
                # Pending counts followers waiting for a recall: a re-plan is not a new one.
                if self._recalls.put_pending(recall) == "new":
                    self._stats.add(after.app_id, recall.stats_key, day, StatKey.PENDING, now=now)
                    count("RecallsPending")
