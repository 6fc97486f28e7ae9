"""The base of the engine's stored records: every change is a validated copy."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel


class Record(BaseModel):
    """A stored record whose every change is validated (a misspelt field raises, never vanishes)."""

    def _changed(self, **changes: Any) -> Self:
        # Only for the subclasses' typed methods, each naming the fields it changes.
        unknown = changes.keys() - type(self).model_fields.keys()
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no field {sorted(unknown)}")
        return self.model_validate(dict(self) | changes)
