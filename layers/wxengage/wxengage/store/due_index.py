"""The recalls table's due index: partitions by account and UTC day, keys by due time."""

from __future__ import annotations

from wxengage.clock import iso_z

DUE_INDEX = "due"
__all__ = ["DUE_INDEX", "due_bucket", "due_time_of"]


def due_bucket(app_id: str, ts: int) -> str:
    """The due index partition for one account and one UTC day.

    A day, not a minute: the sweep reads what came due since its checkpoint with one Query per
    day spanned (a range on due_key), so catching up after a leap or an outage costs what is
    due, not one Query per minute elapsed. Writes are no hotter than with minute partitions:
    every recall planned in the same moment lands in the same minute anyway.
    """
    return f"{app_id}#{iso_z(ts)[:10]}"


def due_time_of(index_key: str) -> int:
    """The time a due_key files its row at (the due time, or a claim's deadline)."""
    return int(index_key.split("#", 1)[0])
