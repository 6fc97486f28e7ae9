"""The plan cap as a policy: a plan never allows fewer enabled rules than the account keeps."""

from __future__ import annotations

import pytest

from wxengage.accounts import Plan
from wxengage.recall.rules import PLAN_RULE_CAPS, PlanCapError, check_plan_fits


@pytest.mark.parametrize("plan", list(Plan))
def test_a_plan_fits_up_to_its_cap(plan: Plan) -> None:
    # Given as many enabled rules as the plan allows, or none
    for enabled in ([], [f"r{i}" for i in range(PLAN_RULE_CAPS[plan])]):
        # When the plan is checked / Then it fits
        check_plan_fits(plan, enabled)


def test_a_downgrade_below_the_enabled_rules_is_refused_naming_them() -> None:
    # Given three enabled rules (an enterprise account)
    enabled = ["vip", "48h", "welcome"]
    # When the professional plan (one rule) is checked
    with pytest.raises(PlanCapError) as refused:
        check_plan_fits(Plan.PROFESSIONAL, enabled)
    # Then it is refused, naming every enabled rule (sorted) and how many to disable
    assert str(refused.value) == (
        "the professional plan allows 1 enabled rule; enabled now: 48h, vip, welcome: "
        "disable 2 of them first (wxengage rules disable --name NAME); nothing was changed"
    )


def test_one_rule_too_many_for_enterprise_says_one() -> None:
    # Given four enabled rules / When enterprise (three) is checked / Then one must go
    with pytest.raises(PlanCapError, match=r"allows 3 enabled rules; .* disable 1 of them"):
        check_plan_fits(Plan.ENTERPRISE, ["a", "b", "c", "d"])
