"""The local queue pump hands each function at most its mapping's BatchSize, as Lambda does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT
from wxengage_local.queue_pump import QueuePump, Source
from wxengage_local.template import FunctionSpec, LocalTemplate


@pytest.fixture
def sqs(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def test_the_recall_sender_gets_at_most_its_batch_size_per_invocation(sqs: Any) -> None:
    # Given the template's recall sender (BatchSize 3) and 8 messages on its queue
    sender = LocalTemplate(ROOT / "template.yaml").functions()["RecallSenderFunction"]
    url = sqs.create_queue(QueueName="recalls")["QueueUrl"]
    for n in range(8):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    batches: list[int] = []

    def invoke(function: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
        batches.append(len(event["Records"]))
        return {"batchItemFailures": []}

    source = Source(sender, url, "arn:aws:sqs:us-east-1:123456789012:recalls", 3)
    pump = QueuePump([source], invoke=invoke)
    # When the pump drains the queue
    delivered = pump.drain()
    # Then every message went out, never more than 3 to one invocation, and the queue is empty
    assert delivered == 8 and sum(batches) == 8 and max(batches) <= 3
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    # And a stack's pump takes the batch size from the template
    assert sender.batch_sizes["RecallQueue"] == 3
