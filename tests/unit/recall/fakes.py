"""In-memory fakes of the recall ports, and builders for the states the tests start from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wxengage.accounts import (
    Account,
    AccountNotFoundError,
    AccountSecrets,
    AccountSettings,
    MessageMode,
    RecallPolicy,
)
from wxengage.recall.budget import CLAIM_STALE_SECONDS, QUEUED_STALE_SECONDS
from wxengage.recall.holds import RecallHold
from wxengage.recall.outcomes import FailureReason, StatKey
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.recall.ports import DueRead
from wxengage.recall.rules import RecallRule, RuleNotFoundError, StoredRule
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction

APP_ID = "wx0123456789abcdef"
OPENID = "o-ann"
# 2026-11-22T10:00:00Z: 18:00 in Shanghai.
NOW = 1_795_341_600
H = 3600
H48 = 48 * H
DAY = "2026-11-22"


def settings(*, timezone: str = "Asia/Shanghai", **policy: Any) -> AccountSettings:
    """Account settings with a recall policy (the defaults unless given)."""
    return AccountSettings(
        app_id=APP_ID,
        mode=MessageMode.PLAINTEXT,
        timezone=timezone,
        recall=RecallPolicy.model_validate(policy),
    )


def account(*, timezone: str = "Asia/Shanghai", **policy: Any) -> Account:
    return Account(
        settings=settings(timezone=timezone, **policy),
        secrets=AccountSecrets.model_validate({"token": "tok", "app_secret": "s" * 32}),
    )


def rule(**fields: Any) -> RecallRule:
    data = {
        "name": "r1",
        "lead_minutes": 30,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "We miss you"}]},
    } | fields
    return RecallRule.model_validate(data)


def wrote(at: int, openid: str = OPENID, state: FollowerState | None = None) -> FollowerState:
    """The follower after their message at `at` (a 48-hour window with 5 messages)."""
    start = state or FollowerState(app_id=APP_ID, openid=openid)
    return apply_interaction(start, Interaction(kind=InteractionKind.MESSAGE, at=at))


def left(state: FollowerState, at: int) -> FollowerState:
    return apply_interaction(state, Interaction(kind=InteractionKind.UNSUBSCRIBE, at=at))


def due(state: FollowerState, rule_name: str = "r1", **fields: Any) -> PendingRecall:
    """The recall planned for the follower's current window."""
    opened = state.window_opened_at or 0
    data: dict[str, Any] = {
        "app_id": state.app_id,
        "openid": state.openid,
        "rule": rule_name,
        "window_opened_at": opened,
        "window_closes_at": opened + H48,
        "due_at": opened + H48 - 30 * 60,
    } | fields
    return PendingRecall.model_validate(data)


@dataclass
class FakeAccounts:
    accounts: dict[str, Account] = field(default_factory=dict)

    def get(self, app_id: str) -> Account:
        if app_id not in self.accounts:
            raise AccountNotFoundError(app_id)
        return self.accounts[app_id]


@dataclass
class FakeRules:
    rules: dict[tuple[str, str], RecallRule] = field(default_factory=dict)

    def get(self, app_id: str, name: str) -> StoredRule:
        if (app_id, name) not in self.rules:
            raise RuleNotFoundError(app_id, name)
        return StoredRule(rule=self.rules[app_id, name], created_at=0, updated_at=0)


@dataclass
class FakeFollowers:
    states: dict[tuple[str, str], FollowerState] = field(default_factory=dict)
    # Raised by the next update calls, in order (a store error).
    failures: list[Exception] = field(default_factory=list)
    writes: int = 0

    def put(self, state: FollowerState) -> None:
        self.states[state.app_id, state.openid] = state

    def get(self, app_id: str, openid: str) -> FollowerState | None:
        return self.states.get((app_id, openid))

    def update(
        self, app_id: str, openid: str, change: Callable[[FollowerState], FollowerState]
    ) -> tuple[FollowerState, bool]:
        if self.failures:
            raise self.failures.pop(0)
        current = self.get(app_id, openid) or FollowerState(app_id=app_id, openid=openid)
        new = change(current)
        if new == current:
            return current, False
        self.writes += 1
        self.put(new)
        return new, True


@dataclass
class Row:
    status: RecallStatus
    token: str = ""
    reason: str = ""
    claimed_at: int = 0


@dataclass
class FakeHolds:
    """Each account's hold on recall sends, as the store keeps it."""

    holds: dict[str, RecallHold] = field(default_factory=dict)

    def hold(self, app_id: str) -> RecallHold | None:
        return self.holds.get(app_id)

    def hold_sends(self, app_id: str, hold: RecallHold) -> None:
        before = self.holds.get(app_id)
        self.holds[app_id] = hold.since_then(before.since) if before else hold

    def lift_hold(self, app_id: str, until: int) -> None:
        if app_id in self.holds and self.holds[app_id].until == until:
            del self.holds[app_id]


@dataclass
class FakeLedger(FakeHolds):
    """Recalls by id with the store's claim rules (a missing recall cannot be claimed)."""

    rows: dict[str, Row] = field(default_factory=dict)
    releases: int = 0

    def plan(self, recall: PendingRecall, status: RecallStatus = RecallStatus.QUEUED) -> None:
        self.rows[recall.recall_id] = Row(status)

    def row(self, recall: PendingRecall) -> tuple[RecallStatus, str]:
        found = self.rows[recall.recall_id]
        return found.status, found.reason

    def claim(self, recall: PendingRecall, token: str, now: int) -> bool:
        found = self.rows.get(recall.recall_id)
        if found is None or found.status not in (RecallStatus.PENDING, RecallStatus.QUEUED):
            return False
        found.status, found.token, found.claimed_at = RecallStatus.CLAIMED, token, now
        return True

    def release(self, recall: PendingRecall, token: str) -> bool:
        found = self.rows.get(recall.recall_id)
        if found is None or found.status is not RecallStatus.CLAIMED or found.token != token:
            return False
        found.status, found.token = RecallStatus.PENDING, ""
        self.releases += 1
        return True

    def finish(
        self, recall: PendingRecall, token: str, status: RecallStatus, reason: str, now: int
    ) -> bool:
        found = self.rows.get(recall.recall_id)
        if found is None or found.status is not RecallStatus.CLAIMED or found.token != token:
            return False
        found.status, found.reason = status, reason
        return True


@dataclass
class FakeStats:
    counts: Counter[tuple[str, str, str, StatKey]] = field(default_factory=Counter)

    def add(
        self, app_id: str, rule: str, day: str, counter: StatKey, n: int = 1, now: int = 0
    ) -> None:
        assert isinstance(counter, StatKey), counter
        self.counts[app_id, rule, day, counter] += n

    def of(self, rule: str = "r1", day: str = DAY) -> dict[StatKey, int]:
        return {k[3]: v for k, v in self.counts.items() if k[1:3] == (rule, day)}


@dataclass
class FakeWeChat:
    tags: dict[str, list[int]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    tag_calls: int = 0

    def send_custom(self, message: dict[str, Any]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    def tag_ids_of(self, openid: str) -> Iterable[int]:
        self.tag_calls += 1
        return self.tags.get(openid, [])


@dataclass
class FakeDueRecalls(FakeHolds):
    """Due recalls by minute bucket, the queued ones, and each account's checkpoint.

    `claims` are claimed recalls (with their claim time) filed under their deadline's minute,
    as the store files them; `abandoned` holds those the sweep settled. `queued` maps each
    queued recall to when it was queued (its queue deadline is QUEUED_STALE_SECONDS later);
    `undelivered` holds those the sweep failed as not_delivered."""

    by_minute: dict[tuple[str, int], list[PendingRecall]] = field(default_factory=dict)
    queued: dict[str, int] = field(default_factory=dict)
    undelivered_ids: set[str] = field(default_factory=set)
    checkpoints: dict[str, int] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    abandoned: dict[str, str] = field(default_factory=dict)

    def add_claim(self, recall: PendingRecall, claimed_at: int) -> PendingRecall:
        """A recall claimed at `claimed_at` whose sender never recorded an outcome."""
        claimed = PendingRecall.model_validate(
            recall.model_dump() | {"status": RecallStatus.CLAIMED}
        )
        deadline = claimed_at + CLAIM_STALE_SECONDS
        minute = deadline - deadline % 60
        self.by_minute.setdefault((recall.app_id, minute), []).append(claimed)
        self.claims[recall.recall_id] = claimed_at
        return claimed

    def abandon(self, recall: PendingRecall, now: int) -> bool:
        claimed_at = self.claims.get(recall.recall_id)
        if claimed_at is None or claimed_at > now - CLAIM_STALE_SECONDS:
            return False
        del self.claims[recall.recall_id]
        self.abandoned[recall.recall_id] = FailureReason.UNKNOWN_OUTCOME
        return True

    def add(self, recall: PendingRecall) -> None:
        minute = recall.due_at - recall.due_at % 60
        self.by_minute.setdefault((recall.app_id, minute), []).append(recall)

    def checkpoint(self, app_id: str) -> int | None:
        return self.checkpoints.get(app_id)

    def due_since(self, app_id: str, since: int, now: int) -> DueRead:
        # As the store: one query per UTC day from since's day, rows due (filed) by now.
        first_day = since - since % 86400
        rows = [
            r
            for (app, minute), filed in sorted(self.by_minute.items())
            if app == app_id and first_day <= minute <= now
            for r in filed
            if (r.status is RecallStatus.CLAIMED and r.recall_id in self.claims)
            or (
                r.status is not RecallStatus.CLAIMED
                and r.due_at <= now
                and r.recall_id not in self.queued
                and r.recall_id not in self.undelivered_ids
            )
        ]
        # Queued recalls come back (as status QUEUED) once their queue deadline has passed.
        rows += [
            PendingRecall.model_validate(r.model_dump() | {"status": RecallStatus.QUEUED})
            for (app, _), filed in sorted(self.by_minute.items())
            if app == app_id
            for r in filed
            if self.queued.get(r.recall_id, now) + QUEUED_STALE_SECONDS <= now
        ]
        return DueRead(rows=rows, queries=(now - now % 86400 - first_day) // 86400 + 1)

    def upgrade_due_index(self, app_id: str, now: int) -> int:
        return 0  # the fake files by day from the start

    def mark_queued(self, recall: PendingRecall, now: int) -> bool:
        if recall.recall_id in self.queued:
            return False
        self.queued[recall.recall_id] = now
        return True

    def _lost(self, recall: PendingRecall, now: int) -> bool:
        queued_at = self.queued.get(recall.recall_id)
        return queued_at is not None and queued_at + QUEUED_STALE_SECONDS <= now

    def requeued(self, recall: PendingRecall, now: int) -> bool:
        if not self._lost(recall, now):
            return False
        self.queued[recall.recall_id] = now
        return True

    def undelivered(self, recall: PendingRecall, now: int) -> bool:
        if not self._lost(recall, now):
            return False
        del self.queued[recall.recall_id]
        self.undelivered_ids.add(recall.recall_id)
        return True

    def save_checkpoint(self, app_id: str, minute_ts: int) -> None:
        self.checkpoints[app_id] = max(minute_ts, self.checkpoints.get(app_id, minute_ts))


@dataclass
class FakeQueue:
    messages: list[PendingRecall] = field(default_factory=list)

    def send(self, recalls: list[PendingRecall]) -> list[PendingRecall]:
        self.messages.extend(recalls)
        return list(recalls)
