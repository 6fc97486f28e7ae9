"""What became of a queued recall, and the daily counters (stats keys) each outcome moves."""

from __future__ import annotations

from enum import StrEnum

from wxengage.recall.planning import SkipReason


class Delivery(StrEnum):
    """What one delivery attempt came to (the sender's answer to the queue)."""

    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # another sender claimed it first: nothing done here
    DROPPED = "dropped"  # nothing left to record it against
    REPLANNED = "replanned"  # its rule now wants it later: pending again until then


class FailureReason(StrEnum):
    """Why a recall was dropped or failed, besides WeChat's own refusal (`refusal`)."""

    ACCOUNT_REMOVED = "account removed"
    # The send may have reached WeChat: recorded as failed and never resent.
    UNKNOWN_OUTCOME = "unknown_outcome"
    # Queued, never claimed by a sender, and its window closed: the queue lost its message
    # (dead-letter queue). Nothing reached WeChat.
    NOT_DELIVERED = "not_delivered"


def refusal(errcode: int) -> str:
    """The recorded reason for a send WeChat refused for good."""
    return f"errcode {errcode}"


class StatKey(StrEnum):
    """The per-rule, per-day recall counters (store/stats.py adds to them atomically)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    RECALLED = "recalled"
    # Held-out followers who wrote back within their window anyway (the lift's control).
    RECALLED_HOLDOUT = "recalled_holdout"
    # Of the failed: claims no sender finished (it was stopped), settled by the sweep.
    STRANDED = "stranded"
    # Of the failed: the send may have reached WeChat (timeout after sending, stranded claim).
    FAILED_UNKNOWN_OUTCOME = "failed_unknown_outcome"
    SKIPPED_LEFT = "skipped_left"
    SKIPPED_WINDOW_CLOSED = "skipped_window_closed"
    SKIPPED_QUOTA = "skipped_quota"
    SKIPPED_TAG = "skipped_tag"
    SKIPPED_ALREADY_RECALLED = "skipped_already_recalled"
    SKIPPED_COOLDOWN = "skipped_cooldown"
    SKIPPED_HOLDOUT = "skipped_holdout"
    SKIPPED_QUIET_HOURS = "skipped_quiet_hours"
    SKIPPED_RULE_DISABLED = "skipped_rule_disabled"
    SKIPPED_RULE_DELETED = "skipped_rule_deleted"

    @classmethod
    def skipped(cls, reason: SkipReason) -> StatKey:
        """The counter of recalls skipped for `reason`."""
        return cls(f"skipped_{reason.value}")
