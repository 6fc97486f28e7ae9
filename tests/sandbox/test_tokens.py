"""The sandbox's two token families behave as WeChat documents them (sandbox/tokens.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import FakeClock
from tests.sandbox import APP_ID, APP_SECRET, Harness, running_sandbox

LIST_TAGS = "/cgi-bin/tags/get"


@pytest.fixture
def wx(fake_clock: FakeClock) -> Iterator[Harness]:
    with running_sandbox() as harness:
        yield harness


def classic(wx: Harness) -> str:
    params = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    answer = requests.get(f"{wx.url}/cgi-bin/token", params=params, timeout=5).json()
    return str(answer["access_token"])


def stable(wx: Harness, **extra: Any) -> dict[str, Any]:
    body = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET, **extra}
    answer: dict[str, Any] = requests.post(
        f"{wx.url}/cgi-bin/stable_token", json=body, timeout=5
    ).json()
    return answer


def errcode(wx: Harness, token: str) -> int:
    """What an API answers to a call made with `token` (0 when the token is accepted)."""
    resp = requests.get(f"{wx.url}{LIST_TAGS}", params={"access_token": token}, timeout=5)
    return int(resp.json().get("errcode", 0))


def test_the_two_families_are_isolated(wx: Harness) -> None:
    # Given a stable token
    held = stable(wx)["access_token"]
    # When /cgi-bin/token is called three times
    for _ in range(3):
        classic(wx)
    # Then the stable token is untouched: the same one comes back and it still works
    assert stable(wx)["access_token"] == held
    assert errcode(wx, held) == 0


def test_a_new_classic_token_leaves_the_old_one_five_minutes(
    wx: Harness, fake_clock: FakeClock
) -> None:
    # Given a classic token, then a second one
    first = classic(wx)
    second = classic(wx)
    # Then both work for five minutes, after which only the new one does
    assert (errcode(wx, first), errcode(wx, second)) == (0, 0)
    fake_clock.advance(299)
    assert errcode(wx, first) == 0
    fake_clock.advance(1)
    assert (errcode(wx, first), errcode(wx, second)) == (40001, 0)


def test_normal_mode_keeps_one_token_and_counts_down(wx: Harness, fake_clock: FakeClock) -> None:
    # Given a stable token
    first = stable(wx)
    # When asked again an hour later
    fake_clock.advance(3600)
    again = stable(wx)
    # Then it is the same token with an hour less to live
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == first["expires_in"] - 3600


def test_normal_mode_rotates_near_expiry_and_the_old_lives_to_its_end(
    wx: Harness, fake_clock: FakeClock
) -> None:
    # Given a stable token with four minutes left
    old = stable(wx)["access_token"]
    fake_clock.advance(7200 - 240)
    # When asked again
    new = stable(wx)["access_token"]
    # Then a new token comes back and the old one works until its own expiry, then says 42001
    assert new != old
    assert errcode(wx, old) == 0
    fake_clock.advance(240)
    assert (errcode(wx, old), errcode(wx, new)) == (42001, 0)


def test_a_forced_refresh_kills_the_old_token_at_once(wx: Harness) -> None:
    # Given a stable token
    old = stable(wx)["access_token"]
    # When a forced refresh is asked for
    new = stable(wx, force_refresh=True)["access_token"]
    # Then the old token is refused at once and the new one works
    assert new != old
    assert (errcode(wx, old), errcode(wx, new)) == (40001, 0)


def test_forced_refreshes_are_twenty_a_day(wx: Harness, fake_clock: FakeClock) -> None:
    # Given twenty forced refreshes today
    for _ in range(20):
        assert "access_token" in stable(wx, force_refresh=True)
    # Then the twenty-first is refused with the daily-quota code, and a day later it works again
    assert stable(wx, force_refresh=True)["errcode"] == 45009
    fake_clock.advance(86_400)
    assert "access_token" in stable(wx, force_refresh=True)


@pytest.mark.parametrize("value", ["true", "false", 1, 0, None])
def test_force_refresh_must_be_a_json_boolean(wx: Harness, value: object) -> None:
    # Given a stable token
    held = stable(wx)["access_token"]
    # When force_refresh is sent as anything but true/false
    answer = stable(wx, force_refresh=value)
    # Then it is refused and the token is unchanged
    assert answer["errcode"] == 47001
    assert errcode(wx, held) == 0


def test_false_is_normal_mode(wx: Harness) -> None:
    # Given a stable token / When asked again with force_refresh false / Then the same token
    held = stable(wx)["access_token"]
    assert stable(wx, force_refresh=False)["access_token"] == held
