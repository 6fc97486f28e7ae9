"""What the recall feature needs from the outside world; wiring/recall.py passes the real stores."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from wxengage.accounts import Account
from wxengage.recall.holds import RecallHold
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.recall.rules import StoredRule
from wxengage.windows import FollowerState


class Accounts(Protocol):
    """Registered accounts."""

    def get(self, app_id: str) -> Account:
        """The account with its secrets; raises AccountNotFoundError."""
        ...


class Rules(Protocol):
    """An account's recall rules."""

    def get(self, app_id: str, name: str) -> StoredRule:
        """One rule; raises RuleNotFoundError."""
        ...


class Followers(Protocol):
    """Follower state, written with optimistic locking."""

    def get(self, app_id: str, openid: str) -> FollowerState | None:
        """A consistent read of one follower, or None."""
        ...

    def update(
        self, app_id: str, openid: str, change: Callable[[FollowerState], FollowerState]
    ) -> tuple[FollowerState, bool]:
        """Apply `change` to the current state and write it only if nobody wrote in between."""
        ...


class RecallLedger(Protocol):
    """The claim on a pending recall and its recorded outcome (the sender's side)."""

    def claim(self, recall: PendingRecall, token: str, now: int) -> bool:
        """Take ownership before calling WeChat; False if already claimed or superseded."""
        ...

    def release(self, recall: PendingRecall, token: str) -> bool:
        """Give the claim back (WeChat surely did not send): pending again."""
        ...

    def finish(
        self, recall: PendingRecall, token: str, status: RecallStatus, reason: str, now: int
    ) -> bool:
        """Record the outcome of a claimed recall."""
        ...

    def reschedule(self, recall: PendingRecall, fresh: PendingRecall) -> bool:
        """A queued recall back to pending at `fresh`'s later due time; False if it moved on."""
        ...

    def hold(self, app_id: str) -> RecallHold | None:
        """The account's hold on recall sends (active or expired), or None."""
        ...

    def hold_sends(self, app_id: str, hold: RecallHold) -> None:
        """Hold the account's recall sends (an existing hold keeps its `since`)."""
        ...

    def lift_hold(self, app_id: str, until: int) -> None:
        """Remove the hold that ran `until` (a newer hold stays)."""
        ...


class DueRead(NamedTuple):
    """What one catch-up read of the due index found, and how many index queries it took."""

    rows: list[PendingRecall]
    queries: int


class DueRecalls(Protocol):
    """Pending recalls by the time they come due, and the sweep's checkpoint."""

    def checkpoint(self, app_id: str) -> int | None:
        """The minute the last sweep of this account completed up to."""
        ...

    def due_since(self, app_id: str, since: int, now: int) -> DueRead:
        """Pending recalls filed from `since` on that are due by `now`, and the claims whose
        deadline (claimed_at + CLAIM_STALE_SECONDS) has passed (status CLAIMED), and the queued
        recalls whose queue deadline has (status QUEUED: their message was lost); its cost
        follows what is due, not how long ago `since` is."""
        ...

    def mark_queued(self, recall: PendingRecall, now: int) -> bool:
        """pending -> queued, filed under its queue deadline; False if it was no longer pending."""
        ...

    def requeued(self, recall: PendingRecall, now: int) -> bool:
        """A queued recall past its queue deadline was queued again; False if it moved on."""
        ...

    def undelivered(self, recall: PendingRecall, now: int) -> bool:
        """A queued recall past its queue deadline -> failed/not_delivered; False if it moved."""
        ...

    def upgrade_due_index(self, app_id: str, now: int) -> int:
        """Once per account, after an upgrade: re-file rows an older version left where the
        sweep does not read (minute partitions; queued rows outside the index)."""
        ...

    def save_checkpoint(self, app_id: str, minute_ts: int) -> None:
        """Move the checkpoint forward (never back)."""
        ...

    def hold(self, app_id: str) -> RecallHold | None:
        """The account's hold on recall sends (active or expired), or None."""
        ...

    def abandon(self, recall: PendingRecall, now: int) -> bool:
        """A claim older than CLAIM_STALE_SECONDS -> failed/unknown_outcome; False if it moved."""
        ...


class Queue(Protocol):
    """The recall queue between the sweep and the sender."""

    def send(self, recalls: list[PendingRecall]) -> list[PendingRecall]:
        """Enqueue; returns the recalls the queue accepted (in order)."""
        ...


class Stats(Protocol):
    """Per account, rule and day counters."""

    def add(
        self, app_id: str, rule: str, day: str, counter: StatKey, n: int = 1, now: int = 0
    ) -> None:
        """Atomically add `n` to one counter."""
        ...


class WeChatSend(Protocol):
    """The two WeChat calls a recall makes (the real one is wechat.client.WeChatClient)."""

    def send_custom(self, message: dict[str, Any]) -> object:
        """Customer-service send; raises WeChatApiError or WeChatTransportError."""
        ...

    def tag_ids_of(self, openid: str) -> Iterable[int]:
        """A follower's tag ids, fresh from WeChat."""
        ...


WeChatFor = Callable[[Account], WeChatSend]
