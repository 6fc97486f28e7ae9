"""What operators do with campaigns: create, edit, start, cancel, reschedule, send now."""

from __future__ import annotations

import functools
import secrets
import string
from collections.abc import Callable
from typing import TypeVar

from wxengage import clock
from wxengage.accounts import AccountType
from wxengage.broadcast.budget import check_account_type, one_send_a_day
from wxengage.broadcast.ports import CampaignRecords, Executions, TimezoneSource
from wxengage.broadcast.resume import RESUMABLE, ResumePlan, resume_plan
from wxengage.broadcast.schedule import plan_legs, reschedule
from wxengage.broadcast.spec import CampaignSpec, CampaignStatus
from wxengage.broadcast.state import Campaign, LegReason, LegStatus
from wxengage.errors import ConflictError

_ALPHABET = string.ascii_lowercase + string.digits
# Once segmenting starts, the spec is what the run is explaining: only times can change.
_SCHEDULED = {CampaignStatus.SEGMENTING, CampaignStatus.PREPARING, CampaignStatus.QUEUED}


def reschedulable(status: CampaignStatus) -> bool:
    """Whether reschedule (and send now) accept a campaign in `status`."""
    return status in _SCHEDULED


class CampaignStateError(ValueError):
    """The action does not fit the campaign's status; the message says what does."""


def new_campaign_id() -> str:
    return "c" + "".join(secrets.choice(_ALPHABET) for _ in range(11))


class Campaigns:
    """Operator actions; every write is conditional, so two operators cannot half-apply."""

    def __init__(
        self, store: CampaignRecords, executions: Executions, timezones: TimezoneSource
    ) -> None:
        self._store = store
        self._executions = executions
        self._timezones = timezones

    def create(self, app_id: str, spec: CampaignSpec) -> Campaign:
        """A new draft (times are checked when it starts, against the clock then)."""
        self._timezones.timezone(app_id)  # the account must exist
        check_account_type(spec, self._timezones.account_type(app_id))
        now = int(clock.now_ts())
        campaign = Campaign(
            app_id=app_id, campaign_id=new_campaign_id(), spec=spec, created_at=now, updated_at=now
        )
        if not self._store.create(campaign):
            raise CampaignStateError("campaign id collision: try again")
        return campaign

    def edit(self, app_id: str, campaign_id: str, spec: CampaignSpec) -> Campaign:
        """Replace a draft's spec."""
        c = self._store.get(app_id, campaign_id)
        if not c.status.editable:
            raise CampaignStateError(
                f"campaign {campaign_id} is {c.status.value}: only drafts can be edited "
                "(reschedule, send-now or cancel a started one)"
            )
        check_account_type(spec, self._timezones.account_type(app_id))
        return self._store.save(c.edited(spec, now=int(clock.now_ts())))

    def start(self, app_id: str, campaign_id: str) -> Campaign:
        """Check the schedule now, then start the state machine (execution named after the campaign)."""
        c = self._store.get(app_id, campaign_id)
        if c.status is not CampaignStatus.DRAFT:
            raise CampaignStateError(f"campaign {campaign_id} is already {c.status.value}")
        account_type = self._timezones.account_type(app_id)
        check_account_type(c.spec, account_type)  # its type may have changed since create
        legs = plan_legs(c.spec, self._timezones.timezone(app_id), int(clock.now_ts()))
        if account_type is AccountType.SUBSCRIPTION:
            legs = one_send_a_day(legs)
        c = self._store.save(c.scheduled(legs, execution=campaign_id))
        self._executions.start(campaign_id, app_id, campaign_id)
        return c

    def cancel(self, app_id: str, campaign_id: str) -> Campaign:
        """Cancel until sending starts: legs still waiting never go out.

        The engine writes the campaign and its legs while they wait (checks, status); a write
        that loses to it is read again and re-applied, so a cancel is never left half-done.
        """
        c = _on_conflict_retry(lambda: self._cancel_campaign(app_id, campaign_id))
        for leg in self._store.legs(app_id, campaign_id):
            _on_conflict_retry(functools.partial(self._cancel_leg, app_id, campaign_id, leg.key, c))
        return c

    def _cancel_campaign(self, app_id: str, campaign_id: str) -> Campaign:
        c = self._store.get(app_id, campaign_id)
        if c.status.terminal:
            raise CampaignStateError(f"campaign {campaign_id} has already ended ({c.status.value})")
        legs = self._store.legs(app_id, campaign_id)
        if c.status is CampaignStatus.SENDING or any(s.status is LegStatus.SENDING for s in legs):
            raise CampaignStateError(
                f"campaign {campaign_id} is sending: a send in progress cannot be called back "
                "(cancel again once it is queued for its next send, or take news offline)"
            )
        # The campaign first: a leg waking up now re-reads it and stands down.
        return self._store.save(c.cancelled(now=int(clock.now_ts())))

    def _cancel_leg(self, app_id: str, campaign_id: str, key: str, c: Campaign) -> None:
        leg = self._store.leg(app_id, campaign_id, key)
        if leg is not None and leg.status is LegStatus.QUEUED:
            self._store.save(
                leg.finished(LegStatus.CANCELLED, LegReason.CANCELLED, now=c.updated_at)
            )

    def reschedule(self, app_id: str, campaign_id: str, at: int, leg: str | None) -> Campaign:
        """Move the waiting legs (or one) so the first goes at `at`; spacing is kept."""
        return self._move(app_id, campaign_id, at, leg, keep_lead=True)

    def send_now(self, app_id: str, campaign_id: str) -> Campaign:
        """Send every waiting group and variant now (winners keep the next-day rule)."""
        return self._move(app_id, campaign_id, int(clock.now_ts()), None, keep_lead=False)

    def resume(self, app_id: str, campaign_id: str) -> tuple[Campaign, ResumePlan]:
        """Run again, in a new execution, the legs and batches of a failed or partially failed
        campaign that did not go out, each batch under its own clientmsgid (nothing twice)."""
        c = self._store.get(app_id, campaign_id)
        if c.status not in RESUMABLE:
            raise CampaignStateError(
                f"campaign {campaign_id} is {c.status.value}: only a failed or partially failed "
                "campaign can be resumed"
            )
        states = self._store.legs(app_id, campaign_id)
        batches = {s.key: self._store.batches(app_id, campaign_id, s.key) for s in states}
        now = int(clock.now_ts())
        plan = resume_plan(c, states, batches, now=now, timezone=self._timezones.timezone(app_id))
        if states and not plan.legs:
            raise CampaignStateError(
                f"campaign {campaign_id}: nothing left to resume - every batch that did not go "
                "out was accepted by WeChat, had one follower, or may have been delivered more "
                "than 24 hours ago (see `campaign status`)"
            )
        # The campaign first (a conditional write): of two resumes at once, one wins here.
        before, run = c, _next_run(c)
        c = self._store.save(
            c.scheduled(plan.schedule, execution=run, now=now).resumed(
                plan.status, execution=run, now=now
            )
        )
        wanted = set(plan.batches)
        for s in states:
            if s.key not in plan.legs:
                continue
            for b in batches[s.key]:
                if (b.leg, b.number) in wanted:
                    self._store.save(b.resumed())
            self._store.save(s.resumed(now=now))
        try:
            self._executions.start(run, app_id, campaign_id)
        except Exception:
            # Nothing runs it: say so on the campaign, so resume can be asked again.
            self._store.save(
                self._store.get(app_id, campaign_id).in_status(
                    before.status, now=int(clock.now_ts()), reason=before.failure or before.reason
                )
            )
            raise
        return c, plan

    def _move(
        self, app_id: str, campaign_id: str, at: int, leg: str | None, *, keep_lead: bool
    ) -> Campaign:
        c = self._store.get(app_id, campaign_id)
        if c.status not in _SCHEDULED:
            raise CampaignStateError(
                f"campaign {campaign_id} is {c.status.value}: only a started campaign that is "
                "not sending can be rescheduled (start a draft first)"
            )
        started = {
            s.key for s in self._store.legs(app_id, campaign_id) if s.status is not LegStatus.QUEUED
        }
        legs = reschedule(
            c.legs,
            started=started,
            to=at,
            only=leg,
            now=int(clock.now_ts()),
            timezone=self._timezones.timezone(app_id),
            keep_lead=keep_lead,
        )
        if self._timezones.account_type(app_id) is AccountType.SUBSCRIPTION:
            # One send a WeChat day, as start planned them: two legs moved onto one day (or
            # all sent now) go out on consecutive days, and the answer says when.
            legs = one_send_a_day(legs)
        # A leg asleep until its old time would not see an earlier one: restart the waits.
        old, run = c.execution, _next_run(c)
        c = self._store.save(c.scheduled(legs, execution=run, now=int(clock.now_ts())))
        if old:
            self._executions.stop(old, f"rescheduled; continued by {run}")
        self._executions.start(run, app_id, campaign_id)
        return c


def _next_run(c: Campaign) -> str:
    current = c.execution or c.campaign_id
    base, _, n = current.partition("-r")
    return f"{base}-r{int(n) + 1 if n.isdigit() else 2}"


_T = TypeVar("_T")
_CONFLICT_ATTEMPTS = 5


def _on_conflict_retry(write: Callable[[], _T]) -> _T:
    """Run a read-check-write again when a conditional write lost to the engine's own write."""
    for _ in range(_CONFLICT_ATTEMPTS - 1):
        try:
            return write()
        except ConflictError:
            continue
    return write()
