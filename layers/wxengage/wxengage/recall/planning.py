"""Pending recalls: what the webhook plans when a follower's message opens a 48-hour window."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from wxengage.accounts import AccountSettings
from wxengage.recall.quiet_hours import pull_out_of_quiet_hours
from wxengage.recall.rule_ids import legacy_rule_id, rule_key
from wxengage.recall.rules import StoredRule
from wxengage.windows import FollowerState, Opener


class RecallStatus(StrEnum):
    """Where a pending recall is in its life."""

    PENDING = "pending"  # waiting for its due time, visible to the sweep
    QUEUED = "queued"  # handed to the recall queue
    CLAIMED = "claimed"  # a sender owns it; WeChat may be being called
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class SkipReason(StrEnum):
    """Why a recall was not sent (DESIGN.md's reasons, plus the rule's own state)."""

    LEFT = "left"
    WINDOW_CLOSED = "window_closed"
    QUOTA = "quota"
    TAG = "tag"
    ALREADY_RECALLED = "already_recalled"
    COOLDOWN = "cooldown"
    HOLDOUT = "holdout"
    QUIET_HOURS = "quiet_hours"
    RULE_DISABLED = "rule_disabled"
    RULE_DELETED = "rule_deleted"


class PendingRecall(BaseModel):
    """One follower, one rule, one window."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    openid: str
    rule: str  # the rule's name when planned, for people; the rule is `rule_id`
    rule_id: str
    window_opened_at: int
    window_closes_at: int
    due_at: int
    # Quiet hours left no earlier slot inside the window: the sender records it as skipped.
    in_quiet_hours: bool = False
    status: RecallStatus = RecallStatus.PENDING

    @model_validator(mode="before")
    @classmethod
    def _legacy_rule(cls, data: Any) -> Any:
        # Planned before rules had ids (an item or a queue message): it belongs to the rule that
        # had this name then, which a legacy rule's derived id names (recall/rule_ids.py).
        if isinstance(data, dict) and "rule_id" not in data and isinstance(data.get("rule"), str):
            return data | {"rule_id": legacy_rule_id(data["rule"])}
        return data

    @property
    def recall_id(self) -> str:
        return f"{self.openid}#{self.stats_key}"

    @property
    def stats_key(self) -> str:
        """The key the rule's stats are counted under (recall/rule_ids.py: rule_key)."""
        return rule_key(self.rule_id)


def due_time(
    stored: StoredRule, account: AccountSettings, opened: int, closes: int
) -> tuple[int, bool]:
    """(due time, in quiet hours) for a window: closing time minus the lead, pulled earlier out
    of quiet hours (the rule's, else the account's); `in quiet hours` when that leaves no slot."""
    rule = stored.rule
    natural = closes - rule.lead_minutes * 60
    due = pull_out_of_quiet_hours(
        natural, rule.quiet_hours or account.quiet_hours, account.timezone
    )
    # Pulled back to before the window even opened: there is no polite time to send.
    quiet = due != natural and due < opened + 60
    return (natural if quiet else due), quiet


def replanned(recall: PendingRecall, stored: StoredRule, account: AccountSettings) -> PendingRecall:
    """The same recall planned under the rule as it is now (an edited lead or quiet hours).

    The due time may move earlier, even into the past: the next sweep then hands it out, and
    the sender still refuses it once the window closes within the safety margin.
    """
    due, quiet = due_time(stored, account, recall.window_opened_at, recall.window_closes_at)
    return PendingRecall.model_validate(
        recall.model_dump() | {"due_at": due, "in_quiet_hours": quiet}
    )


def plan_recalls(
    account: AccountSettings, rules: list[StoredRule], state: FollowerState
) -> list[PendingRecall]:
    """Pending recalls for a window a follower's message just opened.

    Only enabled rules that existed when the window opened count; quiet hours (the rule's,
    else the account's) pull the due time earlier, never later.
    """
    if state.window_opened_by is not Opener.MESSAGE or state.window_opened_at is None:
        return []
    opened, closes = state.window_opened_at, state.window_closes_at or 0
    out = []
    for stored in rules:
        rule = stored.rule
        if not rule.enabled or stored.created_at > opened or stored.deleted_at is not None:
            continue
        due, quiet = due_time(stored, account, opened, closes)
        out.append(
            PendingRecall(
                app_id=state.app_id,
                openid=state.openid,
                rule=rule.name,
                rule_id=stored.rule_id,
                window_opened_at=opened,
                window_closes_at=closes,
                due_at=due,
                in_quiet_hours=quiet,
            )
        )
    return out
