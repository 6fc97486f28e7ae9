"""The sweep settles claims no sender finished, and leaves held accounts until the hold ends."""

from __future__ import annotations

from tests.unit.recall.fakes import APP_ID, FakeDueRecalls, FakeQueue, FakeStats, due, wrote
from wxengage.recall.budget import CLAIM_STALE_SECONDS, SENDER_TIMEOUT_SECONDS
from wxengage.recall.holds import RecallHold
from wxengage.recall.outcomes import FailureReason, StatKey
from wxengage.recall.sweep import SweepReport, describe, sweep

NOW = 1_795_341_600 + 30  # 2026-11-22T10:00:30Z, 18:00 in Shanghai
MINUTE = NOW - NOW % 60
TZ = {APP_ID: "Asia/Shanghai"}


def test_a_claim_older_than_any_sender_is_settled_as_unknown_outcome_once() -> None:
    # Given a recall claimed long enough ago that its sender cannot be running any more
    store, queue, stats = FakeDueRecalls(), FakeQueue(), FakeStats()
    store.checkpoints[APP_ID] = MINUTE - 60
    recall = due(wrote(0), due_at=NOW - 3600)
    store.add_claim(recall, claimed_at=NOW - CLAIM_STALE_SECONDS - 5)
    # When the sweep reads the minute its deadline fell in
    report = sweep([APP_ID], store, queue, NOW, stats=stats, timezones=TZ)
    # Then it is failed/unknown_outcome, counted as failed and as stranded, and not queued
    assert store.abandoned == {recall.recall_id: FailureReason.UNKNOWN_OUTCOME}
    assert stats.of() == {StatKey.FAILED: 1, StatKey.STRANDED: 1, StatKey.FAILED_UNKNOWN_OUTCOME: 1}
    assert queue.messages == [] and (report.stranded, report.due, report.queued) == (1, 0, 0)
    # And a later sweep reading that minute again settles nothing more
    store.checkpoints[APP_ID] = MINUTE - 60
    again = sweep([APP_ID], store, queue, NOW + 10, stats=stats, timezones=TZ)
    assert again.stranded == 0 and stats.of() == {
        StatKey.FAILED: 1,
        StatKey.STRANDED: 1,
        StatKey.FAILED_UNKNOWN_OUTCOME: 1,
    }


def test_a_claim_a_sender_may_still_hold_is_left_alone() -> None:
    # Given a recall claimed a moment ago (its deadline is minutes away)
    store, queue, stats = FakeDueRecalls(), FakeQueue(), FakeStats()
    store.checkpoints[APP_ID] = MINUTE - 60
    store.add_claim(due(wrote(0), due_at=NOW - 60), claimed_at=NOW - 30)
    # When the sweep runs / Then it neither reads nor settles it
    report = sweep([APP_ID], store, queue, NOW, stats=stats, timezones=TZ)
    assert (report.rows_read, report.stranded, store.abandoned) == (0, 0, {})


def test_a_claim_is_stale_only_after_the_senders_timeout() -> None:
    # The deadline outlasts any sender run, so a live sender is never overtaken
    assert CLAIM_STALE_SECONDS > SENDER_TIMEOUT_SECONDS


def test_a_held_account_is_not_swept_until_the_hold_ends_then_caught_up() -> None:
    # Given an account held until five minutes from now, with a recall due meanwhile
    store, queue = FakeDueRecalls(), FakeQueue()
    store.checkpoints[APP_ID] = MINUTE - 60
    store.hold_sends(
        APP_ID, RecallHold(errcode=40164, reason="whitelist", since=NOW - 60, until=NOW + 300)
    )
    store.add(due(wrote(0), due_at=NOW + 120))
    # When sweeps run during the hold
    during = sweep([APP_ID], store, queue, NOW + 180)
    # Then nothing is read or queued and the checkpoint stays
    assert (during.held, during.minutes, queue.messages) == (1, 0, [])
    assert store.checkpoints[APP_ID] == MINUTE - 60
    # When the hold has ended
    after = sweep([APP_ID], store, queue, NOW + 300)
    # Then the sweep catches up on every minute since and queues the recall
    assert (after.held, after.minutes, after.queued) == (0, 7, 1)


def test_describe_names_stranded_claims_and_held_accounts() -> None:
    # Given a sweep that settled one stranded claim and skipped a held account
    report = SweepReport(accounts=2, minutes=3, rows_read=4, due=3, queued=3, stranded=1, held=1)
    # Then the line says so
    assert describe(report, MINUTE).endswith(
        "3 queued, 1 stranded claim(s) failed as unknown_outcome, 1 account(s) held"
    )
