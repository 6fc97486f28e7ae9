"""An edit of an account's settings, as `wxengage accounts set` and the console's accounts page send it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wxengage.accounts import AccountSettings, AccountType, MessageMode, Plan, QuietHours


class SettingsEdit(BaseModel):
    """The fields to change; a field left out keeps its value. `quiet_hours: null` clears them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: MessageMode | None = None
    type: AccountType | None = None
    plan: Plan | None = None
    timezone: str | None = Field(default=None, max_length=64)
    freshness_seconds: int | None = None
    quiet_hours: QuietHours | None = None
    safety_margin_minutes: int | None = None
    reserve_messages: int | None = None
    recalls_per_window: int | None = None
    cooldown_days: float | None = None
    mass_calls_per_day: int | None = None
    mass_calls_per_minute: int | None = None


_TOP = ("mode", "type", "plan", "timezone", "freshness_seconds")
_RECALL = ("safety_margin_minutes", "reserve_messages", "recalls_per_window", "cooldown_days")
_MASS = {"mass_calls_per_day": "calls_per_day", "mass_calls_per_minute": "calls_per_minute"}


def apply_edit(before: AccountSettings, edit: SettingsEdit) -> AccountSettings:
    """The settings after `edit`, validated as a whole (pydantic ValidationError when not)."""
    given = {k: getattr(edit, k) for k in edit.model_fields_set}
    current: dict[str, Any] = before.model_dump()
    current |= {k: v for k, v in given.items() if k in _TOP and v is not None}
    if "quiet_hours" in given:  # given as null: no quiet hours any more
        qh = given["quiet_hours"]
        current["quiet_hours"] = qh.model_dump() if qh is not None else None
    current["recall"] |= {k: v for k, v in given.items() if k in _RECALL and v is not None}
    current["mass"] |= {_MASS[k]: v for k, v in given.items() if k in _MASS and v is not None}
    return AccountSettings.model_validate(current)


def plan_changes(edit: SettingsEdit) -> bool:
    """True when the edit names a plan: the plan's rule cap must then fit the enabled rules."""
    return "plan" in edit.model_fields_set and edit.plan is not None
