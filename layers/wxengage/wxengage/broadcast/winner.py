"""Choosing an A/B winner: read rates, a two-proportion test, and the no-winner policy."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, computed_field

from wxengage.broadcast.spec import NoWinner, Winner


class VariantOutcome(BaseModel):
    """What one variant achieved: readers among the followers WeChat actually sent it to."""

    model_config = ConfigDict(frozen=True)

    name: str
    sent: int
    readers: int | None  # None: WeChat has not reported reads

    @computed_field  # type: ignore[prop-decorator]
    @property
    def read_rate(self) -> float | None:
        if self.readers is None or self.sent <= 0:
            return None
        return self.readers / self.sent


class Decision(BaseModel):
    """The decision and its reasons, as `campaign status` shows them."""

    model_config = ConfigDict(frozen=True)

    winner: str | None  # the significantly better variant, if there is one
    send: str | None  # the variant the rest of the group gets (None: nothing is sent)
    p_value: float | None
    reason: str
    outcomes: list[VariantOutcome]


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
    """The best variant wins only if it beats every other one at the campaign's level."""
    missing = [o.name for o in outcomes if o.read_rate is None]
    small = [o for o in outcomes if o.sent < rules.min_sent]
    ranked = sorted(outcomes, key=lambda o: o.read_rate or 0.0, reverse=True)
    best = ranked[0]
    p_value: float | None = None
    if missing:
        why = f"no read statistics for {', '.join(missing)}"
    elif small:
        why = ", ".join(
            f"{o.name} was sent to {o.sent} followers, fewer than the minimum {rules.min_sent}"
            for o in small
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
                    f"(p={p_value:.4f} < {rules.significance})"
                ),
                outcomes=outcomes,
            )
        why = (
            f"read rates are tied at {_pct(best)}"
            if tied
            else f"{best.name} leads at {_pct(best)} but p={p_value:.4f} is not below "
            f"{rules.significance}"
        )
    return _no_winner(outcomes, ranked, rules, p_value, f"no clear winner: {why}")


def _no_winner(
    outcomes: list[VariantOutcome],
    ranked: list[VariantOutcome],
    rules: Winner,
    p_value: float | None,
    why: str,
) -> Decision:
    if rules.no_winner is NoWinner.STOP:
        send, policy = None, "policy stop: the rest of the group gets nothing"
    elif rules.no_winner is NoWinner.VARIANT:
        send, policy = rules.default_variant, f"policy variant: sending {rules.default_variant}"
    else:
        # Without reads there is no best: fall back to the first variant as written.
        best = ranked[0] if ranked[0].read_rate is not None else outcomes[0]
        send, policy = best.name, f"policy best: sending {best.name}"
    return Decision(
        winner=None, send=send, p_value=p_value, reason=f"{why}; {policy}", outcomes=outcomes
    )


def _pct(outcome: VariantOutcome) -> str:
    return f"{(outcome.read_rate or 0.0) * 100:.2f}%"
