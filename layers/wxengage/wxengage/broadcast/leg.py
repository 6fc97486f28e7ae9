"""One leg before it sends: wait for its time, stand down on a cancel, or decide an A/B winner."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import Next, Progress, Step
from wxengage.broadcast.reads import leg_reads, next_stats_check
from wxengage.broadcast.reasons import variants_failed
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.spec import CampaignStatus
from wxengage.broadcast.state import LegReason, LegState, LegStatus
from wxengage.broadcast.timing import RESULTS_EVERY, STATS_GIVE_UP, WAKE_EVERY
from wxengage.broadcast.winner import Decision, VariantOutcome, decide
from wxengage.observability import logger
from wxengage.wechat.read_stats import ReadStats, StatsState

_DELIVERED = {LegStatus.SUCCEEDED, LegStatus.PARTIALLY_FAILED}


class LegSteps:
    """The check and decide tasks of one leg."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def check(self, app_id: str, campaign_id: str, key: str) -> Step:
        """Before a leg's send time and at it: re-read the campaign (cancel, reschedule)."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        state = self._progress.leg(app_id, campaign_id, key)
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next=Next.DONE)
        if state.status.done:
            return step
        if state.status is LegStatus.SENDING:
            return step.then(Next.SEND)  # resumed after a retry
        if c.cancel_requested or c.status is CampaignStatus.CANCELLED:
            self._progress.finish_leg(state, LegStatus.CANCELLED, LegReason.CANCELLED)
            return step
        now = int(clock.now_ts())
        leg = c.leg(key)
        if now < leg.send_at:
            return step.wait_until(min(leg.send_at, now + WAKE_EVERY))
        if leg.kind is LegKind.WINNER:
            return step.then(Next.DECIDE)
        self._progress.start_leg(state, now)
        return step.then(Next.SEND)

    def decide(self, app_id: str, campaign_id: str, key: str) -> Step:
        """At the decision time: compare the variants' read rates and pick what the rest gets."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        state = self._progress.leg(app_id, campaign_id, key)
        step = Step(app_id=app_id, campaign_id=campaign_id, leg=key, next=Next.DONE)
        if state.decision is not None or state.status.done:
            return step.then(Next.SEND if state.status is LegStatus.SENDING else Next.DONE)
        now = int(clock.now_ts())
        if c.cancel_requested:
            self._progress.finish_leg(state, LegStatus.CANCELLED, LegReason.CANCELLED)
            return step
        variants = [
            s
            for s in self._ports.campaigns.legs(app_id, campaign_id)
            if s.group == state.group and s.kind is LegKind.VARIANT
        ]
        if any(not v.status.done for v in variants):
            return step.wait_until(now + RESULTS_EVERY)  # a variant is still sending
        failed = [v.variant or v.key for v in variants if v.status is LegStatus.FAILED]
        variants = [v for v in variants if v.status is not LegStatus.FAILED]
        if failed and len(variants) < 2:
            # Our rule: a test needs two variants that went out; the rest waits for a resume.
            delivered = sum(v.status in _DELIVERED for v in variants)
            self._progress.finish_leg(state, LegStatus.FAILED, variants_failed(failed, delivered))
            return step
        group = next(g for g in c.spec.groups if g.name == state.group)
        assert group.ab_test is not None
        outcomes, stats = self._outcomes(self._ports.accounts.get(app_id), variants)
        deadline = c.leg(key).send_at + STATS_GIVE_UP
        if stats is not StatsState.READY and now < deadline:
            # Not ready, empty or a short outage: ask again (sooner after an outage) until the
            # deadline, where the decision policy applies; never a failed campaign.
            self._progress.save(state.checked())
            return step.wait_until(next_stats_check(now, deadline, stats, state.checks))
        for v, outcome in zip(variants, outcomes, strict=True):
            self._progress.save(v.read_by(outcome.readers))
        decision = decide(outcomes, group.ab_test.winner)
        if failed:
            decision = Decision(
                winner=decision.winner,
                send=decision.send,
                p_value=decision.p_value,
                reason=f"{decision.reason} (failed variants left out: {', '.join(failed)})",
                reason_zh=f"{decision.reason_zh}(发送失败、未参与比较的版本: {'、'.join(failed)})",
                outcomes=decision.outcomes,
                lifts=decision.lifts,
                excluded=decision.excluded,
            )
        logger.info(
            "A/B decision",
            extra={
                "campaign_id": campaign_id,
                "group": state.group,
                "decision": decision.model_dump(),
            },
        )
        if decision.send is None:
            self._progress.save(state.decided(decision))
            self._progress.finish_leg(
                self._progress.leg(app_id, campaign_id, key), LegStatus.SKIPPED, decision.reason
            )
            return step
        content = next(v.content for v in group.ab_test.variants if v.name == decision.send)
        state = self._progress.save(state.decided(decision, content))
        self._progress.start_leg(state, now)
        return step.then(Next.SEND)

    def _outcomes(
        self, account: Account, variants: list[LegState]
    ) -> tuple[list[VariantOutcome], StatsState]:
        """Each variant's readers (None until WeChat reports them), and the least ready state."""
        stats = ReadStats(self._ports.wechat(account))
        zone = ZoneInfo(account.settings.timezone)
        reads = [
            leg_reads(
                stats,
                zone,
                v.variant or v.key,
                self._ports.campaigns.batches(v.app_id, v.campaign_id, v.key),
            )
            for v in variants
        ]
        outcomes = [
            VariantOutcome(
                name=r.name,
                sent=r.sent,
                readers=r.readers,
                excluded=r.excluded,
                stats=f"statistics {r.state.value}: {r.detail}" if r.detail else "",
            )
            for r in reads
        ]
        waiting = {r.state for r in reads} - {StatsState.READY}
        if StatsState.UNAVAILABLE in waiting:
            return outcomes, StatsState.UNAVAILABLE  # an outage: ask again soon
        return outcomes, (waiting.pop() if waiting else StatsState.READY)
