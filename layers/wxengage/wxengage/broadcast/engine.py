"""The broadcast engine: each task the state machine runs for a campaign, idempotent under retries."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.audience import batch_bounds, clientmsgid, draw_samples, resolve_groups
from wxengage.broadcast.schedule import LegKind, ScheduleError, plan_legs
from wxengage.broadcast.spec import CampaignStatus, Content, mass_message
from wxengage.broadcast.state import (
    BatchState,
    BatchStatus,
    Campaign,
    LegState,
    LegStatus,
)
from wxengage.broadcast.winner import VariantOutcome, decide
from wxengage.errors import ConflictError
from wxengage.observability import count, logger
from wxengage.store.audiences import AudienceStore
from wxengage.store.campaigns import CampaignStore
from wxengage.store.ledger import CAPS, BroadcastLedger, period
from wxengage.store.mass_jobs import MassJobStore
from wxengage.wechat.api_errors import ErrorCategory, WeChatApiError, WeChatTransportError
from wxengage.wechat.read_stats import ReadStats

# A waiting leg re-reads its campaign this often (a later reschedule takes effect there; the
# CLI restarts the execution for earlier ones). Hourly keeps a week-long wait far below
# Step Functions' 25,000-event history limit.
WAKE_EVERY = 3600
RETRY_AFTER = 60  # 45066, 45011, -1 and lost answers: the same clientmsgid a minute later
PACE = 50  # batches submitted per minute (WeChat's mass APIs allow 60 requests a minute)
MAX_ATTEMPTS = 10
RESULTS_EVERY = 120
MASS_GET_AFTER = 600  # no MASSSENDJOBFINISH this long after submitting: ask mass/get
RESULTS_GIVE_UP = 24 * 3600
STATS_EVERY = 1800
STATS_GIVE_UP = 12 * 3600  # after the decision time: decide without reads (the policy applies)
_RETRY_LATER = {
    ErrorCategory.TOKEN,  # refused twice in a row (the client already refetched once)
    ErrorCategory.CLIENTMSGID_TOO_FAST,
    ErrorCategory.RETRY_NEXT_MINUTE,
    ErrorCategory.RETRY_BACKOFF,
    ErrorCategory.AWAITING_CONFIRMATION,
}
_SUCCESS = {"send success", "SEND_SUCCESS", "DELETE", "submitted (no msg_id)"}


class CampaignConflictError(RuntimeError):
    """Another execution runs this campaign, or it is not in a state this task can act on."""


class Step(BaseModel):
    """A leg task's answer to the state machine: what to do next, and when."""

    app_id: str
    campaign_id: str
    leg: str
    next: Literal["wait", "send", "decide", "results", "done"]
    wake_at: str = ""


class WeChatPort(Protocol):
    """What the engine asks of WeChat (the WeChatClient in production)."""

    def followers_page(self, next_openid: str = "") -> tuple[list[str], str]: ...
    def tag_followers_page(self, tag_id: int, next_openid: str = "") -> tuple[list[str], str]: ...
    def mass_send(
        self, touser: list[str], message: dict[str, Any], clientmsgid: str
    ) -> dict[str, Any]: ...
    def mass_status(self, msg_id: int) -> str: ...
    def mass_preview(self, openid: str, message: dict[str, Any]) -> None: ...
    def mass_delete(self, msg_id: int, article_idx: int = 0) -> None: ...
    def article_totals(self, day: str) -> list[dict[str, Any]]: ...
    def article_reads(self, day: str) -> list[dict[str, Any]]: ...


class AccountSource(Protocol):
    def get(self, app_id: str) -> Account: ...


class FollowerSource(Protocol):
    def subscribed(self, app_id: str) -> Iterator[str]: ...


class Broadcast:
    """Runs campaigns: segment, prepare, then per leg check → send → results (or decide)."""

    def __init__(
        self,
        *,
        accounts: AccountSource,
        campaigns: CampaignStore,
        audiences: AudienceStore,
        ledger: BroadcastLedger,
        mass_jobs: MassJobStore,
        followers: FollowerSource,
        wechat: Callable[[Account], WeChatPort],
    ) -> None:
        self._accounts = accounts
        self._campaigns = campaigns
        self._audiences = audiences
        self._ledger = ledger
        self._mass_jobs = mass_jobs
        self._followers = followers
        self._wechat = wechat

    # --- segmenting and preparing -----------------------------------------------------

    def segment(self, app_id: str, campaign_id: str, execution: str) -> dict[str, str]:
        """Claim the campaign for this execution and resolve each group's audience (圈群)."""
        c = self._campaigns.get(app_id, campaign_id)
        account = self._accounts.get(app_id)
        now = int(clock.now_ts())
        if c.status is CampaignStatus.DRAFT:
            if c.execution not in (None, execution):
                raise CampaignConflictError(f"campaign {campaign_id} was started as {c.execution}")
            legs = c.legs or plan_legs(c.spec, account.settings.timezone, now)
            c = self._campaigns.save(
                c.model_copy(
                    update={
                        "status": CampaignStatus.SEGMENTING,
                        "execution": execution,
                        "started_at": now,
                        "legs": legs,
                        "updated_at": now,
                    }
                )
            )
            count("CampaignStatus", 1, status=c.status.value)
        elif c.execution != execution:
            raise CampaignConflictError(
                f"campaign {campaign_id} is {c.status.value}, run by execution {c.execution}"
            )
        if c.status is not CampaignStatus.SEGMENTING:
            return {"app_id": app_id, "campaign_id": campaign_id}  # a retried task: done already
        client = self._wechat(account)
        if c.spec.audience_source == "store":
            lists, reports = resolve_groups(
                c.spec, lambda: self._followers.subscribed(app_id), lambda _tag: []
            )
        else:
            lists, reports = resolve_groups(
                c.spec,
                lambda: _pages(client.followers_page),
                lambda tag: _pages(lambda nxt: client.tag_followers_page(tag, nxt)),
            )
        for name, openids in lists.items():
            self._audiences.put(app_id, campaign_id, f"segments/{name}", openids)
        self._set_status(c, CampaignStatus.PREPARING, groups=reports)
        return {"app_id": app_id, "campaign_id": campaign_id}

    def prepare(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        """Draw the seeded A/B samples, write each leg's list and create the legs (准备中)."""
        c = self._campaigns.get(app_id, campaign_id)
        if c.status is CampaignStatus.PREPARING:
            if c.seed is None:
                c = self._campaigns.save(c.model_copy(update={"seed": secrets.randbits(62)}))
            assert c.seed is not None
            for gi, group in enumerate(c.spec.groups):
                openids = self._audiences.get(app_id, campaign_id, f"segments/{group.name}")
                legs = [leg for leg in c.legs if leg.group == group.name]
                if group.ab_test is None:
                    lists = {legs[0].key: openids}
                else:
                    ratios = [v.ratio for v in group.ab_test.variants]
                    samples, rest = draw_samples(openids, ratios, c.seed, group.name)
                    lists = {f"g{gi}v{vi}": s for vi, s in enumerate(samples)} | {f"g{gi}w": rest}
                for leg in legs:
                    self._audiences.put(app_id, campaign_id, f"legs/{leg.key}", lists[leg.key])
                    content = None
                    if leg.kind is LegKind.GROUP:
                        content = group.content
                    elif leg.kind is LegKind.VARIANT and group.ab_test is not None:
                        content = next(
                            v.content for v in group.ab_test.variants if v.name == leg.variant
                        )
                    self._campaigns.create(
                        LegState(
                            app_id=app_id,
                            campaign_id=campaign_id,
                            key=leg.key,
                            group=leg.group,
                            kind=leg.kind,
                            variant=leg.variant,
                            content=content,
                            audience=len(lists[leg.key]),
                        )
                    )
            self._set_status(c, CampaignStatus.QUEUED)
        items = [{"app_id": app_id, "campaign_id": campaign_id, "leg": leg.key} for leg in c.legs]
        return {"app_id": app_id, "campaign_id": campaign_id, "legs": items}

    # --- one leg ----------------------------------------------------------------------

    def check(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Before a leg's send time and at it: re-read the campaign (cancel, reschedule)."""
        c = self._campaigns.get(app_id, campaign_id)
        state = self._leg(app_id, campaign_id, key)
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next="done")
        if state.status.done:
            return step
        if state.status is LegStatus.SENDING:
            return step.model_copy(update={"next": "send"})  # resumed after a retry
        if c.cancel_requested or c.status is CampaignStatus.CANCELLED:
            self._finish_leg(state, LegStatus.CANCELLED, "the campaign was cancelled")
            return step
        now = int(clock.now_ts())
        leg = c.leg(key)
        if now < leg.send_at:
            return _wait(step, min(leg.send_at, now + WAKE_EVERY))
        if leg.kind is LegKind.WINNER:
            return step.model_copy(update={"next": "decide"})
        self._start_leg(state, now)
        return step.model_copy(update={"next": "send"})

    def decide(self, app_id: str, campaign_id: str, key: str) -> Step:
        """At the decision time: compare the variants' read rates and pick what the rest gets."""
        c = self._campaigns.get(app_id, campaign_id)
        state = self._leg(app_id, campaign_id, key)
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next="done")
        if state.decision is not None or state.status.done:
            return step.model_copy(
                update={"next": "send" if state.status is LegStatus.SENDING else "done"}
            )
        now = int(clock.now_ts())
        if c.cancel_requested:
            self._finish_leg(state, LegStatus.CANCELLED, "the campaign was cancelled")
            return step
        variants = [
            s
            for s in self._campaigns.legs(app_id, campaign_id)
            if s.group == state.group and s.kind is LegKind.VARIANT
        ]
        if any(not v.status.done for v in variants):
            return _wait(step, now + RESULTS_EVERY)  # a variant is still sending
        group = next(g for g in c.spec.groups if g.name == state.group)
        assert group.ab_test is not None
        account = self._accounts.get(app_id)
        outcomes, ready = self._outcomes(account, variants)
        if not ready and now < c.leg(key).send_at + STATS_GIVE_UP:
            self._campaigns.save(state.model_copy(update={"checks": state.checks + 1}))
            return _wait(step, now + STATS_EVERY)
        for v, outcome in zip(variants, outcomes, strict=True):
            self._update_leg(v, readers=outcome.readers)
        decision = decide(outcomes, group.ab_test.winner)
        logger.info(
            "A/B decision",
            extra={
                "campaign_id": campaign_id,
                "group": state.group,
                "decision": decision.model_dump(),
            },
        )
        if decision.send is None:
            self._update_leg(state, decision=decision)
            self._finish_leg(
                self._leg(app_id, campaign_id, key), LegStatus.SKIPPED, decision.reason
            )
            return step
        content = next(v.content for v in group.ab_test.variants if v.name == decision.send)
        state = self._update_leg(state, decision=decision, content=content)
        self._start_leg(state, now)
        return step.model_copy(update={"next": "send"})

    def send(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Submit the leg's batches, paced, each under its own clientmsgid."""
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next="results")
        state = self._leg(app_id, campaign_id, key)
        if state.status is not LegStatus.SENDING:
            return step.model_copy(update={"next": "done"})
        account = self._accounts.get(app_id)
        now = int(clock.now_ts())
        if state.batches == 0:
            state = self._plan_batches(account, state, now)
            if state.status.done:
                return step.model_copy(update={"next": "done"})
        openids = self._audiences.get(app_id, campaign_id, f"sends/{key}")
        assert state.content is not None
        message = mass_message(state.content)
        client = self._wechat(account)
        ledger_key, cap = self._period(account, now)
        submitted = 0
        waiting: list[int] = []
        for batch in self._campaigns.batches(app_id, campaign_id, key):
            if batch.status in (BatchStatus.PLANNED, BatchStatus.RETRY):
                if batch.next_try_at > now:
                    waiting.append(batch.next_try_at)
                    continue
                if submitted >= PACE:
                    waiting.append(now + RETRY_AFTER)
                    continue
                batch = self._submit(client, batch, openids, message, now)
                submitted += 1
                if batch.status is BatchStatus.RETRY:
                    waiting.append(batch.next_try_at)
            if batch.status is BatchStatus.SUBMITTED and not batch.ledgered:
                recipients = openids[batch.start : batch.start + batch.size]
                self._ledger.record(ledger_key, recipients, batch.clientmsgid, cap, now)
                self._campaigns.save(batch.model_copy(update={"ledgered": True}))
        if waiting:
            return _wait(step, min(waiting))
        return step

    def results(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Collect each batch's outcome: MASSSENDJOBFINISH as stored by the webhook, else mass/get."""
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next="done")
        state = self._leg(app_id, campaign_id, key)
        if state.status.done:
            return step
        now = int(clock.now_ts())
        account = self._accounts.get(app_id)
        batches = self._campaigns.batches(app_id, campaign_id, key)
        pending = 0
        for batch in batches:
            if batch.status is BatchStatus.SUBMITTED and batch.result is None:
                batch = self._collect(
                    account, batch, now, give_up=now - (state.started_at or now) > RESULTS_GIVE_UP
                )
                pending += batch.result is None
        if pending:
            self._campaigns.save(state.model_copy(update={"checks": state.checks + 1}))
            return _wait(step, now + RESULTS_EVERY)
        self._close_leg(state, self._campaigns.batches(app_id, campaign_id, key), now)
        return step

    # --- the end ----------------------------------------------------------------------

    def finish(self, app_id: str, campaign_id: str) -> dict[str, str]:
        """Every leg is done: the campaign's final status from its legs."""
        c = self._campaigns.get(app_id, campaign_id)
        if c.status.terminal:
            return {"status": c.status.value}
        legs = self._campaigns.legs(app_id, campaign_id)
        counted = [s for s in legs if s.status not in (LegStatus.SKIPPED, LegStatus.CANCELLED)]
        failed = [s for s in counted if s.status is LegStatus.FAILED]
        partial = [s for s in counted if s.status is LegStatus.PARTIALLY_FAILED]
        if c.cancel_requested:
            status, reason = CampaignStatus.CANCELLED, c.reason or "cancelled by the operator"
        elif counted and len(failed) == len(counted):
            status, reason = CampaignStatus.FAILED, "every batch failed"
        elif failed or partial:
            status, reason = CampaignStatus.PARTIALLY_FAILED, "some batches failed: see the legs"
        else:
            status, reason = CampaignStatus.SUCCEEDED, ""
        c = self._set_status(c, status, reason=reason)
        return {"status": c.status.value}

    def fail(
        self, app_id: str, campaign_id: str, execution: str, error: str, cause: str
    ) -> dict[str, str]:
        """The state machine caught an error: the campaign is failed, with the reason."""
        c = self._campaigns.get(app_id, campaign_id)
        if c.execution != execution or c.status.terminal:
            # A second execution of a running campaign must not fail the first one's campaign.
            return {"status": c.status.value}
        reason = f"{error}: {_short(cause)}"
        c = self._set_status(c, CampaignStatus.FAILED, reason=reason)
        return {"status": c.status.value}

    # --- operator requests (run here, where WeChat's IP whitelist lets them through) ----

    def preview(
        self, app_id: str, campaign_id: str, openids: list[str], leg: str | None
    ) -> dict[str, Any]:
        """Send each content of the campaign (or of one leg) to named followers; no quota used."""
        c = self._campaigns.get(app_id, campaign_id)
        contents = _contents(c, leg)
        client = self._wechat(self._accounts.get(app_id))
        sent = []
        for label, content in contents:
            for openid in openids:
                client.mass_preview(openid, mass_message(content))
                sent.append({"leg": label, "openid": openid})
        return {"previews": sent}

    def offline(
        self, app_id: str, campaign_id: str, leg: str | None, article_idx: int
    ) -> dict[str, Any]:
        """Take the campaign's sent news down (mass/delete per batch); the card stays in chats."""
        c = self._campaigns.get(app_id, campaign_id)
        client = self._wechat(self._accounts.get(app_id))
        deleted: list[int] = []
        for state in self._campaigns.legs(app_id, campaign_id):
            if (leg is not None and state.key != leg) or state.content is None:
                continue
            if state.content.type != "mpnews":
                continue  # WeChat deletes news and video only
            for batch in self._campaigns.batches(app_id, campaign_id, state.key):
                if batch.msg_id is not None:
                    client.mass_delete(batch.msg_id, article_idx)
                    deleted.append(batch.msg_id)
        if not deleted:
            raise CampaignConflictError(
                f"campaign {c.campaign_id} has no sent news to take offline"
            )
        return {"deleted": deleted}

    # --- internals --------------------------------------------------------------------

    def _period(self, account: Account, now: int) -> tuple[str, int]:
        s = account.settings
        return period(s.app_id, s.type, now, s.timezone), CAPS[s.type]

    def _plan_batches(self, account: Account, state: LegState, now: int) -> LegState:
        app_id, cid, key = state.app_id, state.campaign_id, state.key
        if self._audiences.exists(app_id, cid, f"sends/{key}"):
            keep = self._audiences.get(app_id, cid, f"sends/{key}")  # a retry: same list
        else:
            openids = self._audiences.get(app_id, cid, f"legs/{key}")
            capped = self._ledger.capped(self._period(account, now)[0])
            keep = [o for o in openids if o not in capped]
            self._audiences.put(app_id, cid, f"sends/{key}", keep)
        bounds = batch_bounds(len(keep))
        for number, (start, size) in enumerate(bounds, start=1):
            self._campaigns.create(
                BatchState(
                    app_id=app_id,
                    campaign_id=cid,
                    leg=key,
                    number=number,
                    start=start,
                    size=size,
                    clientmsgid=clientmsgid(cid, key, number),
                )
            )
        state = self._update_leg(state, capped=state.audience - len(keep), batches=len(bounds))
        if not bounds:
            why = (
                "no follower left to send to"
                if not keep
                else "1 follower left: WeChat needs at least 2"
            )
            self._finish_leg(state, LegStatus.SKIPPED, why)
            return self._leg(app_id, cid, key)
        return state

    def _submit(
        self,
        client: WeChatPort,
        batch: BatchState,
        openids: list[str],
        message: dict[str, Any],
        now: int,
    ) -> BatchState:
        recipients = openids[batch.start : batch.start + batch.size]
        update: dict[str, Any] = {"attempts": batch.attempts + 1}
        try:
            answer = client.mass_send(recipients, message, batch.clientmsgid)
            update |= _accepted(answer, now, batch.size)
        except WeChatApiError as err:
            if err.category is ErrorCategory.CLIENTMSGID_EXISTS:
                # Already submitted (a lost answer): record it, never send it again.
                update |= _accepted(err.data or {}, now, batch.size) | {"duplicate": True}
            elif err.category in _RETRY_LATER:
                update |= {
                    "status": BatchStatus.RETRY,
                    "next_try_at": now + RETRY_AFTER,
                    "errcode": err.errcode,
                    "error": err.errmsg,
                }
            else:
                update |= {"status": BatchStatus.FAILED, "errcode": err.errcode, "error": str(err)}
        except WeChatTransportError as err:
            # Maybe delivered: the same clientmsgid a minute later makes WeChat tell (45065/45066).
            update |= {
                "status": BatchStatus.RETRY,
                "next_try_at": now + RETRY_AFTER,
                "error": str(err),
            }
        if update.get("status") is BatchStatus.RETRY and update["attempts"] >= MAX_ATTEMPTS:
            update |= {
                "status": BatchStatus.FAILED,
                "error": f"gave up after {MAX_ATTEMPTS} attempts: {update['error']}",
            }
        count("MassBatch", 1, outcome=update["status"].value)
        return self._campaigns.save(batch.model_copy(update=update))

    def _collect(
        self, account: Account, batch: BatchState, now: int, *, give_up: bool
    ) -> BatchState:
        assert batch.msg_id is not None
        stored = self._mass_jobs.get(batch.app_id, batch.msg_id)
        update: dict[str, Any]
        if stored is not None:
            update = {
                "result": stored.status,
                "sent": stored.sent_count,
                # WeChat's FilterCount is what was left after filtering, not what was filtered out.
                "filtered": max(0, stored.total_count - stored.filter_count),
                "errors": stored.error_count,
            }
        elif now - (batch.submitted_at or now) >= MASS_GET_AFTER or give_up:
            status = self._wechat(account).mass_status(batch.msg_id)
            if status == "SENDING" and not give_up:
                return batch
            ok = status in _SUCCESS
            # mass/get has no counts: everyone submitted counts as sent (or as an error).
            update = {
                "result": status or "unknown",
                "sent": batch.size if ok else 0,
                "errors": 0 if ok else batch.size,
                "estimated": True,
            }
        else:
            return batch
        return self._campaigns.save(batch.model_copy(update=update))

    def _close_leg(self, state: LegState, batches: list[BatchState], now: int) -> None:
        failed = [
            b
            for b in batches
            if b.status is BatchStatus.FAILED or (b.result is not None and b.result not in _SUCCESS)
        ]
        figures = {
            "sent": sum(b.sent for b in batches),
            "filtered": sum(b.filtered for b in batches),
            "errors": sum(b.errors for b in batches)
            + sum(b.size for b in batches if b.status is BatchStatus.FAILED),
            "failed_batches": len(failed),
            "estimated": sum(b.estimated for b in batches),
        }
        if batches and len(failed) == len(batches):
            status, reason = LegStatus.FAILED, _failure(failed)
        elif failed:
            status, reason = (
                LegStatus.PARTIALLY_FAILED,
                f"{len(failed)} of {len(batches)} batches failed: {_failure(failed)}",
            )
        else:
            status, reason = LegStatus.SUCCEEDED, ""
        state = self._update_leg(state, **figures)
        self._finish_leg(state, status, reason)

    def _outcomes(
        self, account: Account, variants: list[LegState]
    ) -> tuple[list[VariantOutcome], bool]:
        stats = ReadStats(self._wechat(account))
        zone = ZoneInfo(account.settings.timezone)
        outcomes: list[VariantOutcome] = []
        ready = True
        for v in variants:
            batches = [
                b
                for b in self._campaigns.batches(v.app_id, v.campaign_id, v.key)
                if b.status is BatchStatus.SUBMITTED and b.msg_data_id is not None
            ]
            by_day: dict[str, list[BatchState]] = {}
            for b in batches:
                day = datetime.fromtimestamp(b.submitted_at or 0, tz=zone).strftime("%Y-%m-%d")
                by_day.setdefault(day, []).append(b)
            readers: int | None = 0
            for day, day_batches in by_day.items():
                found = stats.readers(day, [b.msg_data_id for b in day_batches if b.msg_data_id])
                if found is None:
                    readers = None
                    break
                assert readers is not None
                readers += sum(found[b.msg_data_id] for b in day_batches if b.msg_data_id)
            ready = ready and readers is not None
            # Rates over the batches whose reads can be attributed (45065 answers lack msg_data_id).
            outcomes.append(
                VariantOutcome(
                    name=v.variant or v.key,
                    sent=sum(b.sent for b in batches),
                    readers=readers if batches else None,
                )
            )
        return outcomes, ready

    def _leg(self, app_id: str, campaign_id: str, key: str) -> LegState:
        state = self._campaigns.leg(app_id, campaign_id, key)
        if state is None:
            raise CampaignConflictError(f"campaign {campaign_id} has no leg {key} (not prepared?)")
        return state

    def _update_leg(self, state: LegState, **changes: Any) -> LegState:
        return self._campaigns.save(state.model_copy(update=changes))

    def _start_leg(self, state: LegState, now: int) -> None:
        self._update_leg(state, status=LegStatus.SENDING, started_at=now)
        self._refresh(state.app_id, state.campaign_id)

    def _finish_leg(self, state: LegState, status: LegStatus, reason: str) -> None:
        self._update_leg(state, status=status, reason=reason, finished_at=int(clock.now_ts()))
        count("CampaignLeg", 1, status=status.value)
        self._refresh(state.app_id, state.campaign_id)

    def _refresh(self, app_id: str, campaign_id: str) -> None:
        """The campaign is sending while any leg sends, queued while legs wait."""
        legs = self._campaigns.legs(app_id, campaign_id)
        if any(s.status is LegStatus.SENDING for s in legs):
            target = CampaignStatus.SENDING
        elif any(s.status is LegStatus.QUEUED for s in legs):
            target = CampaignStatus.QUEUED
        else:
            return  # finish() decides the end
        c = self._campaigns.get(app_id, campaign_id)
        if c.status in (CampaignStatus.QUEUED, CampaignStatus.SENDING) and c.status is not target:
            self._set_status(c, target)

    def _set_status(self, c: Campaign, status: CampaignStatus, **changes: Any) -> Campaign:
        """Save a status change, re-reading on a concurrent edit (a CLI reschedule, another leg)."""
        for _ in range(10):
            try:
                new = self._campaigns.save(
                    c.model_copy(
                        update={"status": status, "updated_at": int(clock.now_ts()), **changes}
                    )
                )
            except ConflictError:
                c = self._campaigns.get(c.app_id, c.campaign_id)
                if c.status.terminal:
                    return c
                continue
            count("CampaignStatus", 1, status=status.value)
            return new
        raise ConflictError(f"campaign {c.campaign_id}: too many concurrent updates")


def _contents(c: Campaign, leg: str | None) -> list[tuple[str, Content]]:
    out: list[tuple[str, Content]] = []
    for gi, group in enumerate(c.spec.groups):
        if group.content is not None and leg in (None, f"g{gi}"):
            out.append((group.name, group.content))
        for vi, variant in enumerate(group.ab_test.variants if group.ab_test else []):
            if leg in (None, f"g{gi}v{vi}"):
                out.append((f"{group.name}/{variant.name}", variant.content))
    if not out:
        raise CampaignConflictError(f"campaign {c.campaign_id} has no leg {leg!r} with content")
    return out


def _accepted(answer: dict[str, Any], now: int, size: int) -> dict[str, Any]:
    data_id = answer.get("msg_data_id")
    accepted: dict[str, Any] = {
        "status": BatchStatus.SUBMITTED,
        "msg_id": int(answer["msg_id"]) if answer.get("msg_id") else None,
        "msg_data_id": int(data_id) if data_id else None,
        "submitted_at": now,
        "errcode": None,
        "error": "",
    }
    if accepted["msg_id"] is None:
        # 45065 without the job's id: WeChat has the batch, but its result cannot be looked up.
        accepted |= {"result": "submitted (no msg_id)", "sent": size, "estimated": True}
    return accepted


def _pages(fetch: Callable[[str], tuple[list[str], str]]) -> Iterator[str]:
    """Every openid of a paged WeChat listing."""
    next_openid = ""
    while True:
        openids, next_openid = fetch(next_openid)
        yield from openids
        if not next_openid:
            return


def _wait(step: Step, until: int) -> Step:
    return step.model_copy(update={"next": "wait", "wake_at": clock.iso_z(until)})


def _failure(failed: list[BatchState]) -> str:
    first = failed[0]
    return first.error or f"WeChat reported {first.result}"


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["Broadcast", "CampaignConflictError", "ScheduleError", "Step"]
