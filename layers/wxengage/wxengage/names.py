"""Names operators give things (rules, campaigns, groups, variants): printable text in any language."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field


def printable(value: str) -> str:
    """The name as given; ValueError for spaces, control or invisible characters."""
    # Names show up in tables, CSV files, chart labels and CLI arguments (--name): letters of
    # any script, digits and punctuation, but no spaces, control or invisible characters.
    if not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError(
            "a name holds letters (any language), digits and punctuation, with no spaces"
        )
    return value


DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="A name in any language, e.g. 48小时召回"),
    AfterValidator(printable),
]
