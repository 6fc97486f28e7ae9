"""Errors every layer shares: the one conflict a conditional write reports."""

from __future__ import annotations


class ConflictError(RuntimeError):
    """Someone else changed the item since it was read (a conditional write lost): read again, retry."""
