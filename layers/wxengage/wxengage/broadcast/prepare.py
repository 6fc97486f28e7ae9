"""Before any leg runs: claim the campaign, resolve its groups (圈群), draw samples, create legs."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

from wxengage import clock
from wxengage.accounts import AccountType
from wxengage.broadcast.audience import draw_samples, resolve_groups
from wxengage.broadcast.budget import check_account_type, one_send_a_day
from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.progress import CampaignConflictError, Progress
from wxengage.broadcast.schedule import LegKind, leg_key, plan_legs
from wxengage.broadcast.spec import CampaignStatus, Content, Group
from wxengage.broadcast.state import Campaign, LegState
from wxengage.observability import count


class Preparing:
    """The segment and prepare tasks; each is a no-op when retried after it finished."""

    def __init__(self, ports: BroadcastPorts, progress: Progress) -> None:
        self._ports = ports
        self._progress = progress

    def segment(self, app_id: str, campaign_id: str, execution: str) -> dict[str, str]:
        """Claim the campaign for this execution and resolve each group's audience (圈群)."""
        campaigns = self._ports.campaigns
        c = campaigns.get(app_id, campaign_id)
        account = self._ports.accounts.get(app_id)
        now = int(clock.now_ts())
        if c.status is CampaignStatus.DRAFT:
            if c.execution not in (None, execution):
                raise CampaignConflictError(f"campaign {campaign_id} was started as {c.execution}")
            legs = c.legs or plan_legs(c.spec, account.settings.timezone, now)
            if not c.legs and account.settings.type is AccountType.SUBSCRIPTION:
                legs = one_send_a_day(legs)  # started from the console: as `campaign start` does
            c = campaigns.save(c.segmenting(execution=execution, legs=legs, now=now))
            count("CampaignStatus", 1, status=c.status.value)
        elif c.execution != execution:
            raise CampaignConflictError(
                f"campaign {campaign_id} is {c.status.value}, run by execution {c.execution}"
            )
        if c.status is not CampaignStatus.SEGMENTING:
            return {"app_id": app_id, "campaign_id": campaign_id}  # a retried task: done already
        # The account's type may have changed since the campaign was started.
        check_account_type(c.spec, account.settings.type)
        client = self._ports.wechat(account)
        dedupe = account.settings.type is not AccountType.SUBSCRIPTION
        if c.spec.audience_source == "store":
            lists, reports = resolve_groups(
                c.spec,
                lambda: self._ports.followers.subscribed(app_id),
                lambda _tag: [],
                dedupe=dedupe,
            )
        else:
            lists, reports = resolve_groups(
                c.spec,
                lambda: pages(client.followers_page),
                lambda tag: pages(lambda nxt: client.tag_followers_page(tag, nxt)),
                dedupe=dedupe,
            )
        positions = {g.name: gi for gi, g in enumerate(c.spec.groups)}
        for name, openids in lists.items():
            self._ports.audiences.put(app_id, campaign_id, segment_key(positions[name]), openids)
        self._progress.set_status(c, CampaignStatus.PREPARING, groups=reports)
        return {"app_id": app_id, "campaign_id": campaign_id}

    def prepare(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        """Draw the seeded A/B samples, write each leg's list and create the legs (准备中)."""
        c = self._ports.campaigns.get(app_id, campaign_id)
        if c.status is CampaignStatus.PREPARING:
            if c.seed is None:
                c = self._ports.campaigns.save(c.seeded(secrets.randbits(62)))
            self._create_legs(c)
            self._progress.set_status(c, CampaignStatus.QUEUED)
        items = [{"app_id": app_id, "campaign_id": campaign_id, "leg": leg.key} for leg in c.legs]
        return {"app_id": app_id, "campaign_id": campaign_id, "legs": items}

    def _create_legs(self, c: Campaign) -> None:
        assert c.seed is not None
        app_id, campaign_id = c.app_id, c.campaign_id
        for gi, group in enumerate(c.spec.groups):
            key = segment_key(gi)
            if not self._ports.audiences.exists(app_id, campaign_id, key):
                key = f"segments/{group.name}"  # segmented before keys were positions
            openids = self._ports.audiences.get(app_id, campaign_id, key)
            lists = leg_lists(group, gi, openids, c.seed)
            for leg in (leg for leg in c.legs if leg.group == group.name):
                self._ports.audiences.put(app_id, campaign_id, f"legs/{leg.key}", lists[leg.key])
                self._ports.campaigns.create(
                    LegState(
                        app_id=app_id,
                        campaign_id=campaign_id,
                        key=leg.key,
                        group=leg.group,
                        kind=leg.kind,
                        variant=leg.variant,
                        content=leg_content(group, leg.kind, leg.variant),
                        audience=len(lists[leg.key]),
                    )
                )


def leg_lists(group: Group, index: int, openids: list[str], seed: int) -> dict[str, list[str]]:
    """Each leg's openids: the whole group, or a seeded sample per variant and the rest."""
    if group.ab_test is None:
        return {leg_key(index, LegKind.GROUP): openids}
    ratios = [v.ratio for v in group.ab_test.variants]
    samples, rest = draw_samples(openids, ratios, seed, group.name)
    lists = {leg_key(index, LegKind.VARIANT, vi): s for vi, s in enumerate(samples)}
    return lists | {leg_key(index, LegKind.WINNER): rest}


def leg_content(group: Group, kind: LegKind, variant: str | None) -> Content | None:
    """What a leg sends; a winner leg's content is set when the winner is decided."""
    if kind is LegKind.GROUP:
        return group.content
    if kind is LegKind.VARIANT and group.ab_test is not None:
        return next(v.content for v in group.ab_test.variants if v.name == variant)
    return None


def pages(fetch: Callable[[str], tuple[list[str], str]]) -> Iterator[str]:
    """Every openid of a paged WeChat listing."""
    next_openid = ""
    while True:
        openids, next_openid = fetch(next_openid)
        yield from openids
        if not next_openid:
            return


def segment_key(group_index: int) -> str:
    """Where a group's audience is kept: by position, so object keys stay ASCII whatever the
    group's name (names take any language)."""
    return f"segments/g{group_index}"
