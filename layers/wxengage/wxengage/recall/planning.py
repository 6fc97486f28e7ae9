"""Pending recalls: what the webhook plans when a follower's message opens a 48-hour window."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from wxengage.accounts import AccountSettings
from wxengage.recall.quiet_hours import pull_out_of_quiet_hours
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
    rule: str
    window_opened_at: int
    window_closes_at: int
    due_at: int
    # Quiet hours left no earlier slot inside the window: the sender records it as skipped.
    in_quiet_hours: bool = False
    status: RecallStatus = RecallStatus.PENDING

    @property
    def recall_id(self) -> str:
        return f"{self.openid}#{self.rule}"


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
        if not rule.enabled or stored.created_at > opened:
            continue
        natural = closes - rule.lead_minutes * 60
        due = pull_out_of_quiet_hours(
            natural, rule.quiet_hours or account.quiet_hours, account.timezone
        )
        # Pulled back to before the window even opened: there is no polite time to send.
        quiet = due != natural and due < opened + 60
        out.append(
            PendingRecall(
                app_id=state.app_id,
                openid=state.openid,
                rule=rule.name,
                window_opened_at=opened,
                window_closes_at=closes,
                due_at=natural if quiet else due,
                in_quiet_hours=quiet,
            )
        )
    return out
