"""How sure a read rate is: Wilson intervals for a variant's rate, and the winner's lift over another."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

Z95 = 1.959963984540054  # two-sided 95 %


class Interval(BaseModel):
    """A point estimate and its 95 % interval (fractions, not percentages)."""

    model_config = ConfigDict(frozen=True)

    value: float
    low: float
    high: float


class Lift(BaseModel):
    """How much better one variant read than another: relative lift and absolute difference.

    `relative` is rate_a / rate_b - 1 (None when b has no reader: any lift is unbounded);
    `difference` is rate_a - rate_b in rate points."""

    model_config = ConfigDict(frozen=True)

    over: str
    relative: Interval | None
    difference: Interval


def wilson(readers: int, sent: int, z: float = Z95) -> Interval | None:
    """Wilson score interval of readers/sent (None when nothing was sent); stays inside [0, 1]
    and behaves at 0 and at sent readers, where the normal approximation does not."""
    if sent <= 0 or readers < 0:
        return None
    readers = min(readers, sent)  # WeChat counts a reader once; never more than it reached
    p = readers / sent
    z2 = z * z
    centre = (p + z2 / (2 * sent)) / (1 + z2 / sent)
    half = z * math.sqrt(p * (1 - p) / sent + z2 / (4 * sent * sent)) / (1 + z2 / sent)
    return Interval(value=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def difference(
    readers_a: int, sent_a: int, readers_b: int, sent_b: int, z: float = Z95
) -> Interval | None:
    """rate_a - rate_b with Newcombe's hybrid score interval (method 10), built from the two
    Wilson intervals, so it is sound for small counts and rates near 0 or 1."""
    a, b = wilson(readers_a, sent_a, z), wilson(readers_b, sent_b, z)
    if a is None or b is None:
        return None
    d = a.value - b.value
    low = d - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = d + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Interval(value=d, low=max(-1.0, low), high=min(1.0, high))


def relative_lift(
    readers_a: int, sent_a: int, readers_b: int, sent_b: int, z: float = Z95
) -> Interval | None:
    """rate_a / rate_b - 1 with the Katz log interval of the risk ratio; None when either has no
    reader (the ratio is 0 or unbounded and its log interval undefined)."""
    if sent_a <= 0 or sent_b <= 0 or readers_a <= 0 or readers_b <= 0:
        return None
    readers_a, readers_b = min(readers_a, sent_a), min(readers_b, sent_b)
    ratio = (readers_a / sent_a) / (readers_b / sent_b)
    se = math.sqrt(1 / readers_a - 1 / sent_a + 1 / readers_b - 1 / sent_b)
    return Interval(
        value=ratio - 1,
        low=ratio * math.exp(-z * se) - 1,
        high=ratio * math.exp(z * se) - 1,
    )


def lift(name_b: str, readers_a: int, sent_a: int, readers_b: int, sent_b: int) -> Lift | None:
    """Variant a's lift over variant b (None when either reached nobody)."""
    diff = difference(readers_a, sent_a, readers_b, sent_b)
    if diff is None:
        return None
    return Lift(
        over=name_b,
        relative=relative_lift(readers_a, sent_a, readers_b, sent_b),
        difference=diff,
    )
