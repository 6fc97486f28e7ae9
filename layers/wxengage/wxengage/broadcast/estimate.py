"""A campaign's audiences estimated before it starts, from the synced copy only (never WeChat).

The groups are resolved by `resolve_groups`, as segmenting will resolve them, over the followers
whose tags the store knows; the counts are then scaled to WeChat's follower total and capped by
WeChat's own tag counts (`estimate_group_sizes`, an upper bound).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.audience import resolve_groups
from wxengage.broadcast.budget import estimate_group_sizes
from wxengage.broadcast.spec import CampaignSpec

# What the figures rest on (codes, so the page words them in its own language):
#   store_followers     the followers this engine has seen (audience_source store): exact
#   synced_tags         the followers whose tags were synced, not scaled (they are all of them,
#                       or WeChat's total is not known)
#   synced_tags_scaled  the same, scaled to WeChat's follower total
#   wechat_counts       no follower's tags synced yet: only WeChat's counts (upper bounds)
#   nothing_synced      nothing synced: no figure
Source = Literal[
    "store_followers", "synced_tags", "synced_tags_scaled", "wechat_counts", "nothing_synced"
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class VariantEstimate(_Out):
    name: str
    ratio: float
    estimated: int | None  # floor(ratio x group), as the seeded draw takes it


class GroupEstimate(_Out):
    name: str
    kind: str  # all | tags | remaining
    estimated: int | None  # followers the group will send to, overlaps removed
    upper_bound: int | None  # from WeChat's counts, before overlaps
    removed_by_overlap: int | None  # matched, but an earlier group (in order) has them
    variants: list[VariantEstimate]
    rest_estimated: int | None  # an A/B group's rest: the winner's audience


class Overlap(_Out):
    """Followers two groups both match (before the later one gives them up)."""

    first: str
    second: str
    followers: int | None


class Estimate(_Out):
    followers_total: int | None
    known_followers: int  # followers the figures were counted on
    source: Source
    groups: list[GroupEstimate]
    overlaps: list[Overlap]


def estimate_audiences(
    spec: CampaignSpec,
    known: Mapping[str, tuple[int, ...]],
    *,
    followers_total: int | None,
    tag_counts: Mapping[int, int] | None,
    dedupe: bool = True,
) -> Estimate:
    """Each group's size, variant samples and pairwise overlaps.

    `known`: openid -> tag ids of the subscribed followers counted on (for audience_source
    store, the followers this engine has seen; their tags do not matter). `followers_total`:
    WeChat's follower total (None: not synced). `tag_counts`: WeChat's count per tag id (None:
    tags never synced). `dedupe` False: a subscription account's sendall by tag, where a
    follower under two groups' tags gets both (as prepare.py resolves it).
    """
    store = spec.audience_source == "store"
    n = len(known)
    total = n if store else followers_total
    source = _source(store, n, followers_total, tag_counts)
    scale = total / n if total is not None and n and total > n else 1.0
    bounds = _upper_bounds(spec, total, tag_counts or {}) if not store else {}

    def scaled(value: int) -> int:
        return round(value * scale)

    counted = n > 0 or store
    index: dict[int, list[str]] = {}
    for openid, tags in known.items():
        for tag in dict.fromkeys(tags):
            index.setdefault(tag, []).append(openid)
    _, reports = resolve_groups(spec, lambda: known, lambda tag: index.get(tag, []), dedupe=dedupe)

    groups: list[GroupEstimate] = []
    for g in spec.groups:
        bound = n if store else bounds.get(g.name)
        estimated: int | None = None
        removed: int | None = None
        if counted:
            estimated = scaled(reports[g.name].audience)
            removed = scaled(reports[g.name].overlap_removed)
            if estimated is not None and bound is not None:
                estimated = min(estimated, bound)
        elif g.audience.kind == "all":
            estimated = total
        variants: list[VariantEstimate] = []
        rest: int | None = None
        if g.ab_test is not None:
            for v in g.ab_test.variants:
                sample = None if estimated is None else math.floor(v.ratio * estimated)
                variants.append(VariantEstimate(name=v.name, ratio=v.ratio, estimated=sample))
            if estimated is not None:
                rest = estimated - sum(v.estimated or 0 for v in variants)
        groups.append(
            GroupEstimate(
                name=g.name,
                kind=g.audience.kind,
                estimated=estimated,
                upper_bound=bound,
                removed_by_overlap=removed,
                variants=variants,
                rest_estimated=rest,
            )
        )
    return Estimate(
        followers_total=total,
        known_followers=n,
        source=source,
        groups=groups,
        overlaps=_overlaps(spec, index, scaled if counted else None),
    )


def _source(store: bool, n: int, total: int | None, tag_counts: Mapping[int, int] | None) -> Source:
    if store:
        return "store_followers"
    if n == 0:
        return "nothing_synced" if total is None and tag_counts is None else "wechat_counts"
    return "synced_tags_scaled" if total is not None and total > n else "synced_tags"


def _upper_bounds(
    spec: CampaignSpec, total: int | None, tag_counts: Mapping[int, int]
) -> dict[str, int | None]:
    """Before overlaps: all = the total; tags = the sum of their counts (capped at the total);
    remaining = the total less the largest single tag another group takes."""
    if total is None and not tag_counts:
        return {}
    # Without a total, the sum of every count caps nothing and keeps the tag groups' sums.
    cap = total if total is not None else sum(tag_counts.values())
    sizes = estimate_group_sizes(spec, cap, dict(tag_counts))
    out: dict[str, int | None] = {}
    for g in spec.groups:
        if g.audience.kind == "tags" and tag_counts:
            out[g.name] = sizes[g.name]
        elif g.audience.kind == "all":
            out[g.name] = total
        elif g.audience.kind == "remaining" and total is not None:
            largest = max(
                (tag_counts.get(t, 0) for o in spec.groups for t in o.audience.tags), default=0
            )
            out[g.name] = max(0, total - largest)
        else:
            out[g.name] = None
    return out


def _overlaps(
    spec: CampaignSpec,
    index: Mapping[int, list[str]],
    scaled: Callable[[int], int] | None,
) -> list[Overlap]:
    """Each pair of tag groups, in group order, and the followers both match."""
    tagged = [g for g in spec.groups if g.audience.kind == "tags"]
    members = {g.name: {o for t in g.audience.tags for o in index.get(t, [])} for g in tagged}
    out: list[Overlap] = []
    for i, first in enumerate(tagged):
        for second in tagged[i + 1 :]:
            both = len(members[first.name] & members[second.name])
            followers = None if scaled is None else scaled(both)
            out.append(Overlap(first=first.name, second=second.name, followers=followers))
    return out
