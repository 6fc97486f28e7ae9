"""The holdout's lift: recall rate of sent vs held out, and the 95 % interval of the difference."""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

Z95 = 1.959963984540054
METHOD = "Newcombe hybrid score (Wilson), 95 %"


class Lift(BaseModel):
    """Sent vs held out for one rule over one day or a range; rates and lift are fractions.

    A side with no followers has no rate, and then there is no lift or interval.
    """

    model_config = ConfigDict(frozen=True)

    sent: int
    recalled: int
    held_out: int
    recalled_holdout: int
    rate_sent: float | None
    rate_held_out: float | None
    lift: float | None  # rate_sent - rate_held_out
    low: float | None
    high: float | None
    method: str = METHOD


# The lift's CSV columns: field -> column (every field but the counts the funnel shows already).
LIFT_FIELDS = {
    "held_out": "held_out",
    "recalled_holdout": "recalled_holdout",
    "rate_sent": "rate_sent",
    "rate_held_out": "rate_held_out",
    "lift": "lift",
    "low": "lift_low",
    "high": "lift_high",
}


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes/trials (trials > 0)."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {successes}/{trials}")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, z: float = Z95
) -> tuple[float, float, float]:
    """p1 - p2 and its interval by Newcombe's hybrid score method (Stat Med 1998, method 10).

    Chosen over Wald because it stays inside [-1, 1] and keeps its coverage with the small
    groups and rates near 0 a holdout gives (Wald collapses to a point at 0/n).
    """
    p1, p2 = x1 / n1 if n1 else 0.0, x2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def lift(sent: int, recalled: int, held_out: int, recalled_holdout: int) -> Lift:
    """The lift of sending over holding out.

    A count of answers above its group (a reply to a send whose outcome was unknown, or a
    counter kept longer than its group's) is capped at the group: a rate is never above 1.
    """
    recalled, recalled_holdout = min(recalled, sent), min(recalled_holdout, held_out)
    rate_sent = recalled / sent if sent else None
    rate_held = recalled_holdout / held_out if held_out else None
    d = low = high = None
    if sent and held_out:
        d, low, high = newcombe_difference(recalled, sent, recalled_holdout, held_out)
    return Lift(
        sent=sent,
        recalled=recalled,
        held_out=held_out,
        recalled_holdout=recalled_holdout,
        rate_sent=rate_sent,
        rate_held_out=rate_held,
        lift=d,
        low=low,
        high=high,
    )


def lift_of(counters: Mapping[str, int]) -> Lift:
    """The lift from one day's (or a range's summed) stats counters."""
    return lift(
        counters.get("sent", 0),
        counters.get("recalled", 0),
        counters.get("skipped_holdout", 0),
        counters.get("recalled_holdout", 0),
    )


def percent(value: float | None) -> str:
    """A rate for a person, `12.5%`; `-` when there is none."""
    return "-" if value is None else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    """A difference of rates for a person, in percentage points: `+3.0pp`; `-` when none."""
    return "-" if value is None else f"{value * 100:+.1f}pp"


def describe(found: Lift) -> str:
    """`+3.0pp (95 % CI -1.2pp..+7.4pp)`, or why there is no lift."""
    if found.lift is None:
        missing = "nothing sent" if not found.sent else "nobody held out"
        return f"- ({missing})"
    return f"{points(found.lift)} (95% CI {points(found.low)}..{points(found.high)})"
