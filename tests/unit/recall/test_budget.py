"""The recall sender's timeout fits its worst batch; the queue's visibility is 6x the timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wxengage.recall.budget import (
    CLAIM_STALE_SECONDS,
    QUEUE_MAX_RECEIVES,
    QUEUE_VISIBILITY_SECONDS,
    QUEUED_STALE_SECONDS,
    SENDER_BATCH_SIZE,
    SENDER_TIMEOUT_SECONDS,
    worst_batch_seconds,
    worst_recall_seconds,
)
from wxengage.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags read as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _any_tag)


def resources() -> dict[str, Any]:
    found: dict[str, Any] = yaml.load(TEMPLATE.read_text(), _CfnLoader)["Resources"]  # noqa: S506
    return found


def test_the_sender_timeout_fits_its_worst_batch_and_the_queue_outlasts_it_six_times() -> None:
    # Given the template's sender, its queue mapping and its queue
    found = resources()
    timeout = found["RecallSenderFunction"]["Properties"]["Timeout"]
    batch = found["RecallSenderQueueMapping"]["Properties"]["BatchSize"]
    visibility = found["RecallQueue"]["Properties"]["VisibilityTimeout"]
    read_timeout = Settings.model_fields["wechat_read_timeout"].default
    # Then they are the figures the recall feature plans with
    assert (timeout, batch) == (SENDER_TIMEOUT_SECONDS, SENDER_BATCH_SIZE)
    # And a batch of worst-case recalls (every WeChat call timing out and retried) fits
    assert worst_batch_seconds(read_timeout, batch) <= timeout <= 900
    # And the queue hides a message at least six times the timeout (AWS's guidance)
    assert visibility >= 6 * timeout
    # And a claim is called stranded only once no sender can still hold it
    assert timeout < CLAIM_STALE_SECONDS
    # And a queued recall is called lost only after every receive SQS makes before the DLQ
    receives = found["RecallQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    assert (visibility, receives) == (QUEUE_VISIBILITY_SECONDS, QUEUE_MAX_RECEIVES)
    assert visibility * receives + CLAIM_STALE_SECONDS < QUEUED_STALE_SECONDS


def test_the_worst_recall_counts_every_call_and_retry() -> None:
    # Given WeChat's 10 s read timeout / Then one recall is bounded by its calls and retries
    assert 200 < worst_recall_seconds(10.0) < 240
