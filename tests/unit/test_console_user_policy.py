"""Who may grant what, lockout, and an account edit applied: the console admin's pure policies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wxengage.account_edits import SettingsEdit, apply_edit, plan_changes
from wxengage.accounts import AccountSettings, Plan
from wxengage.console.auth import Caller, ForbiddenError, Role
from wxengage.console.users import (
    NewUser,
    RoleName,
    UserEdit,
    check_grant,
    check_not_locking_out,
    highest_role,
    may_manage,
)

A, B = "wx0123456789abcdef", "wx99999999999999ab"


def _caller(role: Role | None, *accounts: str, name: str = "boss") -> Caller:
    return Caller(username=name, role=role, accounts=frozenset(accounts))


@pytest.mark.parametrize(
    ("caller", "grants", "allowed"),
    [
        (_caller(Role.ADMIN, "*"), ["*"], True),
        (_caller(Role.ADMIN, "*"), [A, B], True),
        (_caller(Role.ADMIN, A), [A], True),
        (_caller(Role.ADMIN, A), ["*"], False),
        (_caller(Role.ADMIN, A), [A, B], False),
        (_caller(Role.ADMIN, A, B), [B], True),
        (_caller(Role.OPERATOR, "*"), [A], False),
        (_caller(None, "*"), [A], False),
    ],
)
def test_an_admin_grants_only_their_own_accounts(
    caller: Caller, grants: list[str], allowed: bool
) -> None:
    # Given a caller and the accounts they would grant; When checked; Then allowed or refused
    assert may_manage(caller, grants) is allowed
    if allowed:
        check_grant(caller, grants)
    else:
        with pytest.raises(ForbiddenError):
            check_grant(caller, grants)


@pytest.mark.parametrize(
    ("edit", "refused"),
    [
        (None, True),
        (UserEdit(enabled=False), True),
        (UserEdit(role=RoleName.VIEWER), True),
        (UserEdit(role=RoleName.ADMIN), False),
        (UserEdit(accounts=[A]), False),
        (UserEdit(enabled=True), False),
    ],
)
def test_nobody_removes_their_own_admin_role(edit: UserEdit | None, refused: bool) -> None:
    # Given an admin acting on themselves
    me = _caller(Role.ADMIN, "*")
    # When the edit (None: delete) is checked; Then lockouts are refused, the rest allowed
    if refused:
        with pytest.raises(ForbiddenError):
            check_not_locking_out(me, "boss", edit)
    else:
        check_not_locking_out(me, "boss", edit)
    # and the same edit on someone else is never a lockout
    check_not_locking_out(me, "li", edit)


def test_the_highest_group_is_the_role() -> None:
    # Given groups as Cognito lists them; When read; Then the highest known role wins
    assert highest_role(["viewer", "admin", "operator"]) is RoleName.ADMIN
    assert highest_role(["marketing"]) is None and highest_role([]) is None


@pytest.mark.parametrize("accounts", [[], ["*", A], ["wx1"], ["WX0123456789abcdef"], [A] * 201])
def test_bad_grants_are_refused(accounts: list[str]) -> None:
    # Given a grant list that is empty, mixed, malformed or too long; When validated; Then refused
    with pytest.raises(ValidationError):
        NewUser(username="zhou", email="z@example.com", role=RoleName.VIEWER, accounts=accounts)


def test_grants_are_sorted_and_distinct() -> None:
    # Given repeated accounts; When validated; Then each once, sorted
    user = NewUser(username="zhou", email="z@example.com", role="viewer", accounts=[B, A, B])  # type: ignore[arg-type]
    assert user.accounts == [A, B]


def test_an_edit_changes_only_what_it_names() -> None:
    # Given settings with quiet hours
    before = AccountSettings.model_validate(
        {"app_id": A, "quiet_hours": {"start": "22:00", "end": "08:00"}}
    )
    # When the mass budget and the cooldown change, then quiet hours are cleared
    after = apply_edit(before, SettingsEdit(mass_calls_per_day=50, cooldown_days=3))
    cleared = apply_edit(after, SettingsEdit.model_validate({"quiet_hours": None}))
    # Then the rest is kept, and null clears
    assert after.mass.calls_per_day == 50 and after.mass.calls_per_minute == 60
    assert after.recall.cooldown_days == 3 and after.quiet_hours == before.quiet_hours
    assert cleared.quiet_hours is None and cleared.mass.calls_per_day == 50


def test_an_edit_that_breaks_a_setting_is_refused_whole() -> None:
    # Given settings; When an edit names an unknown zone or an out-of-range policy
    before = AccountSettings(app_id=A)
    for edit in (SettingsEdit(timezone="Mars/Olympus"), SettingsEdit(recalls_per_window=9)):
        # Then it raises, and nothing of it applies
        with pytest.raises(ValidationError):
            apply_edit(before, edit)


def test_only_an_edit_naming_a_plan_checks_the_cap() -> None:
    # Given edits with and without a plan; When asked; Then only the one naming it checks
    assert plan_changes(SettingsEdit(plan=Plan.ENTERPRISE)) is True
    assert plan_changes(SettingsEdit(timezone="Asia/Tokyo")) is False
