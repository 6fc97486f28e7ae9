"""The day-by-day plan of a campaign's mass calls, printed by `campaign start` before it sends."""

from __future__ import annotations

import os

import click

from wxengage import clock
from wxengage.accounts import Account, AccountType
from wxengage.broadcast.budget import (
    SUBSCRIPTION_SENDS_PER_DAY,
    DayShare,
    check_account_type,
    estimate_group_sizes,
    estimate_leg_calls,
    one_send_a_day,
    plan_days,
)
from wxengage.broadcast.schedule import plan_legs
from wxengage.broadcast.state import Campaign
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.mass_budget import MassBudgetStore
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage_cli.context import CliContext
from wxengage_cli.localtime import Times


def campaign_plan(ctx: CliContext, c: Campaign) -> tuple[list[DayShare] | None, str]:
    """The plan of a draft about to start (None when no audience size is known), and its header.

    Checked as start will check it (account type, schedule), so a refusal comes first."""
    account = AccountStore(ctx.settings).get(c.app_id)
    settings = account.settings
    check_account_type(c.spec, settings.type)
    now = int(clock.now_ts())
    legs = plan_legs(c.spec, settings.timezone, now)
    if settings.type is AccountType.SUBSCRIPTION:
        legs = one_send_a_day(legs)  # as start plans them
    used, sends = MassBudgetStore(ctx.settings).used(c.app_id, now)
    daily = SUBSCRIPTION_SENDS_PER_DAY if settings.type is AccountType.SUBSCRIPTION else None
    budget = (
        f"budget {settings.mass.calls_per_day}/day and {settings.mass.calls_per_minute}/min "
        f"shared by every campaign; {used} used today"
        + (f", {sends} of today's one send" if daily else "")
    )
    counts, source = _counts(ctx, account, c)
    if counts is None:
        return None, f"plan of mass calls ({budget}): audience sizes unknown ({source})"
    sizes = estimate_group_sizes(c.spec, *counts)
    calls = estimate_leg_calls(c.spec, legs, sizes, settings.type)
    plan = plan_days(
        calls, settings.mass, now=now, used_today=used, sends_today=sends, sends_per_day=daily
    )
    return plan, (
        f"plan of mass calls ({budget}; audiences estimated from {source}; "
        "days are WeChat's, in Beijing time):"
    )


def echo_plan(plan: list[DayShare] | None, head: str, times: Times) -> None:
    click.echo(head)
    if plan is None:
        click.echo("  each leg's calls show in `campaign status` once its audience is resolved")
        return
    if not plan:
        click.echo("  no mass call: every leg is empty")
    for share in plan:
        calls = f"{share.calls} call{'s' if share.calls != 1 else ''}"
        click.echo(
            f"  {share.day}  {share.key:<6} {share.label:<24} {calls:<10} "
            f"from {times.text(share.at)}"
        )
    if len({s.day for s in plan}) > 1:
        click.echo("  (what does not fit in a day continues the next day from 00:00 Beijing time)")


def _counts(
    ctx: CliContext, account: Account, c: Campaign
) -> tuple[tuple[int, dict[int, int]] | None, str]:
    """Followers and per-tag counts, and where they come from: the engine's own list, or
    WeChat's counts (2 calls; they fail from a machine not on the account's IP whitelist)."""
    if c.spec.audience_source == "store":
        count = sum(1 for _ in FollowerStore(ctx.settings).subscribed(c.app_id))
        return (count, {}), "the followers this engine has seen"
    from wxengage.wiring.wechat import client_for

    # WXENGAGE_WECHAT_API_BASE points the counts at another WeChat (the local sandbox).
    base = os.environ.get("WXENGAGE_WECHAT_API_BASE") or ctx.settings.wechat_api_base
    settings = Settings.model_validate(ctx.settings.model_dump() | {"wechat_api_base": base})
    client = client_for(account, settings)
    try:
        followers = client.user.count_followers()
        needs_tags = any(g.audience.kind == "tags" for g in c.spec.groups)
        tags = client.tag.tag_counts() if needs_tags else {}
    except (WeChatApiError, WeChatTransportError) as err:
        return None, f"WeChat's follower counts could not be read from here: {err}"
    return (followers, tags), "WeChat's follower and tag counts"
