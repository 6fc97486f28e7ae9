"""How long one recall can take at worst, so the sender's timeout, batch and claims fit it."""

from __future__ import annotations

# The client's figures (wechat/client.py): connect timeout, connection retries inside the HTTP
# adapter (a connect that never happened is retried there, twice), and the retries of an
# idempotent call (2 more tries, backing off 0.5 s then 1 s).
CONNECT_TIMEOUT_SECONDS = 3.05
ADAPTER_CONNECT_TRIES = 3
ADAPTER_BACKOFF_SECONDS = 0.6
IDEMPOTENT_TRIES = 3
IDEMPOTENT_BACKOFF_SECONDS = 1.5
# The WeChat calls one recall can make at worst: the follower's tags (idempotent), a fresh
# access token (idempotent, when the cached one is due), the send (never retried blindly), and
# after a refused token one more token fetch and one more send (WeChatClient.call).
_IDEMPOTENT_CALLS = 3
_SINGLE_CALLS = 2
# DynamoDB and Secrets Manager around the calls: the account, rule, follower, claim, reserve,
# outcome and stats, each well under a second even when the SDK retries.
STORE_SECONDS = 5.0

# RecallSenderQueueMapping's BatchSize and RecallSenderFunction's Timeout in template.yaml
# (tests/unit/recall/test_budget.py checks the template against these).
SENDER_BATCH_SIZE = 3
SENDER_TIMEOUT_SECONDS = 720
# A claim older than this was made by a sender the Lambda runtime has stopped: the sweep
# records it failed/unknown_outcome (the send may have gone out, so it is never resent).
CLAIM_MARGIN_SECONDS = 60
CLAIM_STALE_SECONDS = SENDER_TIMEOUT_SECONDS + CLAIM_MARGIN_SECONDS
# RecallQueue's VisibilityTimeout and maxReceiveCount (template.yaml; test_budget checks them).
QUEUE_VISIBILITY_SECONDS = 4320
QUEUE_MAX_RECEIVES = 3
# A queued recall no sender has claimed this long after it was queued has lost its message:
# every receive failed before the claim and SQS moved it to the dead-letter queue (or it was
# purged). The sweep then queues it again while its window is open, else records it failed.
# The margin covers a queue backlog; a copy that still arrives later is harmless (claims).
QUEUED_MARGIN_SECONDS = 3600
QUEUED_STALE_SECONDS = QUEUE_VISIBILITY_SECONDS * QUEUE_MAX_RECEIVES + QUEUED_MARGIN_SECONDS


def attempt_seconds(read_timeout: float) -> float:
    """One HTTP exchange at worst: two failed connects, a third that connects, then no answer."""
    return CONNECT_TIMEOUT_SECONDS * ADAPTER_CONNECT_TRIES + ADAPTER_BACKOFF_SECONDS + read_timeout


def worst_recall_seconds(read_timeout: float) -> float:
    """The longest one recall can keep the sender busy with WeChat's read timeout `read_timeout`."""
    attempt = attempt_seconds(read_timeout)
    idempotent = IDEMPOTENT_TRIES * attempt + IDEMPOTENT_BACKOFF_SECONDS
    return _IDEMPOTENT_CALLS * idempotent + _SINGLE_CALLS * attempt + STORE_SECONDS


def worst_batch_seconds(read_timeout: float, batch_size: int = SENDER_BATCH_SIZE) -> float:
    """The longest one batch of the recall queue can take (the recalls are sent one by one)."""
    return batch_size * worst_recall_seconds(read_timeout)
