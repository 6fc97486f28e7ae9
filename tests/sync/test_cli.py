"""`wxengage sync run`, `tags list`, `articles list` as an operator types them (times in the account zone)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.sync.conftest import NOW, SyncWorld
from wxengage_cli.main import cli


def wx(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_sync_run_then_tags_and_articles_read_the_copy(world: SyncWorld) -> None:
    # Given tags and articles in WeChat
    world.wechat_follower("o-ann", [100])
    world.stored_follower("o-ann")
    world.article("draft", "m1", "双十一预告", NOW - 3600)
    world.article("published", "a1", "会员日", NOW - 7200)
    # When the operator syncs now with the latest 500
    out = wx("sync", "run", "--app-id", world.app_id, "--articles", "500")
    # Then the function ran in the stack and says what it did
    assert f"synced {world.app_id}: 1 tags" in out
    assert "articles: 1 drafts, 1 published" in out
    assert "1 tag sets written; pass complete" in out
    # And the lists read the synced copy, times in Beijing time
    tags = wx("tags", "list", "--app-id", world.app_id)
    assert "tags as synced at 2026-11-22 18:00 +08:00" in tags
    assert "tag100" in tags
    articles = wx("articles", "list", "--app-id", world.app_id)
    assert "latest 500 of 1 drafts and 1 published" in articles
    lines = [line for line in articles.splitlines() if line.startswith(("draft", "published"))]
    assert lines[0].split()[:2] == ["draft", "m1"] and "2026-11-22 17:00 +08:00" in lines[0]
    assert lines[1].split()[:2] == ["published", "a1"]
    assert "2026-11-22T08:00:00Z" in wx("articles", "list", "--app-id", world.app_id, "--utc")
    rows = json.loads(wx("articles", "list", "--app-id", world.app_id, "--json"))
    assert rows[0]["id"] == "m1" and rows[0]["update_time_local"] == "2026-11-22 17:00 +08:00"
    assert rows[0]["items"][0]["title"] == "双十一预告"


def test_before_a_sync_the_lists_say_how_to_get_one(world: SyncWorld) -> None:
    out = wx("articles", "list", "--app-id", world.app_id)
    assert "not synced yet: run `wxengage sync run`" in out


def test_bad_input_is_refused_before_anything_runs(world: SyncWorld) -> None:
    assert "501 is not in the range" in wx(
        "sync", "run", "--app-id", world.app_id, "--articles", "501", ok=False
    )
    assert "wx00000000000000ff" in wx("sync", "run", "--app-id", "wx00000000000000ff", ok=False)
    assert "no account" in wx("tags", "list", "--app-id", "wx00000000000000ff", ok=False)


def test_seed_the_sandbox_with_the_cli_then_sync_and_list(world: SyncWorld) -> None:
    # Given an operator on the local stack adding a draft to the sandbox's WeChat
    sandbox = ["sandbox", "--sandbox-url", world.sandbox.url]
    out = wx(
        *sandbox, "articles", "add", "--app-id", world.app_id, "--id", "m9", "--title", "周末特惠"
    )
    assert f"draft m9 of {world.app_id}: 周末特惠" in out
    assert "周末特惠" in wx(*sandbox, "articles", "list", "--app-id", world.app_id)
    # When they sync / Then the engine's copy has it
    wx("sync", "run", "--app-id", world.app_id)
    assert "周末特惠" in wx("articles", "list", "--app-id", world.app_id)
    # And the sandbox refuses a bad item in one line
    bad = wx(
        *sandbox,
        "articles",
        "add",
        "--app-id",
        world.app_id,
        "--id",
        "有空格 x",
        "--title",
        "t",
        ok=False,
    )
    assert "sandbox refused: id:" in bad
