"""Read-rate intervals and the winner's lift: published reference values, and the edges."""

from __future__ import annotations

import pytest

from wxengage.broadcast.significance import difference, lift, relative_lift, wilson


def test_wilson_matches_the_published_values_and_stays_inside_zero_and_one() -> None:
    # Given 0, 5 and 10 readers of 10 (Newcombe 1998, table I: 0/10 -> 0 to 0.2775)
    # When their 95 % intervals are taken
    none, half, every = wilson(0, 10), wilson(5, 10), wilson(10, 10)
    # Then they match the reference values and never leave [0, 1]
    assert none is not None and half is not None and every is not None
    assert (none.low, round(none.high, 4)) == (0.0, 0.2775)
    assert (round(half.low, 4), round(half.high, 4)) == (0.2366, 0.7634)
    assert (round(every.low, 4), round(every.high, 4)) == (0.7225, 1.0)


def test_nothing_sent_has_no_interval() -> None:
    assert wilson(0, 0) is None
    assert lift("b", 1, 0, 1, 10) is None


def test_the_difference_uses_newcombes_hybrid_score_interval() -> None:
    # Given Newcombe's worked example: 56/70 against 48/80
    d = difference(56, 70, 48, 80)
    # Then the difference 0.2 has the published interval 0.0524 to 0.3339
    assert d is not None
    assert (round(d.value, 4), round(d.low, 4), round(d.high, 4)) == (0.2, 0.0524, 0.3339)


def test_relative_lift_uses_the_katz_log_interval() -> None:
    # Given 20/100 against 10/100: twice the rate
    r = relative_lift(20, 100, 10, 100)
    # Then the lift is +100 % and its interval (exp(+-1.96 * sqrt(0.13)) x 2, less 1) spans 0
    assert r is not None
    assert r.value == pytest.approx(1.0)
    assert (round(r.low, 4), round(r.high, 4)) == (-0.0134, 3.0545)


def test_a_variant_nobody_read_has_a_difference_but_no_relative_lift() -> None:
    found = lift("b", 10, 100, 0, 100)
    assert found is not None
    assert found.relative is None
    assert found.difference.value == pytest.approx(0.1)
    assert found.difference.low > 0
