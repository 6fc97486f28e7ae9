"""Audiences: resolving groups without overlaps, drawing seeded samples, cutting batches."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterable

from wxengage.broadcast.spec import CampaignSpec, Group
from wxengage.broadcast.state import GroupReport

MAX_BATCH = 10_000  # WeChat's mass/send takes 2..10,000 openids
MIN_BATCH = 2
_CLIENTMSGID_MAX = 64


def resolve_groups(
    spec: CampaignSpec,
    everyone: Callable[[], Iterable[str]],
    tagged: Callable[[int], Iterable[str]],
    *,
    dedupe: bool = True,
) -> tuple[dict[str, list[str]], dict[str, GroupReport]]:
    """Each group's openids, a follower in the first group (in order) that claims them.

    'remaining' takes every follower no other group has, wherever it stands in the order.
    Without `dedupe` (sendall by tag: WeChat reaches every follower under the tag, whatever
    other groups hold) each group keeps all it matched.
    """
    claimed: set[str] = set()
    lists: dict[str, list[str]] = {}
    reports: dict[str, GroupReport] = {}
    all_followers: list[str] | None = None

    def followers() -> list[str]:
        nonlocal all_followers
        if all_followers is None:
            all_followers = list(dict.fromkeys(everyone()))
        return all_followers

    for group in spec.groups:
        if group.audience.kind == "remaining":
            continue
        found = _matching(group, followers, tagged)
        keep = [o for o in found if o not in claimed]
        if dedupe:
            claimed.update(keep)
        lists[group.name] = keep
        reports[group.name] = GroupReport(
            resolved=len(found), overlap_removed=len(found) - len(keep), audience=len(keep)
        )
    for group in spec.groups:
        if group.audience.kind == "remaining":
            every = followers()
            keep = [o for o in every if o not in claimed]
            lists[group.name] = keep
            reports[group.name] = GroupReport(
                resolved=len(every), overlap_removed=len(every) - len(keep), audience=len(keep)
            )
    return {g.name: lists[g.name] for g in spec.groups}, reports


def _matching(
    group: Group, followers: Callable[[], list[str]], tagged: Callable[[int], Iterable[str]]
) -> list[str]:
    if group.audience.kind == "all":
        return followers()
    # A follower under two of the group's tags is one follower.
    return list(dict.fromkeys(o for tag in group.audience.tags for o in tagged(tag)))


def draw_samples(
    openids: list[str], ratios: list[float], seed: int, group: str
) -> tuple[list[list[str]], list[str]]:
    """Random disjoint samples (one per ratio, of the group) and the rest, reproducible from the seed."""
    pool = sorted(openids)  # independent of the order WeChat paged them in
    # Not for secrecy: a seeded draw anyone can re-run to explain who got which variant.
    random.Random(f"{seed}:{group}").shuffle(pool)  # noqa: S311
    samples: list[list[str]] = []
    at = 0
    for ratio in ratios:
        size = math.floor(ratio * len(pool))
        samples.append(pool[at : at + size])
        at += size
    return samples, pool[at:]


def batch_bounds(n: int) -> list[tuple[int, int]]:
    """(start, size) of ceil(n / 10,000) batches of near-equal size, each within 2..10,000.

    Near-equal, not 10,000 then the rest: a last batch of one openid would be refused (40130).
    """
    if n < MIN_BATCH:
        return []
    count = math.ceil(n / MAX_BATCH)
    base, extra = divmod(n, count)
    bounds, start = [], 0
    for i in range(count):
        size = base + (1 if i < extra else 0)
        bounds.append((start, size))
        start += size
    return bounds


def clientmsgid(campaign_id: str, leg: str, number: int) -> str:
    """The batch's idempotency key: campaign, group, variant (the leg key) and batch number."""
    value = f"{campaign_id}-{leg}-{number}"
    if len(value.encode()) <= _CLIENTMSGID_MAX:
        return value
    return hashlib.sha256(value.encode()).hexdigest()[:_CLIENTMSGID_MAX]
