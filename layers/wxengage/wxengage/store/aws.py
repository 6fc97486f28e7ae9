"""One place that builds boto3 clients, with boto3's own retry and timeout settings."""

from __future__ import annotations

import logging
import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Tight timeouts: the webhook must answer WeChat within 5 s, and boto3's standard retry
# mode already backs off on throttling and transient errors.
BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=3,
    tcp_keepalive=True,
)


# botocore logs request and response bodies at DEBUG: Secrets Manager answers with the account's
# credentials and the tokens table with access tokens. Every module that reaches AWS imports this
# one, so those loggers stay above DEBUG whatever the root level is.
for _name in ("botocore.endpoint", "botocore.parsers", "botocore.hooks"):
    logging.getLogger(_name).setLevel(logging.INFO)


# One session for every client: each new session loads botocore's endpoint and model data
# again (~150 ms of cold start each, measured by bench/webhook.py). Sessions are not
# thread-safe, so clients are made under a lock.
_lock = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """A cached low-level client; the endpoint comes from AWS_ENDPOINT_URL when set."""
    with _lock:
        return _session().client(service, config=BOTO_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    client.cache_clear()
    _session.cache_clear()
