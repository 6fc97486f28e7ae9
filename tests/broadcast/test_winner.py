"""The winner: read rate = readers / sent, a two-proportion test, and the no-winner policies."""
# ruff: noqa: RUF001  -- the zh-CN reasons use Chinese punctuation on purpose

from __future__ import annotations

import pytest

from wxengage.broadcast.spec import NoWinner, Winner
from wxengage.broadcast.winner import VariantOutcome, decide, two_proportion_p


def test_the_p_value_matches_a_hand_computed_z_test() -> None:
    # Given 60/500 against 30/500: pooled 0.09, se = sqrt(.09 * .91 * 2/500) = 0.018100, z = 3.3149
    # When tested / Then the two-sided p-value is 2 * (1 - Phi(3.3149)) = 0.000917
    assert two_proportion_p(60, 500, 30, 500) == pytest.approx(0.000917, abs=2e-6)
    # And equal rates, or nothing sent, give 1.0
    assert two_proportion_p(10, 100, 10, 100) == 1.0
    assert two_proportion_p(0, 0, 5, 100) == 1.0


def test_a_clear_winner_is_named_with_its_p_value() -> None:
    # Given B read by 12% and A by 6% of 500 each
    outcomes = [
        VariantOutcome(name="A", sent=500, readers=30),
        VariantOutcome(name="B", sent=500, readers=60),
    ]
    # When decided at the default level
    decision = decide(outcomes, Winner())
    # Then B wins and goes to the rest
    assert (decision.winner, decision.send) == ("B", "B")
    assert decision.p_value == pytest.approx(0.000917, abs=2e-6)
    assert "B read rate 12.00% beats every other variant (p=0.0009 < 0.05)" in decision.reason
    # And the console's Chinese says the same
    assert decision.reason_zh == "B 的阅读率 12.00% 显著高于其他所有版本（p=0.0009 < 0.05）"


@pytest.mark.parametrize(
    ("rules", "send", "policy", "policy_zh"),
    [
        (Winner(no_winner=NoWinner.STOP), None, "policy stop", "按规则停止"),
        (Winner(no_winner=NoWinner.BEST), "B", "policy best: sending B", "发送领先版本 B"),
        (
            Winner(no_winner=NoWinner.VARIANT, default_variant="A"),
            "A",
            "policy variant: sending A",
            "发送默认版本 A",
        ),
    ],
)
def test_without_significance_the_policy_decides(
    rules: Winner, send: str | None, policy: str, policy_zh: str
) -> None:
    # Given B ahead by a hair: 11% against 10% of 300 each (p ~ 0.69)
    outcomes = [
        VariantOutcome(name="A", sent=300, readers=30),
        VariantOutcome(name="B", sent=300, readers=33),
    ]
    # When decided
    decision = decide(outcomes, rules)
    # Then there is no winner, the policy says what the rest gets, and the reason says why
    assert decision.winner is None
    assert decision.send == send
    assert "no clear winner: B leads at 11.00% but p=0.6" in decision.reason
    assert policy in decision.reason
    assert decision.reason_zh.startswith("没有明显胜出的版本：B 以 11.00% 领先，但 p=0.6")
    assert policy_zh in decision.reason_zh


def test_too_few_sent_means_no_winner_however_large_the_gap() -> None:
    # Given 50 and 40 sent, below the minimum of 100
    outcomes = [
        VariantOutcome(name="A", sent=50, readers=1),
        VariantOutcome(name="B", sent=40, readers=30),
    ]
    # When decided / Then no winner, naming both variants
    decision = decide(outcomes, Winner(no_winner=NoWinner.BEST))
    assert decision.winner is None and decision.send == "B"
    assert "A was sent to 50 followers, fewer than the minimum 100" in decision.reason
    assert "B was sent to 40 followers" in decision.reason
    assert "A 只发送给 50 位粉丝，少于最少 100 位" in decision.reason_zh


def test_three_variants_need_the_best_to_beat_each_other() -> None:
    # Given C far ahead of A but close to B
    outcomes = [
        VariantOutcome(name="A", sent=1000, readers=50),
        VariantOutcome(name="B", sent=1000, readers=95),
        VariantOutcome(name="C", sent=1000, readers=100),
    ]
    # When decided / Then C does not win: against B p is large
    decision = decide(outcomes, Winner())
    assert decision.winner is None
    assert decision.p_value is not None and decision.p_value > 0.5
