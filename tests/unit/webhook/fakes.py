"""In-memory fakes of the webhook's ports, and Powertools' idempotency store kept in a dict."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)

from wxengage.accounts import Account, AccountNotFoundError, AccountSettings
from wxengage.mass_jobs import MassJobResult
from wxengage.recall.planning import PendingRecall
from wxengage.recall.rules import StoredRule
from wxengage.windows import FollowerState


class FakeAccounts:
    """Accounts by app_id."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts = {a.settings.app_id: a for a in accounts}

    def get(self, app_id: str) -> Account:
        if app_id not in self.accounts:
            raise AccountNotFoundError(app_id)
        return self.accounts[app_id]

    def get_settings(self, app_id: str) -> AccountSettings:
        return self.get(app_id).settings


class FakeFollowers:
    """Followers by (app_id, openid), versioned like the store; `during_update` runs mid-write."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], FollowerState] = {}
        self.writes = 0
        self.during_update: Callable[[], None] | None = None

    def update(
        self, app_id: str, openid: str, change: Callable[[FollowerState], FollowerState]
    ) -> tuple[FollowerState, bool]:
        current = self.states.get((app_id, openid)) or FollowerState(app_id=app_id, openid=openid)
        new = change(current)
        if self.during_update is not None:
            self.during_update()
        if new == current:
            return current, False
        stored = FollowerState.model_validate(new.model_dump() | {"version": current.version + 1})
        self.states[(app_id, openid)] = stored
        self.writes += 1
        return stored, True

    def put(self, state: FollowerState) -> None:
        self.states[(state.app_id, state.openid)] = state


class FakeMassJobs:
    """Mass-job results; an older report never replaces a newer one."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, int], MassJobResult] = {}

    def record(self, result: MassJobResult) -> bool:
        key = (result.app_id, result.msg_id)
        if key in self.results and self.results[key].reported_at >= result.reported_at:
            return False
        self.results[key] = result
        return True


class FakeRules:
    """Rules by app_id."""

    def __init__(self, rules: dict[str, list[StoredRule]] | None = None) -> None:
        self.rules = rules or {}

    def cached(self, app_id: str) -> list[StoredRule]:
        return self.rules.get(app_id, [])


class FakeRecalls:
    """Pending recalls by (app_id, recall_id); a newer window's plan replaces an older one."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], PendingRecall] = {}

    def put_pending(self, recall: PendingRecall) -> str:
        key = (recall.app_id, recall.recall_id)
        old = self.pending.get(key)
        if old is not None and old.window_opened_at >= recall.window_opened_at:
            return "stale"
        self.pending[key] = recall
        return "new" if old is None else "replanned"


class FakeStats:
    """Counters by (app_id, rule, day, counter)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str, str]] = Counter()

    def add(self, app_id: str, rule: str, day: str, counter: str, n: int = 1, now: int = 0) -> None:
        self.counts[(app_id, rule, day, counter)] += n


class MemoryIdempotency(BasePersistenceLayer):
    """Powertools' idempotency records in a dict, with DynamoDB's put condition."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        old = self.records.get(data_record.idempotency_key)
        now = dt.datetime.now().timestamp()
        if old is not None and not (
            (old.expiry_timestamp or 0) < now
            or (
                old.status == STATUS_CONSTANTS["INPROGRESS"]
                and old.in_progress_expiry_timestamp is not None
                and old.in_progress_expiry_timestamp < now * 1000
            )
        ):
            raise IdempotencyItemAlreadyExistsError(old_data_record=old)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)
