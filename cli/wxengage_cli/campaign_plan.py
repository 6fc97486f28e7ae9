"""The day-by-day plan of a campaign's mass calls, printed by `campaign start` before it sends."""

from __future__ import annotations

import click

from wxengage import clock
from wxengage.accounts import Account
from wxengage.broadcast.budget import (
    SUBSCRIPTION_SENDS_PER_DAY,
    DayShare,
    check_account_type,
    estimate_group_sizes,
    estimate_leg_calls,
    plan_days,
)
from wxengage.broadcast.schedule import plan_legs
from wxengage.broadcast.state import Campaign
from wxengage.store.accounts import AccountStore
from wxengage.store.followers import FollowerStore
from wxengage.store.mass_budget import MassBudgetStore
from wxengage.wechat.api_errors import WeChatApiError, WeChatTransportError
from wxengage_cli.context import CliContext
from wxengage_cli.localtime import Times


def campaign_plan(ctx: CliContext, c: Campaign) -> tuple[list[DayShare], str]:
    """The plan of a draft about to start, and where its audience sizes come from.

    Checked as start will check it (account type, schedule), so a refusal comes first."""
    account = AccountStore(ctx.settings).get(c.app_id)
    settings = account.settings
    check_account_type(c.spec, settings.type)
    now = int(clock.now_ts())
    legs = plan_legs(c.spec, settings.timezone, now)
    followers, tags, source = _counts(ctx, account, c)
    sizes = estimate_group_sizes(c.spec, followers, tags)
    calls = estimate_leg_calls(c.spec, legs, sizes, settings.type)
    used, sends = MassBudgetStore(ctx.settings).used(c.app_id, now)
    daily = SUBSCRIPTION_SENDS_PER_DAY if settings.type.value == "subscription" else None
    plan = plan_days(
        calls, settings.mass, now=now, used_today=used, sends_today=sends, sends_per_day=daily
    )
    head = (
        f"plan of mass calls (budget {settings.mass.calls_per_day}/day and "
        f"{settings.mass.calls_per_minute}/min shared by every campaign; {used} used today"
        + (f", {sends} of today's one send" if daily else "")
        + f"; audiences estimated from {source}; days are WeChat's, Beijing time):"
    )
    return plan, head


def echo_plan(plan: list[DayShare], head: str, times: Times) -> None:
    click.echo(head)
    if not plan:
        click.echo("  no mass call: every leg is empty")
    for share in plan:
        calls = f"{share.calls} call{'s' if share.calls != 1 else ''}"
        click.echo(
            f"  {share.day}  {share.key:<6} {share.label:<24} {calls:<10} from {times.text(share.at)}"
        )
    if len({s.day for s in plan}) > 1:
        click.echo("  (a leg that does not fit in a day continues the next day at 00:00)")


def _counts(ctx: CliContext, account: Account, c: Campaign) -> tuple[int, dict[int, int], str]:
    """Followers and per-tag counts: the engine's own list, or WeChat's counts (2 calls)."""
    if c.spec.audience_source == "store":
        count = sum(1 for _ in FollowerStore(ctx.settings).subscribed(c.app_id))
        return count, {}, "the followers this engine has seen"
    from wxengage.wiring.wechat import client_for

    client = client_for(account, ctx.settings)
    try:
        followers = client.user.count_followers()
        needs_tags = any(g.audience.kind == "tags" for g in c.spec.groups)
        tags = client.tag.tag_counts() if needs_tags else {}
    except (WeChatApiError, WeChatTransportError) as err:
        raise click.ClickException(
            f"cannot plan the campaign: WeChat's follower counts are unavailable ({err}); "
            "nothing was started"
        ) from None
    return followers, tags, "WeChat's follower and tag counts"
