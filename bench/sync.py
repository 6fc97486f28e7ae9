"""Catalog sync benchmark: a 10k-follower account's tag pass on moto, WeChat calls and item writes
per run, first pass vs an unchanged second pass (the incremental rule), and runs per pass.

Prints one JSON object. moto is a correctness emulator: the figures that matter are calls and
writes (what WeChat's quota and DynamoDB bill count); wall time is reported for scale only.
Run: .venv/bin/python bench/sync.py
"""

from __future__ import annotations

import json
import time

import boto3
from _offline import ROOT
from moto import mock_aws

from wxengage.settings import Settings
from wxengage.store.catalog import CatalogStore
from wxengage.store.follower_tags import FollowerTagStore
from wxengage.sync.engine import MAX_FOLLOWERS_PER_RUN, sync_account
from wxengage.sync.models import Article, ArticleSource, Tag
from wxengage_local.aws import deploy

APP_ID = "wx0123456789abcdef"
NOW = 1_795_341_600
N = 10_000


class CountingWeChat:
    """WeChat's answers from memory, counting calls by API."""

    def __init__(self, tags: dict[str, tuple[int, ...]]) -> None:
        self.follower_tags = tags
        self.calls: dict[str, int] = {}

    def _count(self, api: str) -> None:
        self.calls[api] = self.calls.get(api, 0) + 1

    def tags(self) -> list[Tag]:
        self._count("tags/get")
        return [Tag(id=100, name="会员", count=N // 2)]

    def user_tags(self, openids: list[str]) -> dict[str, tuple[int, ...]]:
        self._count("user/info/batchget")
        return {o: self.follower_tags[o] for o in openids}

    def articles_page(
        self, source: ArticleSource, offset: int, count: int
    ) -> tuple[list[Article], int]:
        self._count(f"{source.value}/batchget")
        return [], 0


class CountingFollowers(FollowerTagStore):
    """The real store, counting conditional writes."""

    writes = 0

    def write(self, app_id: str, openid: str, tag_ids: tuple[int, ...], synced_at: str) -> bool:
        CountingFollowers.writes += 1
        return super().write(app_id, openid, tag_ids, synced_at)


def fill(settings: Settings) -> dict[str, tuple[int, ...]]:
    ddb = boto3.client("dynamodb")
    tags: dict[str, tuple[int, ...]] = {}
    items = []
    for i in range(N):
        openid = f"o-{i:07d}"
        tags[openid] = (100,) if i % 2 else ()
        items.append({"PutRequest": {"Item": {"app_id": {"S": APP_ID}, "openid": {"S": openid}}}})
        if len(items) == 25:
            ddb.batch_write_item(RequestItems={settings.followers_table: items})
            items = []
    return tags


def one_pass(settings: Settings, wechat: CountingWeChat, now: int, limit: int) -> dict[str, int]:
    CountingFollowers.writes = 0
    wechat.calls.clear()
    started, runs, seen = time.perf_counter(), 0, 0
    catalog, followers = CatalogStore(settings), CountingFollowers(settings)
    while True:
        runs += 1
        report = sync_account(APP_ID, wechat, catalog, followers, now, max_followers=limit)
        seen += report.followers_seen
        if report.pass_completed:
            break
    return {
        "runs": runs,
        "followers_seen": seen,
        "batchget_calls": wechat.calls.get("user/info/batchget", 0),
        "item_writes": CountingFollowers.writes,
        "wall_seconds_on_moto": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    with mock_aws():
        settings = Settings.from_stack_outputs(deploy(boto3.Session(), ROOT / "template.yaml"))
        wechat = CountingWeChat(fill(settings))
        # Runs bounded to 4,000 followers here so a 10k pass spans runs as a 100k one would at 20k.
        first = one_pass(settings, wechat, NOW, 4_000)
        second = one_pass(settings, wechat, NOW + 900, 4_000)
        changed = dict(wechat.follower_tags)
        for i in range(0, N, 100):  # 1% re-tagged in WeChat
            changed[f"o-{i:07d}"] = (100, 7)
        wechat.follower_tags = changed
        third = one_pass(settings, wechat, NOW + 1800, 4_000)
    print(
        json.dumps(
            {
                "benchmark": "sync",
                "followers": N,
                "max_followers_per_run_default": MAX_FOLLOWERS_PER_RUN,
                "first_pass": first,
                "unchanged_pass": second,
                "one_percent_retagged_pass": third,
                "baseline": "a write per follower per pass (first_pass.item_writes)",
            }
        )
    )


if __name__ == "__main__":
    main()
