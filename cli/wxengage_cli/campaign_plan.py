"""The day-by-day plan of a campaign's mass calls, printed by `campaign start` before it sends.

The plan itself is the broadcast feature's (broadcast/day_plan.py, which the console shows too);
the CLI brings WeChat's live counts, or the engine's own follower list."""

from __future__ import annotations

import os

import click

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.day_plan import (
    AudienceCounts,
    DayPlan,
    day_plan,
    needs_tag_counts,
    startable_legs,
)
from wxengage.broadcast.state import Campaign
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.mass_budget import MassBudgetStore
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage_cli.context import CliContext
from wxengage_cli.localtime import Times


def campaign_plan(ctx: CliContext, c: Campaign) -> DayPlan:
    """The plan of a draft about to start, checked as start will check it (account type,
    schedule), so a refusal comes first."""
    account = AccountStore(ctx.settings).get(c.app_id)
    now = int(clock.now_ts())
    used = MassBudgetStore(ctx.settings).used(c.app_id, now)
    startable_legs(c.spec, account.settings, now)  # a refusal before any call to WeChat
    counts, unknown = _counts(ctx, account, c)
    return day_plan(c.spec, account.settings, now=now, used=used, counts=counts, unknown=unknown)


def echo_plan(plan: DayPlan, times: Times) -> None:
    click.echo(plan.header())
    if plan.shares is None:
        click.echo("  each leg's calls show in `campaign status` once its audience is resolved")
        return
    if not plan.shares:
        click.echo("  no mass call: every leg is empty")
    for share in plan.shares:
        calls = f"{share.calls} call{'s' if share.calls != 1 else ''}"
        click.echo(
            f"  {share.day}  {share.key:<6} {share.label:<24} {calls:<10} "
            f"from {times.text(share.at)}"
        )
    if len(plan.days) > 1:
        click.echo("  (what does not fit in a day continues the next day from 00:00 Beijing time)")


def _counts(ctx: CliContext, account: Account, c: Campaign) -> tuple[AudienceCounts | None, str]:
    """Followers and per-tag counts: the engine's own list, or WeChat's counts (2 calls; they
    fail from a machine not on the account's IP whitelist), or why there are none."""
    if c.spec.audience_source == "store":
        count = sum(1 for _ in FollowerStore(ctx.settings).subscribed(c.app_id))
        return AudienceCounts(
            followers=count, tags={}, source="the followers this engine has seen"
        ), ""
    from wxengage.wiring.wechat import client_for

    # WXENGAGE_WECHAT_API_BASE points the counts at another WeChat (the local sandbox).
    base = os.environ.get("WXENGAGE_WECHAT_API_BASE") or ctx.settings.wechat_api_base
    settings = Settings.model_validate(ctx.settings.model_dump() | {"wechat_api_base": base})
    client = client_for(account, settings)
    try:
        followers = client.user.count_followers()
        tags = client.tag.tag_counts() if needs_tag_counts(c.spec) else {}
    except (WeChatApiError, WeChatTransportError) as err:
        return None, f"WeChat's follower counts could not be read from here: {err}"
    return AudienceCounts(
        followers=followers, tags=tags, source="WeChat's follower and tag counts"
    ), ""
