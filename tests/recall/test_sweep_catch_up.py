"""Catching up after a leap or an outage costs what is due, not what elapsed (real DynamoDB calls)."""

from __future__ import annotations

import boto3

from tests.conftest import FakeClock
from wxengage.recall.budget import QUEUED_STALE_SECONDS
from wxengage.recall.planning import PendingRecall
from wxengage.recall.sweep import sweep
from wxengage.settings import Settings
from wxengage.store.recall_queue import RecallQueue
from wxengage.store.recalls import RecallStore

APP_ID = "wx0123456789abcdef"
DAY = 86400


def planned(openid: str, due_at: int) -> PendingRecall:
    return PendingRecall(
        app_id=APP_ID,
        openid=openid,
        rule="r1",
        window_opened_at=due_at - 47 * 3600,
        window_closes_at=due_at + 1800,
        due_at=due_at,
    )


def legacy_checkpoint(stack: Settings, now: int, layout: str | None) -> None:
    """The sweep checkpoint an older version wrote: a minute ago, with its index layout
    (None: before the day partitions; "day": before queue deadlines)."""
    item = {
        "app_id": {"S": APP_ID},
        "recall_id": {"S": "#sweep-checkpoint"},
        "swept_to": {"N": str(now - now % 60 - 60)},
    }
    if layout is not None:
        item["due_index"] = {"S": layout}
    boto3.client("dynamodb").put_item(TableName=stack.recalls_table, Item=item)


def test_a_sweep_after_a_two_day_leap_reads_three_day_partitions_and_only_the_due_rows(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a sweep now, then three recalls coming due over the next two days and two later
    store, queue = RecallStore(stack), RecallQueue(stack)
    start = int(fake_clock.now)
    sweep([APP_ID], store, queue, start)
    for i, offset in enumerate([600, DAY, 2 * DAY - 600]):
        store.put_pending(planned(f"o-due-{i}", start + offset))
    for i, offset in enumerate([2 * DAY + 600, 3 * DAY]):
        store.put_pending(planned(f"o-later-{i}", start + offset))
    # When the clock leaps two days and the sweep runs once
    fake_clock.advance(2 * DAY)
    report = sweep([APP_ID], store, queue, int(fake_clock.now))
    # Then it caught up 2,881 minutes with one query per UTC day spanned, read only the three
    # due rows and queued them; the later ones wait
    assert (report.minutes, report.queries) == (2 * 24 * 60 + 1, 3)
    assert (report.rows_read, report.due, report.queued) == (3, 3, 3)
    # And the next sweep, a minute later, reads one partition and nothing
    fake_clock.advance(60)
    after = sweep([APP_ID], store, queue, int(fake_clock.now))
    assert (after.queries, after.rows_read, after.queued) == (1, 0, 0)


def test_a_recall_due_at_midnight_is_read_by_the_sweep_that_crosses_the_day(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given a checkpoint at 23:59 UTC and a recall due at 00:00:10 the next day
    store, queue = RecallStore(stack), RecallQueue(stack)
    midnight = int(fake_clock.now) - int(fake_clock.now) % DAY + DAY
    fake_clock.now = midnight - 60
    sweep([APP_ID], store, queue, midnight - 60)
    store.put_pending(planned("o-midnight", midnight + 10))
    # When the sweep runs at 00:00:30
    fake_clock.now = midnight + 30
    report = sweep([APP_ID], store, queue, midnight + 30)
    # Then both days were queried and the recall queued
    assert (report.queries, report.queued) == (2, 1)


def test_rows_an_older_version_filed_by_minute_are_swept_after_the_upgrade(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given what the minute-bucket version left: a checkpoint without the day index, a recall
    # due now and one due tomorrow, each filed under its due minute
    from wxengage.clock import iso_z

    ddb = boto3.client("dynamodb")
    now = int(fake_clock.now)
    legacy_checkpoint(stack, now, layout=None)
    store, queue = RecallStore(stack), RecallQueue(stack)
    for openid, due_at in (("o-now", now - 5), ("o-tomorrow", now + DAY)):
        recall = planned(openid, due_at)
        store.put_pending(recall)
        ddb.update_item(
            TableName=stack.recalls_table,
            Key={"app_id": {"S": APP_ID}, "recall_id": {"S": recall.recall_id}},
            UpdateExpression="SET due_bucket = :b",
            ExpressionAttributeValues={":b": {"S": f"{APP_ID}#{iso_z(due_at)[:16]}"}},
        )
    # When the upgraded sweep runs now, and again a day later
    first = sweep([APP_ID], store, queue, now)
    fake_clock.advance(DAY + 60)
    second = sweep([APP_ID], store, queue, int(fake_clock.now))
    # Then each legacy row was queued when due, and the re-filing ran once
    assert (first.queued, second.queued) == (1, 1)
    assert store.upgrade_due_index(APP_ID, int(fake_clock.now)) == 0


def test_a_recall_an_older_version_left_queued_outside_the_index_is_queued_again(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given what the version before queue deadlines left: a checkpoint of the day layout, and a
    # recall marked queued outside the due index whose message the queue lost, its window open
    ddb = boto3.client("dynamodb")
    now = int(fake_clock.now)
    legacy_checkpoint(stack, now, layout="day")
    store, queue = RecallStore(stack), RecallQueue(stack)
    recall = PendingRecall(
        app_id=APP_ID,
        openid="o-lost",
        rule="r1",
        window_opened_at=now - 3600,
        window_closes_at=now + 47 * 3600,
        due_at=now - 60,
    )
    store.put_pending(recall)
    ddb.update_item(
        TableName=stack.recalls_table,
        Key={"app_id": {"S": APP_ID}, "recall_id": {"S": recall.recall_id}},
        UpdateExpression="SET #s = :q REMOVE due_bucket, due_key, pending_rule",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":q": {"S": "queued"}},
    )
    # When the upgraded sweep runs now, and again past the queue deadline it filed the row at
    first = sweep([APP_ID], store, queue, now)
    fake_clock.advance(QUEUED_STALE_SECONDS + 60)
    second = sweep([APP_ID], store, queue, int(fake_clock.now))
    # Then the first only filed it, the second queued it again, and the upgrade ran once
    assert (first.requeued, first.queued, second.requeued) == (0, 0, 1)
    assert store.upgrade_due_index(APP_ID, int(fake_clock.now)) == 0
    found = store.get(APP_ID, recall.recall_id)
    assert found is not None and found[1]["status"]["S"] == "queued"
