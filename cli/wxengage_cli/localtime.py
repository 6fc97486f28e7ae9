"""Times as the operator reads them: in the account's time zone with its offset, UTC on request.

Text output prints `2026-12-04 10:00 +08:00` (seconds only when they are not zero); `--utc`
prints the machine form `2026-12-04T02:00:00Z`. JSON keeps its UTC fields unchanged and adds
a `<field>_local` next to each, so scripts reading the old fields keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wxengage.clock import iso_z


def local_text(ts: float, timezone: str) -> str:
    """`2026-12-04 10:00 +08:00`: the instant in `timezone`, with the offset in force then."""
    moment = datetime.fromtimestamp(int(ts), tz=ZoneInfo(timezone))
    offset = moment.strftime("%z")  # +0800; a zone's offset is whole minutes
    clock = "%H:%M:%S" if moment.second else "%H:%M"
    return f"{moment.strftime('%Y-%m-%d ' + clock)} {offset[:3]}:{offset[3:]}"


def offset_text(ts: float, timezone: str) -> str:
    """The zone's offset at `ts`, `+08:00`."""
    return local_text(ts, timezone).rsplit(" ", 1)[1]


def parse_iso_z(text: str) -> int:
    """Epoch seconds of a `YYYY-MM-DDTHH:MM:SSZ` string (the form reports carry)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp())


@dataclass(frozen=True)
class Times:
    """How one command prints instants: the account's zone, or UTC when --utc was given."""

    timezone: str
    utc: bool = False

    def text(self, ts: float | None) -> str:
        """For text output; `-` when there is no time."""
        if ts is None:
            return "-"
        return iso_z(ts) if self.utc else local_text(ts, self.timezone)

    def text_of(self, iso: str | None) -> str:
        """The same for a report's `...Z` string."""
        return self.text(parse_iso_z(iso) if iso else None)

    def local(self, ts: float | None) -> str | None:
        """For JSON's `<field>_local`: always the account's zone (the UTC field is beside it)."""
        return None if ts is None else local_text(ts, self.timezone)

    def local_of(self, iso: str | None) -> str | None:
        """The same for a report's `...Z` string."""
        return self.local(parse_iso_z(iso) if iso else None)

    def zone(self, ts: float) -> str:
        """`Asia/Shanghai (+08:00)`, or `UTC` under --utc: what a header says times are in."""
        return "UTC" if self.utc else f"{self.timezone} ({offset_text(ts, self.timezone)})"
