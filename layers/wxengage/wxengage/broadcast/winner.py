"""Choosing an A/B winner: read rates, a two-proportion test, and the no-winner policy."""
# ruff: noqa: RUF001  -- the zh-CN reasons use Chinese punctuation on purpose

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, computed_field

from wxengage.broadcast.significance import Interval, Lift, lift, wilson
from wxengage.broadcast.spec import NoWinner, Winner


class VariantOutcome(BaseModel):
    """What one variant achieved: readers among the followers WeChat actually sent it to."""

    model_config = ConfigDict(frozen=True)

    name: str
    sent: int  # recipients of the batches whose readers can be attributed
    readers: int | None  # None: WeChat has not reported reads
    # Delivered batches left out of the rate: their readers cannot be tied to this variant.
    excluded: list[str] = Field(default_factory=list)
    # While readers is None: what the statistics endpoints said (not ready, empty, gone...).
    stats: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def read_rate(self) -> float | None:
        if self.readers is None or self.sent <= 0:
            return None
        return self.readers / self.sent

    @computed_field  # type: ignore[prop-decorator]
    @property
    def interval(self) -> Interval | None:
        """The read rate's 95 % Wilson interval."""
        return None if self.readers is None else wilson(self.readers, self.sent)

    @property
    def unmeasurable(self) -> bool:
        """Delivered, but no batch of it can be attributed: no rate can ever be had."""
        return self.readers is None and self.sent <= 0 and bool(self.excluded)


class Decision(BaseModel):
    """The decision and its reasons, as `campaign status` shows them."""

    model_config = ConfigDict(frozen=True)

    winner: str | None  # the significantly better variant, if there is one
    send: str | None  # the variant the rest of the group gets (None: nothing is sent)
    p_value: float | None
    reason: str
    # The same in Chinese, for the console's page ("" in decisions stored before it existed).
    reason_zh: str = ""
    outcomes: list[VariantOutcome]
    # The leader's (winner's) lift over each other measured variant, with 95 % intervals.
    lifts: list[Lift] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)  # "A batch 2 (...): why", per batch


def two_proportion_p(readers_a: int, sent_a: int, readers_b: int, sent_b: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when it cannot tell)."""
    if sent_a <= 0 or sent_b <= 0:
        return 1.0
    pooled = (readers_a + readers_b) / (sent_a + sent_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / sent_a + 1 / sent_b))
    if se == 0:
        return 1.0
    z = (readers_a / sent_a - readers_b / sent_b) / se
    return math.erfc(abs(z) / math.sqrt(2))


def decide(outcomes: list[VariantOutcome], rules: Winner) -> Decision:
    """The best variant wins only if it beats every other one at the campaign's level.

    A variant none of whose batches can be attributed (every answer lost its msg_data_id) is
    left out of the comparison when two or more measured variants remain, and the decision
    names the batches left out; otherwise nothing can be compared and the policy applies."""
    excluded = [f"{o.name} {why}" for o in outcomes for why in o.excluded]
    gone = [o.name for o in outcomes if o.unmeasurable]
    compared = [o for o in outcomes if not o.unmeasurable]
    if len(compared) < 2:
        compared = outcomes
    missing = [o.name for o in compared if o.read_rate is None]
    small = [o for o in compared if o.sent < rules.min_sent]
    ranked = sorted(compared, key=lambda o: o.read_rate or 0.0, reverse=True)
    best = ranked[0]
    lifts = _lifts(best, ranked[1:])
    left_out, left_out_zh = (
        (
            f"; left out: {', '.join(gone)} (no batch attributable)",
            f"；未参与比较：{'、'.join(gone)}（没有可归属的批次）",
        )
        if compared != outcomes
        else ("", "")
    )
    p_value: float | None = None
    if missing:
        said = next((o.stats for o in compared if o.read_rate is None and o.stats), "")
        why = f"no read statistics for {', '.join(missing)}" + (f" ({said})" if said else "")
        why_zh = f"{'、'.join(missing)} 还没有阅读数据" + (f"（{said}）" if said else "")
    elif small:
        why = ", ".join(
            f"{o.name} was sent to {o.sent} followers, fewer than the minimum {rules.min_sent}"
            for o in small
        )
        why_zh = "；".join(
            f"{o.name} 只发送给 {o.sent} 位粉丝，少于最少 {rules.min_sent} 位" for o in small
        )
    else:
        p_value = max(
            two_proportion_p(best.readers or 0, best.sent, o.readers or 0, o.sent)
            for o in ranked[1:]
        )
        tied = (best.read_rate or 0.0) <= (ranked[1].read_rate or 0.0)
        if not tied and p_value < rules.significance:
            return Decision(
                winner=best.name,
                send=best.name,
                p_value=p_value,
                reason=(
                    f"{best.name} read rate {_pct(best)} beats every other variant "
                    f"(p={p_value:.4f} < {rules.significance}){left_out}"
                ),
                reason_zh=(
                    f"{best.name} 的阅读率 {_pct(best)} 显著高于其他所有版本"
                    f"（p={p_value:.4f} < {rules.significance}）{left_out_zh}"
                ),
                outcomes=outcomes,
                lifts=lifts,
                excluded=excluded,
            )
        why = (
            f"read rates are tied at {_pct(best)}"
            if tied
            else f"{best.name} leads at {_pct(best)} but p={p_value:.4f} is not below "
            f"{rules.significance}"
        )
        why_zh = (
            f"各版本阅读率持平（{_pct(best)}）"
            if tied
            else f"{best.name} 以 {_pct(best)} 领先，但 p={p_value:.4f} 不低于 {rules.significance}"
        )
    decision = _no_winner(
        compared,
        ranked,
        rules,
        p_value,
        (f"no clear winner: {why}{left_out}", f"没有明显胜出的版本：{why_zh}{left_out_zh}"),
    )
    return Decision(
        winner=None,
        send=decision.send,
        p_value=p_value,
        reason=decision.reason,
        reason_zh=decision.reason_zh,
        outcomes=outcomes,
        lifts=lifts if not missing else [],
        excluded=excluded,
    )


def _lifts(best: VariantOutcome, others: list[VariantOutcome]) -> list[Lift]:
    out: list[Lift] = []
    for o in others:
        if best.readers is None or o.readers is None:
            continue
        found = lift(o.name, best.readers, best.sent, o.readers, o.sent)
        if found is not None:
            out.append(found)
    return out


def _no_winner(
    outcomes: list[VariantOutcome],
    ranked: list[VariantOutcome],
    rules: Winner,
    p_value: float | None,
    why: tuple[str, str],
) -> Decision:
    if rules.no_winner is NoWinner.STOP:
        send, policy = (
            None,
            ("policy stop: the rest of the group gets nothing", "按规则停止：其余粉丝不再发送"),
        )
    elif rules.no_winner is NoWinner.VARIANT:
        send = rules.default_variant
        policy = (f"policy variant: sending {send}", f"按规则发送默认版本 {send}")
    else:
        # Without reads there is no best: fall back to the first variant as written.
        best = ranked[0] if ranked[0].read_rate is not None else outcomes[0]
        send, policy = (
            best.name,
            (f"policy best: sending {best.name}", f"按规则发送领先版本 {best.name}"),
        )
    return Decision(
        winner=None,
        send=send,
        p_value=p_value,
        reason=f"{why[0]}; {policy[0]}",
        reason_zh=f"{why[1]}；{policy[1]}",
        outcomes=outcomes,
    )


def _pct(outcome: VariantOutcome) -> str:
    return f"{(outcome.read_rate or 0.0) * 100:.2f}%"
