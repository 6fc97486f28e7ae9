"""A leg by the name an operator reads (`vip/A`, `vip/winner`, `rest`) or by its internal key (`g0v1`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from wxengage.broadcast.schedule import LegKind, leg_key
from wxengage.broadcast.spec import CampaignSpec


class UnknownLegError(ValueError):
    """No leg (or more than one) answers to the name; the message lists the campaign's legs."""


@dataclass(frozen=True)
class LegName:
    """One leg's internal key and the label status prints."""

    key: str
    label: str
    kind: LegKind


def leg_names(spec: CampaignSpec) -> list[LegName]:
    """Every leg the spec makes, in campaign order (a draft's too: keys come from the spec)."""
    out: list[LegName] = []
    for gi, group in enumerate(spec.groups):
        if group.ab_test is None:
            out.append(LegName(leg_key(gi, LegKind.GROUP), group.name, LegKind.GROUP))
            continue
        for vi, variant in enumerate(group.ab_test.variants):
            out.append(
                LegName(
                    leg_key(gi, LegKind.VARIANT, vi),
                    f"{group.name}/{variant.name}",
                    LegKind.VARIANT,
                )
            )
        out.append(LegName(leg_key(gi, LegKind.WINNER), f"{group.name}/winner", LegKind.WINNER))
    return out


def fold(name: str) -> str:
    """A name as compared when typed: case aside, and full-width forms a Chinese input method
    types (full-width letters and slash, U+FF01..U+FF5E) read as their ASCII twins (NFKC)."""
    return unicodedata.normalize("NFKC", name).casefold()


def resolve_leg(spec: CampaignSpec, name: str) -> str:
    """The key of the leg called `name`: its key, its label, or its label folded (`fold`).

    An A/B group's bare name is ambiguous (its variants and winner send); the error says so.
    """
    legs = leg_names(spec)
    wanted = name.strip()
    exact = {leg.key for leg in legs if wanted in (leg.key, leg.label)}
    if len(exact) == 1:
        return exact.pop()
    folded = {leg.key for leg in legs if fold(wanted) == fold(leg.label)}
    if not exact and len(folded) == 1:
        return folded.pop()
    choices = ", ".join(f"{leg.label} ({leg.key})" for leg in legs)
    if len(exact) > 1 or len(folded) > 1:
        raise UnknownLegError(f"leg {name!r} is ambiguous: name one of {choices}")
    grouped = [leg for leg in legs if fold(leg.label).startswith(f"{fold(wanted)}/")]
    if grouped:
        which = ", ".join(leg.label for leg in grouped)
        raise UnknownLegError(f"group {name!r} has an A/B test: name one of its legs ({which})")
    raise UnknownLegError(f"campaign has no leg {name!r}: its legs are {choices}")


def leg_label(spec: CampaignSpec, key: str) -> str:
    """The label of the leg `key` (the key itself if the spec has no such leg)."""
    return next((leg.label for leg in leg_names(spec) if leg.key == key), key)
