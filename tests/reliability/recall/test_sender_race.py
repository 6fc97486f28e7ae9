"""Reliability: two senders handed the same due recall at the same moment send it once."""

from __future__ import annotations

import threading
from typing import Any

import boto3

from tests.conftest import ROOT
from tests.recall.conftest import H48, World
from wxengage_local.handlers import FakeLambdaContext, load_handler


def test_two_senders_racing_on_one_recall_send_it_once(world: World) -> None:
    # Given ten followers whose recalls are due and queued by a sweep
    world.rule()
    due = int(world.clock.now) - H48 + 30 * 60 - 60
    for n in range(10):
        world.say(f"o-race{n}", at=due)
    world.sweep()
    sqs = boto3.client("sqs")
    url = world.settings.recall_queue_url
    records: list[dict[str, Any]] = []
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
    assert len(records) == 10
    # When two sender invocations get every one of them at once (a redelivery racing the first)
    handler = load_handler(ROOT / "functions/recall_sender", "app.lambda_handler")
    answers: list[Any] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        answers.append(handler({"Records": records}, FakeLambdaContext("Sender")))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then each follower got exactly one recall, and the stats count ten sent
    sent = [m["touser"] for m in world.wechat.sent]
    assert sorted(sent) == sorted(f"o-race{n}" for n in range(10)), sent
    assert world.stats()["sent"] == 10
    assert len(answers) == 2
