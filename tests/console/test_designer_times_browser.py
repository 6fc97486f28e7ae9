"""The designer's time math in a real headless Chromium: a wall time typed in the account's zone
becomes an ISO instant with that zone's offset at that instant (Intl's zone data; no DST rule
assumed), and a wall time a DST gap skips has no instant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.test_browser import browser, local, wait_for
from wxengage.settings import Settings
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack
__all__ = ["browser", "local"]  # the fixtures, shared with test_browser.py


@pytest.mark.parametrize(
    ("wall", "zone", "iso"),
    [
        ("2026-12-04 10:00", "Asia/Shanghai", "2026-12-04T10:00:00+08:00"),
        ("2026-01-01 00:00", "Asia/Kolkata", "2026-01-01T00:00:00+05:30"),
        ("2026-07-01 12:00", "Europe/London", "2026-07-01T12:00:00+01:00"),  # summer time
        ("2026-12-01 12:00", "Europe/London", "2026-12-01T12:00:00+00:00"),
        ("2026-03-08 03:30", "America/New_York", "2026-03-08T03:30:00-04:00"),
        ("2026-03-08 02:30", "America/New_York", None),  # skipped by the spring DST gap
        ("2026-10-04 02:30", "Australia/Sydney", None),
        ("2026-13-01 00:00", "UTC", None),
    ],
)
def test_the_designer_turns_a_wall_time_in_the_account_zone_into_iso_with_its_offset(
    browser: Any, local: tuple[LocalRun, Settings], wall: str, zone: str, iso: str | None
) -> None:
    # Given the console loaded in Chromium (its Intl time zone data)
    browser.get(f"{local[0].stack.webhook_base_url}/console")
    wait_for(browser, "#app h2")
    # When the designer converts the wall time typed in the zone
    got = browser.execute_script(
        "return WXDesignerSpec.isoInZone(arguments[0], arguments[1])", wall, zone
    )
    # Then the instant carries the zone's offset at that instant, or none exists there
    assert got == iso
    if iso is not None:  # and it reads back as the same wall time
        back = browser.execute_script(
            "return WXDesignerSpec.wallText(arguments[0], arguments[1])", iso, zone
        )
        assert back == wall
