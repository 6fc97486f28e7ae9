"""The line between the recall sender's real WeChat client and the sandbox: it counts every call
per API and plays a script of faults on the customer-service send, one step per call."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.recall.conftest import World
from tests.support.callbacks import APP_ID
from wxengage.store.accounts import AccountStore
from wxengage.store.tokens import DynamoTokenStore, TokenStore
from wxengage.wechat.client import WeChatClient, forget_tokens
from wxengage.wiring.recall import get_sender
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.sandbox.faults import FaultSpec

SEND = "/cgi-bin/message/custom/send"
TOKEN_API = "/cgi-bin/stable_token"
# The client gives up on an answer after this; a lost answer comes later than that.
READ_TIMEOUT = 1.5
LATE = 2.0

# One delivery attempt of a recall meets one episode; an episode is one or two send calls
# (a refused token is refetched and the send tried once more, by the client itself).
EPISODES: dict[str, list[str]] = {
    "ok": ["ok"],
    "busy": ["-1"],  # system busy
    "rate_limited": ["45011"],  # per-minute frequency
    "token_refetched": ["40001", "ok"],  # refused, refetched, sent
    "token_burst": ["40001", "40001"],  # refused, refetched, refused again
    "unreachable": ["connect_timeout"],  # never reached WeChat
    "lost_answer": ["timeout"],  # WeChat did nothing, and answered too late
    "lost_answer_applied": ["timeout_applied"],  # WeChat sent it, the answer got lost
}
# What a step makes the sandbox do (connect_timeout never reaches it).
_FAULTS: dict[str, dict[str, Any]] = {
    "-1": {"errcode": -1},
    "45011": {"errcode": 45011},
    "40001": {"errcode": 40001},
    "timeout": {"timeout_seconds": LATE},
    "timeout_applied": {"timeout_seconds": LATE, "applied": True},
}
# The sender's answer to each episode: sent, retried later, or failed with an unknown outcome.
RETRIED = ("busy", "rate_limited", "token_burst", "unreachable")
UNKNOWN = ("lost_answer", "lost_answer_applied")


def script(counts: dict[str, int], seed: int) -> list[str]:
    """The episodes shuffled with a fixed seed, flattened to one step per send call."""
    episodes = [name for name, n in counts.items() for _ in range(n)]
    random.Random(seed).shuffle(episodes)
    return [step for name in episodes for step in EPISODES[name]]


class WeChatLine(requests.Session):
    """A requests session that counts calls per API path and plays the send script."""

    def __init__(self, sandbox: WeChatSandbox) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.calls: Counter[str] = Counter()
        self.steps: deque[str] = deque()

    def play(self, steps: list[str]) -> None:
        self.steps.extend(steps)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        path = urlsplit(str(url)).path
        self.calls[path] += 1
        if path == SEND and self.steps:
            step = self.steps.popleft()
            if step == "connect_timeout":
                raise requests.ConnectTimeout("scripted: WeChat unreachable")
            if step in _FAULTS:
                # Just in time: the sends are sequential, so this very call suffers it.
                self.sandbox.faults.add(FaultSpec(api=SEND, **_FAULTS[step]))
        return super().request(method, url, *args, **kwargs)


def wire(
    world: World, monkeypatch: Any, tokens: TokenStore | None = None
) -> Generator[WeChatLine, None, None]:
    """Start a sandbox and point the world's sender at it through the real client."""
    forget_tokens()
    box = WeChatSandbox(AccountStore(world.settings), "http://127.0.0.1:9", port=0)
    box.start()
    line = WeChatLine(box)
    secret = AccountStore(world.settings).get(APP_ID).secrets.app_secret
    client = WeChatClient(
        APP_ID,
        secret,
        tokens or DynamoTokenStore(world.settings),
        base_url=box.url,
        session=line,
        timeout=(1.0, READ_TIMEOUT),
    )
    monkeypatch.setattr(get_sender(), "wechat", lambda account: client)
    try:
        yield line
    finally:
        box.stop()
        line.close()
        forget_tokens()
