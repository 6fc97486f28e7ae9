"""A leg's send: its batches planned once, then submitted paced, each under its own clientmsgid."""

from __future__ import annotations

from typing import Any

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.audience import batch_bounds, clientmsgid
from wxengage.broadcast.budget import (
    SUBSCRIPTION_SENDS_PER_DAY,
    Route,
    Slot,
    Target,
    next_day,
    resume_at,
    target,
    waiting_reason,
)
from wxengage.broadcast.caps import ledger_period
from wxengage.broadcast.ports import BroadcastPorts, WeChatPort
from wxengage.broadcast.progress import Next, Progress, Step
from wxengage.broadcast.reasons import from_wechat, one_follower, unreachable
from wxengage.broadcast.spec import mass_message
from wxengage.broadcast.state import BatchState, BatchStatus, LegReason, LegState, LegStatus
from wxengage.broadcast.timing import MAX_ATTEMPTS, PACE, RETRY_AFTER
from wxengage.observability import count
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError

_RETRY_LATER = {
    ErrorCategory.TOKEN,  # refused twice in a row (the client already refetched once)
    ErrorCategory.CLIENTMSGID_TOO_FAST,
    ErrorCategory.RETRY_NEXT_MINUTE,
    ErrorCategory.RETRY_BACKOFF,
    ErrorCategory.AWAITING_CONFIRMATION,
}


class Sending:
    """The send task: idempotent, so a retried or resumed task never sends a batch twice."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def send(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Submit the leg's batches, paced, each under its own clientmsgid."""
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next=Next.RESULTS)
        state = self._progress.leg(app_id, campaign_id, key)
        if state.status is not LegStatus.SENDING:
            return step.then(Next.DONE)
        account = self._ports.accounts.get(app_id)
        now = int(clock.now_ts())
        if state.batches == 0:
            state = self._plan_batches(account, state, now)
            if state.status.done:
                return step.then(Next.DONE)
        openids = self._ports.audiences.get(app_id, campaign_id, f"sends/{key}")
        assert state.content is not None
        message = mass_message(state.content)
        client = self._ports.wechat(account)
        ledger_key, cap = ledger_period(account.settings, now)
        tgt = self._target(account, state)
        submitted = 0
        blocked = False  # the shared budget refused a call: the rest waits for its time
        waiting: list[int] = []
        for batch in self._ports.campaigns.batches(app_id, campaign_id, key):
            if batch.status in (BatchStatus.PLANNED, BatchStatus.RETRY):
                if batch.next_try_at > now:
                    waiting.append(batch.next_try_at)
                    continue
                if blocked:
                    continue  # the budget said when: no call before then
                if submitted >= PACE:
                    waiting.append(now + RETRY_AFTER)
                    continue
                slot = self._take_slot(account, tgt, now)
                if slot is not Slot.TAKEN:
                    waiting.append(resume_at(slot, now))
                    blocked = True
                    if slot is not Slot.MINUTE_FULL:
                        reason = waiting_reason(slot, now, account.settings.timezone)
                        state = self._progress.save(
                            self._progress.leg(app_id, campaign_id, key).noted(reason)
                        )
                    continue
                if state.reason:  # a budget wait is over: the note no longer holds
                    state = self._progress.save(
                        self._progress.leg(app_id, campaign_id, key).noted("")
                    )
                recipients = openids[batch.start : batch.start + batch.size]
                batch, reached = submit_to(client, batch, recipients, message, now, tgt)
                if not reached and self._ports.budget is not None:
                    self._ports.budget.give_back(app_id, now, send=tgt.one_a_day)
                count("MassBatch", 1, outcome=batch.status.value)
                batch = self._ports.campaigns.save(batch)
                submitted += 1
                if batch.status is BatchStatus.RETRY:
                    waiting.append(batch.next_try_at)
            if batch.status is BatchStatus.SUBMITTED and not batch.ledgered:
                recipients = openids[batch.start : batch.start + batch.size]
                self._ports.ledger.record(ledger_key, recipients, batch.clientmsgid, cap, now)
                self._ports.campaigns.save(batch.ledgered_now())
        if waiting:
            return step.wait_until(min(waiting))
        return step

    def _target(self, account: Account, state: LegState) -> Target:
        c = self._ports.campaigns.get(state.app_id, state.campaign_id)
        group = next(g for g in c.spec.groups if g.name == state.group)
        return target(group, account.settings.type, c.spec.audience_source)

    def _take_slot(self, account: Account, tgt: Target, now: int) -> Slot:
        """A slot of the account's mass-call budget for one call now (always, without one)."""
        if self._ports.budget is None:
            return Slot.TAKEN
        sends = SUBSCRIPTION_SENDS_PER_DAY if tgt.one_a_day else None
        return self._ports.budget.take(
            account.settings.app_id, now, account.settings.mass, sends_per_day=sends
        )

    def _plan_batches(self, account: Account, state: LegState, now: int) -> LegState:
        """The send list (the leg's list less capped followers) cut into batches, once."""
        app_id, cid, key = state.app_id, state.campaign_id, state.key
        audiences = self._ports.audiences
        if audiences.exists(app_id, cid, f"sends/{key}"):
            keep = audiences.get(app_id, cid, f"sends/{key}")  # a retry: same list
        else:
            openids = audiences.get(app_id, cid, f"legs/{key}")
            capped = self._ports.ledger.capped(ledger_period(account.settings, now)[0])
            keep = [o for o in openids if o not in capped]
            audiences.put(app_id, cid, f"sends/{key}", keep)
        if self._target(account, state).sendall:
            # One sendall reaches the whole audience; its snapshot is what the ledger records.
            batches = plan_batches(app_id, cid, key, len(keep), sendall=True)
        else:
            batches = plan_batches(app_id, cid, key, len(keep))
        for batch in batches:
            self._ports.campaigns.create(batch)
        state = self._progress.save(
            state.planned(capped=state.audience - len(keep), batches=len(batches))
        )
        if not keep:
            self._progress.finish_leg(state, LegStatus.SKIPPED, LegReason.NO_FOLLOWER)
            return self._progress.leg(app_id, cid, key)
        if not batches:
            # One follower: WeChat refuses a mass/send under 2 openids (40130), so the batch
            # fails here, on the record, without a call (WxJava WxOpenErrorMsgEnum CODE_40130).
            why = one_follower()
            lone = BatchState(
                app_id=app_id,
                campaign_id=cid,
                leg=key,
                number=1,
                start=0,
                size=len(keep),
                clientmsgid=clientmsgid(cid, key, 1),
                status=BatchStatus.FAILED,
                error=why.text(),
            )
            self._ports.campaigns.create(lone)
            state = self._progress.save(
                state.planned(capped=state.audience - len(keep), batches=1).tallied(
                    sent=0, filtered=0, errors=len(keep), failed_batches=1, estimated=0
                )
            )
            self._progress.finish_leg(state, LegStatus.FAILED, why)
            return self._progress.leg(app_id, cid, key)
        return state


def plan_batches(
    app_id: str, campaign_id: str, leg: str, recipients: int, *, sendall: bool = False
) -> list[BatchState]:
    """The batches of a send list of `recipients` openids, numbered from 1, none refused for size
    (`sendall`: one call for them all, which has no openid-count limit)."""
    bounds = [(0, recipients)] if sendall and recipients > 0 else batch_bounds(recipients)
    return [
        BatchState(
            app_id=app_id,
            campaign_id=campaign_id,
            leg=leg,
            number=number,
            start=start,
            size=size,
            clientmsgid=clientmsgid(campaign_id, leg, number),
        )
        for number, (start, size) in enumerate(bounds, start=1)
    ]


def submit_to(
    client: WeChatPort,
    batch: BatchState,
    recipients: list[str],
    message: dict[str, Any],
    now: int,
    tgt: Target,
) -> tuple[BatchState, bool]:
    """One mass/send or sendall attempt, what it made of the batch (not yet saved), and whether
    the call may have reached WeChat (False only when it certainly did not: its slot goes back)."""
    try:
        if tgt.sendall:
            answer = client.mass_sendall(tgt.filter(), message, batch.clientmsgid)
        else:
            answer = client.mass_send(recipients, message, batch.clientmsgid)
        msg_id, data_id = _job_ids(answer)
        return batch.accepted(msg_id=msg_id, msg_data_id=data_id, now=now), True
    except WeChatApiError as err:
        reached = "/mass/" in err.path  # a token fetch that failed never made the mass call
        if err.category is ErrorCategory.CLIENTMSGID_EXISTS:
            # Already submitted (a lost answer): record it, never send it again.
            msg_id, data_id = _job_ids(err.data or {})
            return batch.accepted(
                msg_id=msg_id, msg_data_id=data_id, now=now, duplicate=True
            ), reached
        # Stored and shown as a sentence with what to do (reasons.py), never WeChat's raw answer.
        why = from_wechat(err.errcode, err.path, err.errmsg).text()
        if err.category in _RETRY_LATER:
            return batch.retry_at(
                _retry_time(now), errcode=err.errcode, error=why, max_attempts=MAX_ATTEMPTS
            ), reached
        if err.category is ErrorCategory.DAILY_QUOTA or (
            err.category is ErrorCategory.MASS_QUOTA and tgt.one_a_day
        ):
            # WeChat's day is used (by the console, another tool): the batch goes tomorrow.
            return batch.retry_at(
                next_day(now), errcode=err.errcode, error=why, max_attempts=MAX_ATTEMPTS
            ), reached
        return batch.refused(errcode=err.errcode, error=why), reached
    except WeChatTransportError as err:
        # Maybe delivered: the same clientmsgid a minute later makes WeChat tell (45065/45066).
        if err.maybe_delivered:
            batch = batch.answer_lost(now)
        return batch.retry_at(
            _retry_time(now),
            errcode=batch.errcode,
            error=unreachable(err.path).text(),
            max_attempts=MAX_ATTEMPTS,
        ), err.maybe_delivered


def submit(
    client: WeChatPort,
    batch: BatchState,
    recipients: list[str],
    message: dict[str, Any],
    now: int,
) -> BatchState:
    """One mass/send attempt and what it made of the batch (not yet saved)."""
    return submit_to(client, batch, recipients, message, now, Target(route=Route.OPENIDS))[0]


def _retry_time(sent_at: int) -> int:
    """A minute after WeChat last saw the clientmsgid: counted from when the call ended.

    WeChat's 45066 window starts when it receives the request, which can be up to the read
    timeout after `sent_at`; counting from the end of the call keeps the retry outside it.
    """
    return max(sent_at, int(clock.now_ts())) + RETRY_AFTER


def _job_ids(answer: dict[str, Any]) -> tuple[int | None, int | None]:
    """The job's msg_id and msg_data_id (45065 answers may lack either)."""
    msg_id, data_id = answer.get("msg_id"), answer.get("msg_data_id")
    return (int(msg_id) if msg_id else None), (int(data_id) if data_id else None)
