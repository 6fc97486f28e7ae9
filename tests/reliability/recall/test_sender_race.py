"""Reliability: two senders handed the same due recall at the same moment send it once."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from tests.conftest import ROOT
from tests.recall.conftest import H48, World
from tests.reliability.recall.ledger import run_until_quiet, statuses
from wxengage.recall.planning import PendingRecall
from wxengage.recall.sender import Outcome, Sender
from wxengage.store.recalls import RecallStore
from wxengage.wechat.api_errors import WeChatApiError
from wxengage_local.handlers import FakeLambdaContext, load_handler

Record = dict[str, Any]


def due(world: World, n: int, prefix: str) -> list[str]:
    """n followers whose recalls are due now."""
    world.rule()
    at = int(world.clock.now) - H48 + 30 * 60 - 60
    openids = [f"o-{prefix}{i}" for i in range(n)]
    for openid in openids:
        world.say(openid, at=at)
    return openids


def receive_all(world: World) -> list[Record]:
    """Every message on the recall queue, as the SQS records Lambda's poller hands over."""
    sqs = boto3.client("sqs")
    url = world.settings.recall_queue_url
    records: list[Record] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        records += [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": "1"},
            }
            for m in batch
        ]
    return records


def redeliver(world: World, records: list[Record]) -> list[Record]:
    """The same messages received once more (new receipt handles), as SQS may hand them out."""
    sqs = boto3.client("sqs")
    url = world.settings.recall_queue_url
    for r in records:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=r["receiptHandle"], VisibilityTimeout=0
        )
    again = receive_all(world)
    assert sorted(r["messageId"] for r in again) == sorted(r["messageId"] for r in records)
    return again


def settle(world: World, records: list[Record], answer: dict[str, Any]) -> None:
    """What Lambda's poller does with an invocation's answer: delete what succeeded, let the
    failures come back."""
    sqs = boto3.client("sqs")
    url = world.settings.recall_queue_url
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
    for r in records:
        try:
            if r["messageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=r["receiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=r["receiptHandle"])
        except ClientError:
            pass  # the other invocation already deleted it


class Lockstep:
    """While racing, two senders meet before each claim (both past every check, neither owning
    it) and again after it (the loser tried while the winner holds it, before it calls WeChat)."""

    def __init__(self) -> None:
        self.gate = threading.Barrier(2, timeout=20)
        # DynamoDB applies a conditional write atomically; moto's in-process one is not atomic
        # across threads (both of two racing claims can pass), so the write itself is serialised.
        self.atomic = threading.Lock()
        self.on = False

    @contextmanager
    def racing(self) -> Iterator[None]:
        self.on = True
        try:
            yield
        finally:
            self.on = False


@pytest.fixture
def lockstep(monkeypatch: pytest.MonkeyPatch) -> Lockstep:
    step = Lockstep()
    claim = RecallStore.claim

    def claim_together(self: RecallStore, *args: Any) -> bool:
        if not step.on:
            return claim(self, *args)
        step.gate.wait()
        try:
            with step.atomic:
                return claim(self, *args)
        finally:
            step.gate.wait()

    monkeypatch.setattr(RecallStore, "claim", claim_together)
    return step


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every (openid, outcome status) the senders came to, from any thread."""
    seen: list[tuple[str, str]] = []
    deliver = Sender.deliver

    def recorded(self: Sender, recall: PendingRecall) -> Outcome:
        try:
            outcome = deliver(self, recall)
        except Exception as err:
            seen.append((recall.openid, type(err).__name__))
            raise
        seen.append((recall.openid, f"{outcome.status} {outcome.reason}".strip()))
        return outcome

    monkeypatch.setattr(Sender, "deliver", recorded)
    return seen


def two_containers(records_a: list[Record], records_b: list[Record]) -> list[dict[str, Any]]:
    """Two Lambda containers (a batch processor each) run the sender's record handler at once."""
    # The function's own module (loaded as Lambda would), for its record handler.
    app = sys.modules[
        load_handler(ROOT / "functions/recall_sender", "app.lambda_handler").__module__
    ]
    answers: dict[int, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def container(i: int, records: list[Record]) -> Callable[[], None]:
        def run() -> None:
            try:
                context: Any = FakeLambdaContext(f"RecallSender{i}")
                answers[i] = dict(
                    process_partial_response(
                        event={"Records": records},
                        record_handler=app.record_handler,
                        processor=BatchProcessor(event_type=EventType.SQS),
                        context=context,
                    )
                )
            except BatchProcessingError:
                # Every record failed: Lambda's poller sees an invocation error, all come back.
                answers[i] = {
                    "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]
                }
            except BaseException as err:
                errors.append(err)

        return run

    threads = [
        threading.Thread(target=container(i, r)) for i, r in enumerate((records_a, records_b))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(answers) == 2, (errors, answers)
    return [answers[0], answers[1]]


def test_two_senders_racing_on_the_same_messages_send_each_recall_once(
    world: World, lockstep: Lockstep, outcomes: list[tuple[str, str]]
) -> None:
    # Given ten followers whose recalls are due and queued by a sweep, and each queue message
    # handed out twice (SQS delivers at least once)
    openids = due(world, 10, "race")
    world.sweep()
    first = receive_all(world)
    second = redeliver(world, first)
    # When two sender containers process them at the same moment, meeting at every claim
    with lockstep.racing():
        answers = two_containers(first, second)
    for records, answer in zip((first, second), answers, strict=True):
        settle(world, records, answer)
    # Then each follower got exactly one recall: one sender sent it, the other stood back
    sent = Counter(m["touser"] for m in world.wechat.sent)
    per_follower = Counter(frozenset(s for o2, s in outcomes if o2 == o) for o in openids)
    figures = f"sends {dict(sent)}, outcomes {dict(per_follower)}, answers {answers}"
    assert sent == dict.fromkeys(openids, 1), figures
    assert per_follower == {frozenset({"sent", "duplicate"}): 10}, figures
    # And the stats count ten sent, the queue is empty, every recall is settled as sent
    assert world.stats()["sent"] == 10, figures
    assert world.deliver() == 0, figures
    assert set(statuses(world, openids).values()) == {("sent", "")}, figures


def test_two_sweeps_at_once_still_send_each_recall_once(world: World) -> None:
    # Given twelve followers whose recalls are due
    openids = due(world, 12, "sweep")
    # When two sweeps run at the same moment (a schedule firing twice), then the queue drains
    reports: list[dict[str, Any]] = []
    gate = threading.Barrier(2, timeout=20)

    def sweep() -> None:
        gate.wait()
        reports.append(world.sweep())

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    handed = world.deliver()
    # Then whatever each sweep queued, every follower got exactly one recall, counted once
    sent = Counter(m["touser"] for m in world.wechat.sent)
    figures = f"reports {reports}, messages handed {handed}, sends {dict(sent)}"
    assert len(reports) == 2 and handed >= 12, figures
    assert sent == dict.fromkeys(openids, 1), figures
    assert world.stats()["sent"] == 12, figures


def test_a_redelivery_racing_a_busy_send_still_sends_once(
    world: World, lockstep: Lockstep, outcomes: list[tuple[str, str]]
) -> None:
    # Given one follower whose recall is queued, the message handed out twice, and WeChat busy
    # for the first send
    openids = due(world, 1, "busy")
    world.sweep()
    first = receive_all(world)
    second = redeliver(world, first)
    world.wechat.failures.append(WeChatApiError(-1, "system busy", "/cgi-bin/message/custom/send"))
    # When two sender containers race on it, then the queue and the sweeps run until quiet
    with lockstep.racing():
        answers = two_containers(first, second)
    for records, answer in zip((first, second), answers, strict=True):
        settle(world, records, answer)
    rounds = run_until_quiet(world, openids)
    # Then the follower got exactly one recall, counted as sent
    figures = (
        f"rounds {rounds}, outcomes {outcomes}, sends {len(world.wechat.sent)}, "
        f"recall {statuses(world, openids)}, stats {world.stats()}"
    )
    assert [m["touser"] for m in world.wechat.sent] == openids, figures
    assert world.stats()["sent"] == 1, figures
