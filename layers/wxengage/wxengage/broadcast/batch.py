"""One mass/send batch of a leg: its clientmsgid, its attempts and WeChat's result."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from wxengage.broadcast.record import Record
from wxengage.mass_jobs import MassJobResult


class BatchResult(StrEnum):
    """Mass job results the engine names (WeChat's words, and two of ours); `succeeded` says which."""

    SEND_SUCCESS = "send success"  # MASSSENDJOBFINISH
    SEND_SUCCESS_GET = "SEND_SUCCESS"  # mass/get
    DELETED = "DELETE"  # mass/get after the news was taken offline: it was sent
    NO_MSG_ID = "submitted (no msg_id)"  # 45065 without the job's id: cannot be looked up
    UNKNOWN = "unknown"  # mass/get answered nothing

    @staticmethod
    def succeeded(result: str | None) -> bool:
        return result in _DELIVERED


_DELIVERED = frozenset(
    {
        BatchResult.SEND_SUCCESS,
        BatchResult.SEND_SUCCESS_GET,
        BatchResult.DELETED,
        BatchResult.NO_MSG_ID,
    }
)


class BatchStatus(StrEnum):
    PLANNED = "planned"
    RETRY = "retry"  # waiting to be submitted again with the same clientmsgid
    SUBMITTED = "submitted"  # WeChat accepted the job (msg_id known)
    FAILED = "failed"  # WeChat refused it for good


class BatchState(Record):
    """One mass/send call: up to 10,000 openids under one clientmsgid."""

    app_id: str
    campaign_id: str
    leg: str
    number: int
    start: int  # slice of the leg's send list
    size: int
    clientmsgid: str
    status: BatchStatus = BatchStatus.PLANNED
    version: int = 0
    attempts: int = 0
    next_try_at: int = 0
    submitted_at: int | None = None
    msg_id: int | None = None
    msg_data_id: int | None = None
    duplicate: bool = False  # WeChat said 45065: this id was already submitted
    errcode: int | None = None
    error: str = ""
    # results
    result: str | None = None  # WeChat's status: "send success", "send fail", SEND_SUCCESS...
    sent: int = 0
    filtered: int = 0
    errors: int = 0
    estimated: bool = False
    ledgered: bool = False  # recipients counted in the broadcast ledger
    finished_at: int | None = None  # when WeChat's result (report or mass/get) came in
    offline_at: int | None = None  # its news taken down (mass/delete, by this or a sibling batch)
    offline_article: int | None = None  # which article: 0 = the whole news item
    # First attempt whose answer was lost: WeChat may have it (it de-duplicates for 24 h).
    maybe_sent_at: int | None = None

    def answer_lost(self, at: int) -> BatchState:
        """An attempt at `at` may have reached WeChat (the first such time is kept)."""
        return self if self.maybe_sent_at is not None else self._changed(maybe_sent_at=at)

    def resumed(self) -> BatchState:
        """Refused or given up: to be submitted again under the same clientmsgid (campaign resume)."""
        return self._changed(status=BatchStatus.RETRY, attempts=0, next_try_at=0)

    def accepted(
        self, *, msg_id: int | None, msg_data_id: int | None, now: int, duplicate: bool = False
    ) -> BatchState:
        """WeChat has the job (`duplicate`: it said so with 45065, a lost answer's batch)."""
        changes: dict[str, Any] = {
            "attempts": self.attempts + 1,
            "status": BatchStatus.SUBMITTED,
            "msg_id": msg_id,
            "msg_data_id": msg_data_id,
            "submitted_at": now,
            "errcode": None,
            "error": "",
        }
        if msg_id is None:
            # WeChat has the batch, but its result cannot be looked up: count it as sent.
            changes |= {"result": BatchResult.NO_MSG_ID, "sent": self.size, "estimated": True}
        if duplicate:
            changes["duplicate"] = True
        return self._changed(**changes)

    def retry_at(
        self, at: int, *, errcode: int | None, error: str, max_attempts: int
    ) -> BatchState:
        """To be submitted again at `at` under the same clientmsgid; failed after `max_attempts`."""
        attempts = self.attempts + 1
        if attempts >= max_attempts:
            return self._changed(
                attempts=attempts,
                status=BatchStatus.FAILED,
                next_try_at=at,
                errcode=errcode,
                error=f"gave up after {max_attempts} attempts: {error}",
            )
        return self._changed(
            attempts=attempts,
            status=BatchStatus.RETRY,
            next_try_at=at,
            errcode=errcode,
            error=error,
        )

    def refused(self, *, errcode: int, error: str) -> BatchState:
        """WeChat refused the job for good."""
        return self._changed(
            attempts=self.attempts + 1, status=BatchStatus.FAILED, errcode=errcode, error=error
        )

    def taken_offline(self, *, now: int, article_idx: int) -> BatchState:
        """Its news page was deleted (WeChat deletes the page for every send of that news)."""
        return self._changed(offline_at=now, offline_article=article_idx)

    def ledgered_now(self) -> BatchState:
        return self._changed(ledgered=True)

    def reported(self, job: MassJobResult) -> BatchState:
        """The job's counts, as MASSSENDJOBFINISH gave them; a msg_data_id the send's answer
        lacked (45065) is taken from the report's article link."""
        return self._changed(
            msg_data_id=self.msg_data_id if self.msg_data_id is not None else job.msg_data_id,
            result=job.status,
            finished_at=job.reported_at,
            sent=job.sent_count,
            # WeChat's FilterCount is what was left after filtering, not what was filtered out.
            filtered=max(0, job.total_count - job.filter_count),
            errors=job.error_count,
        )

    def estimated_from(self, status: str, *, now: int | None = None) -> BatchState:
        """mass/get's status only: everyone submitted counts as sent (or as an error)."""
        ok = BatchResult.succeeded(status)
        return self._changed(
            result=status or BatchResult.UNKNOWN,
            finished_at=now,
            sent=self.size if ok else 0,
            errors=0 if ok else self.size,
            estimated=True,
        )
