"""Faults on demand: the next K calls of an API fail with an errcode, or answer too late."""

from __future__ import annotations

import threading
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FaultSpec(BaseModel):
    """One fault: an errcode instead of the call, or a slow answer (with or without the effect)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api: str = Field(pattern=r"^/[A-Za-z0-9_./-]*$", max_length=200)
    errcode: int | None = None
    errmsg: str | None = Field(default=None, max_length=200)
    timeout_seconds: float | None = Field(default=None, gt=0, le=300)
    times: int = Field(default=1, ge=1, le=100_000)
    # Only with timeout_seconds: the call takes effect before the slow answer (sent, yet timed out).
    applied: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.errcode is None) == (self.timeout_seconds is None):
            raise ValueError("give errcode or timeout_seconds, not both")
        if self.applied and self.timeout_seconds is None:
            raise ValueError("applied goes with timeout_seconds")
        if self.api.startswith("/_sandbox"):
            raise ValueError("faults apply to WeChat's APIs, not the sandbox's own")
        return self


class Faults:
    """Pending faults per API path, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[FaultSpec, int]] = []

    def add(self, spec: FaultSpec) -> None:
        """Queue a fault for the next `spec.times` calls of its API."""
        with self._lock:
            self._pending.append((spec, spec.times))

    def take(self, api: str) -> FaultSpec | None:
        """The fault this call of `api` suffers, if any; each pending call is handed out once."""
        with self._lock:
            for index, (spec, left) in enumerate(self._pending):
                if spec.api == api:
                    if left > 1:
                        self._pending[index] = (spec, left - 1)
                    else:
                        del self._pending[index]
                    return spec
        return None

    def pending(self) -> list[dict[str, Any]]:
        """The faults still waiting, with how many calls each still hits."""
        with self._lock:
            return [
                spec.model_dump(exclude_none=True) | {"times": left} for spec, left in self._pending
            ]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._pending.clear()
