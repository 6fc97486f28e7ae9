"""The designer's estimate over the synced copy: which followers count, paging, the read's bound."""

from __future__ import annotations

import pytest

from wxengage.accounts import AccountType
from wxengage.broadcast.spec import CampaignSpec
from wxengage.console import routes_designer
from wxengage.console.routes_designer import synced_estimate
from wxengage.sync.models import Article, StoredTags, SyncState, Tag

APP = "wx0000000000000001"


class Catalog:
    def __init__(self, state: SyncState | None, tags: list[Tag]) -> None:
        self._state, self._tags = state, tags

    def state(self, app_id: str) -> SyncState | None:
        return self._state

    def tags(self, app_id: str) -> list[Tag]:
        return self._tags

    def articles(self, app_id: str) -> list[Article]:
        return []


class Followers:
    """Pages of at most 2, as DynamoDB may answer fewer than asked before the end (1 MB)."""

    def __init__(self, followers: list[StoredTags]) -> None:
        self._all = sorted(followers, key=lambda f: f.openid)
        self.reads = 0

    def page(self, app_id: str, after: str, limit: int) -> list[StoredTags]:
        self.reads += 1
        return [f for f in self._all if f.openid > after][: min(limit, 2)]


def spec(source: str = "wechat") -> CampaignSpec:
    text = {"type": "text", "content": "hi"}
    groups = (
        [{"name": "全部", "audience": "all", "content": text}]
        if source == "store"
        else [
            {"name": "会员", "audience": {"tags": [1]}, "content": text},
            {"name": "其他", "audience": "remaining", "content": text},
        ]
    )
    return CampaignSpec.model_validate({"name": "c", "groups": groups, "audience_source": source})


FOLLOWERS = [
    StoredTags(openid="o1", tag_ids=(1,)),
    StoredTags(openid="o2", tag_ids=()),
    StoredTags(openid="o3", tag_ids=(1,), subscribed=False),  # left: not counted
    StoredTags(openid="o4"),  # tags never synced: not counted (unless audience_source store)
    StoredTags(openid="o5", tag_ids=(1,)),
]
STATE = SyncState(app_id=APP, tags_synced_at=100, followers_total=6, pass_completed_at=90)


def run(
    source: str = "wechat", followers: Followers | None = None
) -> routes_designer.EstimateAnswer:
    return synced_estimate(
        APP,
        spec(source),
        account_type=AccountType.SERVICE,
        timezone="Asia/Shanghai",
        catalog=Catalog(STATE, [Tag(id=1, name="会员", count=4)]),
        follower_tags=followers or Followers(FOLLOWERS),
    )


def test_subscribed_followers_with_synced_tags_count_across_short_pages() -> None:
    # Given pages of 2 (fewer than asked), o3 unsubscribed and o4 never tag-synced
    reader = Followers(FOLLOWERS)
    e = run(followers=reader)
    # Then o1 o2 o5 count, read to the empty page; x2 to WeChat's 6: 会员 o1 o5 -> 4, the rest 2
    assert (e.known_followers, e.source, e.sampled) == (3, "synced_tags_scaled", False)
    assert reader.reads == 4
    assert [(g.name, g.estimated) for g in e.groups] == [("会员", 4), ("其他", 2)]
    assert (e.synced_at, e.pass_completed_at, e.timezone) == (100, 90, "Asia/Shanghai")
    # And create would accept it: tag 1 is synced, its times are now
    assert (e.problems, e.refusal) == ([], None)


def test_the_followers_this_engine_has_seen_count_whatever_their_tags() -> None:
    e = run("store")
    assert (e.known_followers, e.source) == (4, "store_followers")
    assert e.groups[0].estimated == 4


def test_the_read_stops_at_its_bound_and_says_it_sampled(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a bound of 2 followers read
    monkeypatch.setattr(routes_designer, "MAX_SCANNED", 2)
    reader = Followers(FOLLOWERS)
    e = run(followers=reader)
    # Then only o1 o2 are read (one page), and the answer says it is a sample
    assert (e.known_followers, e.sampled, reader.reads) == (2, True, 1)


def test_a_subscription_accounts_refusal_comes_with_the_figures() -> None:
    # Given a subscription account and a spec with a 'remaining' group
    e = synced_estimate(
        APP,
        spec(),
        account_type=AccountType.SUBSCRIPTION,
        timezone="Asia/Shanghai",
        catalog=Catalog(STATE, [Tag(id=7, name="别的", count=1)]),
        follower_tags=Followers(FOLLOWERS),
    )
    # Then the figures keep overlaps (sendall by tag), tag 1 is unknown, and the refusal says why
    assert [p.field for p in e.problems] == ["groups.0.audience.tags.0"]
    assert e.refusal is not None and "cannot send to 'remaining' followers" in e.refusal
