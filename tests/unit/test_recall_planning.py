"""Planning recalls on its own: due times, quiet hours, which rules count."""

from __future__ import annotations

from wxengage.accounts import AccountSettings, QuietHours
from wxengage.recall.planning import plan_recalls
from wxengage.recall.quiet_hours import local_day, pull_out_of_quiet_hours
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction

SH = "Asia/Shanghai"
# 2026-11-22 00:00 in Shanghai is 2026-11-21T16:00:00Z.
MIDNIGHT_SH = 1_795_276_800
H = 3600


def rule(
    name: str = "r", lead: int = 30, created_at: int = 0, enabled: bool = True, **extra: object
) -> StoredRule:
    data = {
        "name": name,
        "lead_minutes": lead,
        "enabled": enabled,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "x"}]},
    } | extra
    return StoredRule(
        rule=RecallRule.model_validate(data), created_at=created_at, updated_at=created_at
    )


def after_message(at: int) -> FollowerState:
    return apply_interaction(
        FollowerState(app_id="wx0123456789abcdef", openid="o"),
        Interaction(kind=InteractionKind.MESSAGE, at=at),
    )


def test_due_is_lead_minutes_before_the_window_closes() -> None:
    state = after_message(MIDNIGHT_SH + 10 * H)
    [recall] = plan_recalls(AccountSettings(app_id="wx0123456789abcdef"), [rule(lead=45)], state)
    assert recall.due_at == MIDNIGHT_SH + 10 * H + 48 * H - 45 * 60
    assert recall.window_closes_at == MIDNIGHT_SH + 58 * H


def test_quiet_hours_wrapping_midnight_pull_the_due_time_to_just_before_they_start() -> None:
    quiet = QuietHours(start="22:00", end="08:00")
    # 02:00 in Shanghai falls in 22:00-08:00 -> 21:59 the evening before
    assert pull_out_of_quiet_hours(MIDNIGHT_SH + 2 * H, quiet, SH) == MIDNIGHT_SH - 2 * H - 60
    # 23:30 -> 21:59 the same evening
    assert (
        pull_out_of_quiet_hours(MIDNIGHT_SH + 23 * H + 1800, quiet, SH) == MIDNIGHT_SH + 22 * H - 60
    )
    # 12:00 is outside: unchanged
    assert pull_out_of_quiet_hours(MIDNIGHT_SH + 12 * H, quiet, SH) == MIDNIGHT_SH + 12 * H


def test_the_rules_quiet_hours_override_the_accounts() -> None:
    account = AccountSettings(
        app_id="wx0123456789abcdef", quiet_hours=QuietHours(start="22:00", end="08:00")
    )
    own = rule(quiet_hours={"start": "13:00", "end": "14:00"})
    # closes at 14:30 Shanghai two days later, lead 60 -> natural due 13:30: inside the rule's hours
    state = after_message(MIDNIGHT_SH + 14 * H + 1800)
    [recall] = plan_recalls(
        account,
        [own.model_copy(update={"rule": own.rule.model_copy(update={"lead_minutes": 60})})],
        state,
    )
    assert recall.due_at == MIDNIGHT_SH + 48 * H + 13 * H - 60


def test_only_enabled_rules_that_existed_when_the_window_opened_count() -> None:
    at = MIDNIGHT_SH + 10 * H
    rules = [
        rule("old", created_at=at - 1),
        rule("new", created_at=at + 1),
        rule("off", enabled=False),
    ]
    names = [
        r.rule
        for r in plan_recalls(
            AccountSettings(app_id="wx0123456789abcdef"), rules, after_message(at)
        )
    ]
    assert names == ["old"]


def test_no_polite_time_inside_the_window_is_flagged_quiet() -> None:
    # A 2880-minute lead lands at the window's opening; quiet hours would pull it before that.
    account = AccountSettings(
        app_id="wx0123456789abcdef", quiet_hours=QuietHours(start="00:00", end="23:59")
    )
    [recall] = plan_recalls(account, [rule(lead=2880)], after_message(MIDNIGHT_SH + 10 * H))
    assert recall.in_quiet_hours


def test_windows_opened_by_events_plan_nothing() -> None:
    state = apply_interaction(
        FollowerState(app_id="wx0123456789abcdef", openid="o"),
        Interaction(kind=InteractionKind.SUBSCRIBE, at=MIDNIGHT_SH),
    )
    assert plan_recalls(AccountSettings(app_id="wx0123456789abcdef"), [rule()], state) == []


def test_local_day_uses_the_account_time_zone() -> None:
    assert (
        local_day(MIDNIGHT_SH - 1, SH) == "2026-11-21"
        and local_day(MIDNIGHT_SH, SH) == "2026-11-22"
    )


def test_the_longest_lead_without_quiet_hours_is_due_when_the_window_opens() -> None:
    [recall] = plan_recalls(
        AccountSettings(app_id="wx0123456789abcdef"), [rule(lead=2880)], after_message(MIDNIGHT_SH)
    )
    assert (recall.due_at, recall.in_quiet_hours) == (MIDNIGHT_SH, False)
