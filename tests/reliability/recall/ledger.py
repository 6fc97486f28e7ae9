"""What the recall reliability tests read back: queues, recall statuses, and a sweep run to quiet."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.recall.conftest import World
from tests.support.callbacks import APP_ID
from wxengage.store.recalls import RecallStore
from wxengage_local.aws import physical_ids

UNSETTLED = ("pending", "queued", "claimed")


def queue_depth(url: str) -> int:
    """Messages waiting or in flight on one queue."""
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def dead_letters() -> int:
    """Recall messages the queue gave up on."""
    url = physical_ids(boto3.Session(), "wxengage")["RecallDeadLetterQueue"]
    return queue_depth(url)


def dead_letter_openids() -> list[str]:
    """The followers whose recall messages the queue gave up on (read, then left to expire)."""
    sqs = boto3.client("sqs")
    url = physical_ids(boto3.Session(), "wxengage")["RecallDeadLetterQueue"]
    found: list[str] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(m["Body"])["openid"] for m in got]
    return found


def statuses(world: World, openids: list[str], rule: str = "r1") -> dict[str, tuple[str, str]]:
    """Each follower's recall: (status, outcome)."""
    store = RecallStore(world.settings)
    out = {}
    for openid in openids:
        found = store.get(APP_ID, f"{openid}#{world.rule_key(rule)}")
        assert found is not None, f"no recall planned for {openid}"
        item: dict[str, Any] = found[1]
        out[openid] = (item["status"]["S"], item.get("outcome", {}).get("S", ""))
    return out


def run_until_quiet(world: World, openids: list[str], rounds: int = 10) -> int:
    """Sweep and drain the queue a minute apart until no recall is unsettled and the queue is
    empty; returns the rounds it took (`rounds` + 1 if it never got quiet)."""
    for n in range(1, rounds + 1):
        world.sweep_and_send()
        unsettled = [s for s, _ in statuses(world, openids).values() if s in UNSETTLED]
        if not unsettled and queue_depth(world.settings.recall_queue_url) == 0:
            return n
        world.clock.advance(60)
    return rounds + 1
