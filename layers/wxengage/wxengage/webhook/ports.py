"""What the webhook needs from storage, as Protocols; wiring/webhook.py passes the real stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a URL verification loads none of these models
    from wxengage.accounts import Account, AccountSettings
    from wxengage.mass_jobs import MassJobResult
    from wxengage.recall.planning import PendingRecall
    from wxengage.recall.rules import StoredRule
    from wxengage.webhook.records import Applied, CallbackRecord
    from wxengage.windows import FollowerState


class Accounts(Protocol):
    """Accounts as the webhook reads them (cached reads are fine)."""

    def get(self, app_id: str) -> Account:
        """Settings and credentials; AccountNotFoundError when absent."""
        ...

    def get_settings(self, app_id: str) -> AccountSettings:
        """Settings only; AccountNotFoundError when absent."""
        ...


class Followers(Protocol):
    """Follower state, changed by optimistic read-modify-write."""

    def update(
        self, app_id: str, openid: str, change: Callable[[FollowerState], FollowerState]
    ) -> tuple[FollowerState, bool]:
        """Apply `change` to the stored state; the new state and whether it was written."""
        ...


class MassJobs(Protocol):
    """Mass-send job results, kept for the broadcast engine."""

    def record(self, result: MassJobResult) -> bool:
        """Store the result; False when a newer report for the same job is stored."""
        ...


class Rules(Protocol):
    """An account's recall rules."""

    def cached(self, app_id: str) -> list[StoredRule]:
        """The account's rules, possibly a minute old."""
        ...


class Recalls(Protocol):
    """Pending recalls, planned when a window opens."""

    def put_pending(self, recall: PendingRecall) -> str:
        """Store the plan; "new" when no recall was pending for that follower, rule and window."""
        ...


class Stats(Protocol):
    """Per account, rule and day recall counters."""

    def add(self, app_id: str, rule: str, day: str, counter: str, n: int = 1, now: int = 0) -> None:
        """Atomically add `n` to one counter."""
        ...


class Once(Protocol):
    """Applies each callback record at most once; a retry gets the first outcome, `replayed` set."""

    def __call__(self, record: CallbackRecord) -> Applied:
        """Apply or replay; InProgress while another delivery of it is being applied."""
        ...
