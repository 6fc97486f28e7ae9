"""Faults on demand: the next K calls of an API get an errcode, a late answer, or none at all."""

from __future__ import annotations

import threading
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FaultSpec(BaseModel):
    """One fault: an errcode instead of the call, a slow answer, or no answer at all (the last
    two with or without the effect)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api: str = Field(pattern=r"^/[A-Za-z0-9_./-]*$", max_length=200)
    errcode: int | None = None
    errmsg: str | None = Field(default=None, max_length=200)
    timeout_seconds: float | None = Field(default=None, gt=0, le=300)
    # The connection closes without an answer: the caller sees a transport error at once.
    drop: bool = False
    times: int = Field(default=1, ge=1, le=100_000)
    # With timeout_seconds or drop: the call takes effect before the answer is lost (WeChat
    # has it, the caller does not know).
    applied: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = (self.errcode is not None) + (self.timeout_seconds is not None) + self.drop
        if kinds != 1:
            raise ValueError("give one of errcode, timeout_seconds or drop")
        if self.applied and self.errcode is not None:
            raise ValueError("applied goes with timeout_seconds or drop")
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
            return [_view(spec) | {"times": left} for spec, left in self._pending]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._pending.clear()


def _view(spec: FaultSpec) -> dict[str, Any]:
    view = spec.model_dump(exclude_none=True)
    if not spec.drop:
        del view["drop"]  # listings of the older kinds read as they always did
    return view
