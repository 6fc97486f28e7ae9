"""The holdout's lift as a pure function: Newcombe's hybrid score interval of a difference of rates."""

from __future__ import annotations

import pytest

from wxengage.recall.lift import describe, lift, lift_of, newcombe_difference, wilson_interval


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe, Statistics in Medicine 17 (1998) 873-890, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_the_interval_matches_newcombes_published_table(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    # When the difference of x1/n1 and x2/n2 is estimated
    d, lo, hi = newcombe_difference(x1, n1, x2, n2)
    # Then it is the difference of the rates, with the published interval to 4 places
    assert d == pytest.approx(x1 / n1 - x2 / n2)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_the_wilson_interval_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="trials > 0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(3, 2)


def test_lift_compares_sent_with_held_out() -> None:
    # Given 40 of 100 sent recalled and 5 of 20 held out who wrote back anyway
    found = lift(sent=100, recalled=40, held_out=20, recalled_holdout=5)
    # Then the rates, their difference and an interval around it
    assert (found.rate_sent, found.rate_held_out) == (0.4, 0.25)
    assert found.lift == pytest.approx(0.15)
    assert found.low is not None and found.high is not None
    assert found.low < 0.15 < found.high
    assert describe(found).startswith("+15.0pp (95% CI ")
    assert "Newcombe" in found.method


def test_no_lift_without_both_groups() -> None:
    # Given nobody held out, then nothing sent
    no_holdout, no_sends = lift(10, 3, 0, 0), lift(0, 0, 4, 1)
    # Then the rate that exists is shown, and no lift is made up
    assert (no_holdout.rate_sent, no_holdout.rate_held_out, no_holdout.lift) == (0.3, None, None)
    assert (no_sends.rate_sent, no_sends.rate_held_out, no_sends.low) == (None, 0.25, None)
    assert (
        describe(no_holdout) == "- (nobody held out)" and describe(no_sends) == "- (nothing sent)"
    )


def test_answers_above_their_group_are_capped_at_it() -> None:
    # Given a reply counted for a send whose outcome was unknown (counted failed, not sent)
    found = lift_of({"sent": 2, "recalled": 3, "skipped_holdout": 1, "recalled_holdout": 0})
    # Then the rate never exceeds 1
    assert (found.recalled, found.rate_sent) == (2, 1.0)
