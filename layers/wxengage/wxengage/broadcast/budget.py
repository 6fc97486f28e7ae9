"""The account's mass-call budget: how legs are routed, how many calls they take, and on which days."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from wxengage.accounts import AccountType, MassBudget
from wxengage.broadcast.audience import batch_bounds
from wxengage.broadcast.caps import WECHAT_DAY_ZONE
from wxengage.broadcast.schedule import Leg, LegKind
from wxengage.broadcast.spec import CampaignSpec, Group

# A subscription account has one successful mass send a day (Batch_Sends_and_Originality_Checks:
# "对于认证订阅号, 群发接口每天可成功调用1次, 此次群发可选择发送给全部用户或某个标签").
SUBSCRIPTION_SENDS_PER_DAY = 1


class Route(StrEnum):
    """Which WeChat API a leg goes out through."""

    OPENIDS = "openids"  # mass/send, batches of 2..10,000 openids (verified service accounts)
    TO_ALL = "to_all"  # mass/sendall is_to_all: one call, kept in the account's history
    TAG = "tag"  # mass/sendall by tag_id: one call (subscription accounts' only targeted send)


class Target(BaseModel):
    """A leg's route, with the tag for a by-tag send."""

    model_config = ConfigDict(frozen=True)

    route: Route
    tag_id: int | None = None
    one_a_day: bool = False  # a subscription account: one send a day for the whole account

    @property
    def sendall(self) -> bool:
        return self.route is not Route.OPENIDS

    def filter(self) -> dict[str, object]:
        """mass/sendall's `filter` (wechatpy client/api/message.py _send_mass_message)."""
        if self.route is Route.TO_ALL:
            return {"is_to_all": True}
        return {"is_to_all": False, "tag_id": self.tag_id}


class Slot(StrEnum):
    """What asking the budget for one call gave."""

    TAKEN = "taken"
    MINUTE_FULL = "minute"  # this minute's calls are used: next minute
    DAY_FULL = "day"  # today's calls are used: tomorrow
    SEND_USED = "send"  # a subscription account's send of the day is used: tomorrow


class CallBudget(Protocol):
    """The account's mass-call counters, shared by every campaign (store/mass_budget.py)."""

    def take(self, app_id: str, at: int, budget: MassBudget, *, sends_per_day: int | None) -> Slot:
        """Count one call at `at` if the day, the minute (and the day's sends) allow it."""
        ...

    def give_back(self, app_id: str, at: int, *, send: bool) -> None:
        """Undo a `take` at `at` whose call certainly never reached WeChat."""
        ...

    def used(self, app_id: str, at: int) -> tuple[int, int]:
        """Calls and sends counted so far on the budget day holding `at`."""
        ...


class AccountTypeError(ValueError):
    """A campaign asks for what the account's type cannot do; the message says why."""


def target(group: Group, account_type: AccountType, audience_source: str = "wechat") -> Target:
    """How a group's legs go out: `all` as sendall is_to_all on either type (the only send that
    reaches the account's history, Batch_Sends_and_Originality_Checks "关于群发时使用is_to_all为
    true..."), tags on a subscription account as sendall by tag, anything else as openid lists.
    An `all` of the followers this engine has seen (audience_source store) is an openid list."""
    daily = account_type is AccountType.SUBSCRIPTION
    if group.audience.kind == "all" and (daily or audience_source == "wechat"):
        return Target(route=Route.TO_ALL, one_a_day=daily)
    if daily:
        return Target(route=Route.TAG, tag_id=group.audience.tags[0], one_a_day=True)
    return Target(route=Route.OPENIDS)


def check_account_type(spec: CampaignSpec, account_type: AccountType) -> None:
    """Refuse (AccountTypeError) what a subscription account cannot send: it has only sendall,
    to all or to one tag (no openid lists: mass/send answers 48001, "订阅号不可用, 服务号认证后可用")."""
    if account_type is not AccountType.SUBSCRIPTION:
        return
    if spec.audience_source == "store":
        raise AccountTypeError(
            "a subscription account cannot send to the followers this engine has seen "
            "(audience_source store): sendall reaches every follower or a tag, never a list"
        )
    for g in spec.groups:
        if g.ab_test is not None:
            raise AccountTypeError(
                f"group {g.name!r}: a subscription account cannot run A/B tests. WeChat gives it "
                "only sendall (to all or to one tag, once a day), so random samples would need "
                "temporary tags on every sampled follower (50 per batchtagging call) and the "
                "variants and the winner would each take a day's only send; send the variants "
                "as tag groups on separate days instead, or use a verified service account"
            )
        if g.audience.kind == "remaining":
            raise AccountTypeError(
                f"group {g.name!r}: a subscription account cannot send to 'remaining' followers: "
                "sendall can target all followers or one tag, never an openid list"
            )
        if g.audience.kind == "tags" and len(g.audience.tags) != 1:
            raise AccountTypeError(
                f"group {g.name!r}: a subscription account sends to one tag per send "
                f"(sendall filter.tag_id); split tags {list(g.audience.tags)} into groups"
            )


def calls_needed(audience: int, tgt: Target) -> int:
    """WeChat calls a leg of `audience` followers takes: one sendall, or a call per batch."""
    if tgt.sendall:
        return 1 if audience > 0 else 0
    return len(batch_bounds(audience))


def budget_day(at: int) -> str:
    """The WeChat day (Beijing time) a call at `at` counts in."""
    return datetime.fromtimestamp(at, tz=WECHAT_DAY_ZONE).strftime("%Y-%m-%d")


def budget_minute(at: int) -> str:
    """The minute a call at `at` counts in (HH:MM, Beijing time)."""
    return datetime.fromtimestamp(at, tz=WECHAT_DAY_ZONE).strftime("%H:%M")


def next_day(at: int) -> int:
    """00:00 of the next WeChat day: when the daily counters start again."""
    local = datetime.fromtimestamp(at, tz=WECHAT_DAY_ZONE).date() + timedelta(days=1)
    return int(datetime(local.year, local.month, local.day, tzinfo=WECHAT_DAY_ZONE).timestamp())


def resume_at(slot: Slot, at: int) -> int:
    """When a call the budget refused at `at` can be asked for again."""
    if slot is Slot.MINUTE_FULL:
        return (at // 60 + 1) * 60
    return next_day(at)


def waiting_reason(slot: Slot, at: int, timezone: str) -> str:
    """What a leg's status says while the budget holds it (in the account's zone)."""
    when = datetime.fromtimestamp(resume_at(slot, at), tz=ZoneInfo(timezone))
    why = (
        "the subscription account's one mass send of the day is used"
        if slot is Slot.SEND_USED
        else "the account's daily mass-call budget is used"
    )
    return f"{why}: continues {when:%Y-%m-%d %H:%M} ({timezone})"


class LegCalls(BaseModel):
    """A leg as the planner sees it: when it is due, how many calls, whether it is a send."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    send_at: int
    calls: int


class DayShare(BaseModel):
    """Part of a leg that goes out on one WeChat day."""

    model_config = ConfigDict(frozen=True)

    day: str
    key: str
    label: str
    calls: int
    at: int  # when that part can start: the leg's time on its first day, else 00:00


def plan_days(
    legs: list[LegCalls],
    budget: MassBudget,
    *,
    now: int,
    used_today: int = 0,
    sends_today: int = 0,
    sends_per_day: int | None = None,
) -> list[DayShare]:
    """Each leg's calls spread over days, as the send path will take them: a leg takes what is
    left of its day's calls and continues the next day; with `sends_per_day` (subscription
    accounts) a leg waits for a day whose send is still free. Legs are served in time order."""
    calls_used: dict[str, int] = {budget_day(now): used_today}
    sends_used: dict[str, int] = {budget_day(now): sends_today}
    out: list[DayShare] = []
    for leg in sorted(legs, key=lambda leg: (leg.send_at, leg.key)):
        at = max(leg.send_at, now)
        left = leg.calls
        for _ in range(max(1, math.ceil(leg.calls / budget.calls_per_day)) + 366):
            if left <= 0:
                break
            day = budget_day(at)
            room = budget.calls_per_day - calls_used.get(day, 0)
            send_free = sends_per_day is None or sends_used.get(day, 0) < sends_per_day
            if room > 0 and send_free:
                take = min(room, left)
                calls_used[day] = calls_used.get(day, 0) + take
                if sends_per_day is not None:
                    sends_used[day] = sends_used.get(day, 0) + 1
                out.append(DayShare(day=day, key=leg.key, label=leg.label, calls=take, at=at))
                left -= take
            at = next_day(at)
    return out


def estimate_leg_calls(
    spec: CampaignSpec,
    legs: list[Leg],
    group_sizes: dict[str, int],
    account_type: AccountType,
) -> list[LegCalls]:
    """Each leg's calls from its group's estimated size (before segmenting knows the lists):
    a variant takes its ratio of the group, the winner leg the rest."""
    groups = {g.name: g for g in spec.groups}
    out: list[LegCalls] = []
    for leg in legs:
        group = groups[leg.group]
        size = group_sizes.get(leg.group, 0)
        if group.ab_test is not None:
            ratios = {v.name: v.ratio for v in group.ab_test.variants}
            samples = {name: math.floor(r * size) for name, r in ratios.items()}
            size = (
                samples[leg.variant or ""]
                if leg.kind is LegKind.VARIANT
                else size - sum(samples.values())
            )
        calls = calls_needed(size, target(group, account_type, spec.audience_source))
        out.append(LegCalls(key=leg.key, label=leg.label, send_at=leg.send_at, calls=calls))
    return out


def estimate_group_sizes(
    spec: CampaignSpec, followers: int, tag_counts: dict[int, int]
) -> dict[str, int]:
    """Each group's size from WeChat's follower and tag counts: an upper bound where a follower
    carries several of a group's tags; 'remaining' is what the other groups leave."""
    sizes: dict[str, int] = {}
    for g in spec.groups:
        if g.audience.kind == "all":
            sizes[g.name] = followers
        elif g.audience.kind == "tags":
            sizes[g.name] = min(followers, sum(tag_counts.get(t, 0) for t in g.audience.tags))
    for g in spec.groups:
        if g.audience.kind == "remaining":
            sizes[g.name] = max(0, followers - sum(sizes.values()))
    return sizes


def one_send_a_day(legs: list[Leg]) -> list[Leg]:
    """A subscription account's legs on separate WeChat days: a leg due on a day an earlier leg
    (by time, then key) already takes moves to the next free day at the same time of day, so
    the order the plan shows is the order they go out in."""
    taken: set[str] = set()
    moved: dict[str, Leg] = {}
    for leg in sorted(legs, key=lambda leg: (leg.send_at, leg.key)):
        at = leg.send_at
        while budget_day(at) in taken:
            at += 86_400  # Beijing has no daylight saving: a day is 86,400 s there
        taken.add(budget_day(at))
        moved[leg.key] = leg if at == leg.send_at else leg.at(at)
    return [moved[leg.key] for leg in legs]
