"""Every sample in events/webhook/ works through the handler for the documented sample account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.webhook.conftest import Invoke
from wxengage.accounts import Account, AccountSecrets, AccountSettings, MessageMode
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore

EVENTS = sorted((ROOT / "events/webhook").glob("*.json"))


def register_sample(settings: Settings, mode: MessageMode) -> None:
    """The sample account of events/README.md."""
    AccountStore(settings).put(
        Account(
            settings=AccountSettings(app_id="wx134c8103faa5a59e", mode=mode, freshness_seconds=0),
            secrets=AccountSecrets.model_validate(
                {
                    "token": "AAAAA",
                    "aes_key": "A" * 43,
                    "app_secret": "0123456789abcdef0123456789abcdef",
                }
            ),
        )
    )


def sample_mode(path: Path) -> MessageMode:
    """The mode a sample was made for (events/README.md): a sample's name says it."""
    for mode in MessageMode:
        if f"-{mode.value}-" in path.stem:
            return mode
    return MessageMode.SAFE


@pytest.mark.parametrize("path", EVENTS, ids=[p.stem for p in EVENTS])
def test_sample_event_is_accepted(stack: Settings, invoke: Invoke, path: Path) -> None:
    # Given the sample account of events/README.md, in the mode the sample was made for
    register_sample(stack, sample_mode(path))
    event = json.loads(path.read_text())
    # When the sample is invoked
    resp = invoke(event)
    # Then it is answered 200 with echostr or success
    expected = (
        "4375120948345356249" if event["requestContext"]["http"]["method"] == "GET" else "success"
    )
    assert (resp["statusCode"], resp["body"]) == (200, expected)


def test_there_is_a_sample_for_every_route_and_mode() -> None:
    names = {p.stem for p in EVENTS}
    assert {"get-verify", "post-plaintext-text", "post-compatible-text", "post-safe-text"} <= names


def test_the_plaintext_sample_is_refused_by_a_compatible_account(
    stack: Settings, invoke: Invoke
) -> None:
    # Given the sample account in compatible mode, where WeChat always sends the ciphertext too
    register_sample(stack, MessageMode.COMPATIBLE)
    # When the plaintext-only sample is invoked
    resp = invoke(json.loads((ROOT / "events/webhook/post-plaintext-text.json").read_text()))
    # Then it is refused with a reason, and no window was opened
    assert resp["statusCode"] == 400
    assert "compatible mode" in resp["body"]
    assert FollowerStore(stack).get("wx134c8103faa5a59e", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY") is None


def test_the_safe_text_sample_opens_a_window(stack: Settings, invoke: Invoke) -> None:
    # Given the sample account
    register_sample(stack, MessageMode.SAFE)
    # When the safe-mode text sample is invoked
    invoke(json.loads((ROOT / "events/webhook/post-safe-text.json").read_text()))
    # Then the sample follower has a 48-hour window from the sample's CreateTime
    state = FollowerStore(stack).get("wx134c8103faa5a59e", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY")
    assert state is not None and state.window_closes_at == 1715943329 + 48 * 3600
