"""Audiences: disjoint groups in group order, 'remaining' is exactly the rest, batches and ids."""

from __future__ import annotations

import math

import pytest

from wxengage.broadcast.audience import batch_bounds, clientmsgid, draw_samples, resolve_groups
from wxengage.broadcast.spec import CampaignSpec

FOLLOWERS = [f"o{i:03d}" for i in range(100)]
TAGS = {1: FOLLOWERS[0:40], 2: FOLLOWERS[30:70], 3: FOLLOWERS[60:65] + FOLLOWERS[0:5]}


def text_group(name: str, audience: object) -> dict[str, object]:
    return {"name": name, "audience": audience, "content": {"type": "text", "content": "hi"}}


def test_overlapping_tags_give_disjoint_groups_in_order_and_remaining_gets_the_rest() -> None:
    # Given tags 1 and 2 overlapping on o030..o039, tag 3 inside both, and a remaining group first
    spec = CampaignSpec.model_validate(
        {
            "name": "n",
            "groups": [
                text_group("rest", "remaining"),
                text_group("t1", {"tags": [1]}),
                text_group("t2", {"tags": [2, 3]}),
            ],
        }
    )
    # When resolved
    lists, reports = resolve_groups(spec, lambda: iter(FOLLOWERS), lambda tag: iter(TAGS[tag]))
    # Then t1 keeps all of tag 1, t2 only what t1 did not take, and 'rest' exactly the others
    assert lists["t1"] == FOLLOWERS[0:40]
    assert lists["t2"] == FOLLOWERS[40:70]
    assert set(lists["rest"]) == set(FOLLOWERS) - set(FOLLOWERS[0:70])
    assert sum(len(v) for v in lists.values()) == len(FOLLOWERS)
    # tag 2 (40) and tag 3 (5 new: o000..o004) match 45, of which o030..o039 and o000..o004 were t1's
    assert reports["t2"].resolved == 45 and reports["t2"].overlap_removed == 15
    assert reports["rest"].audience == 30


def test_samples_are_disjoint_sized_by_ratio_and_reproducible_from_the_seed() -> None:
    # Given 1,000 followers and two 10% variants
    openids = [f"o{i:04d}" for i in range(1000)]
    # When drawn twice with the same seed (once from a shuffled copy) and once with another
    (a, b), rest = draw_samples(openids, [0.1, 0.1], seed=42, group="vip")
    (a2, b2), _ = draw_samples(list(reversed(openids)), [0.1, 0.1], seed=42, group="vip")
    (a3, _), _ = draw_samples(openids, [0.1, 0.1], seed=43, group="vip")
    # Then the samples are 100 each, disjoint, the rest is everyone else, and the seed explains them
    assert (len(a), len(b), len(rest)) == (100, 100, 800)
    assert set(a).isdisjoint(b) and set(a) | set(b) | set(rest) == set(openids)
    assert (a, b) == (a2, b2)
    assert a != a3


@pytest.mark.parametrize("n", [2, 3, 9_999, 10_000, 10_001, 20_000, 25_001, 1_000_000])
def test_batches_are_ceil_n_over_10000_each_within_2_to_10000(n: int) -> None:
    # Given n openids / When cut into batches
    bounds = batch_bounds(n)
    # Then there are ceil(n / 10,000) batches covering every openid once, none outside 2..10,000
    assert len(bounds) == math.ceil(n / 10_000)
    assert sum(size for _, size in bounds) == n
    assert all(2 <= size <= 10_000 for _, size in bounds)
    assert [start for start, _ in bounds] == [
        sum(s for _, s in bounds[:i]) for i in range(len(bounds))
    ]


def test_a_single_follower_cannot_be_batched() -> None:
    # Given one openid / When cut / Then no batch: WeChat refuses fewer than 2 (40130)
    assert batch_bounds(1) == [] and batch_bounds(0) == []


def test_clientmsgids_are_distinct_per_batch_and_at_most_64_bytes() -> None:
    # Given every batch of two legs / When their ids are made
    ids = [clientmsgid("cabcdefghijk", leg, n) for leg in ("g0v0", "g0v1") for n in range(1, 101)]
    # Then each is unique, stable and fits WeChat's 64 bytes
    assert len(set(ids)) == 200
    assert ids[0] == "cabcdefghijk-g0v0-1" == clientmsgid("cabcdefghijk", "g0v0", 1)
    assert all(len(i.encode()) <= 64 for i in ids)
    assert len(clientmsgid("c" * 64, "g0v0", 1).encode()) == 64
