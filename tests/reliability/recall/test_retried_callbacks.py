"""Reliability: WeChat retries every callback three times and delivers some out of order; no
stored window ever moves backwards and nothing is counted twice."""

from __future__ import annotations

import random

import boto3

from tests.recall.conftest import H48, World
from tests.support.callbacks import APP_ID, event_xml, text_xml
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.windows import FollowerState, Interaction, InteractionKind, apply_interaction

SEED = 20261122
DELIVERIES = 3  # WeChat delivers a callback three times in all when it hears no answer
WINDOW = (
    "subscribed",
    "subscription_at",
    "left_at",
    "last_message_at",
    "last_interaction_at",
    "window_opened_at",
    "window_opened_by",
    "window_closes_at",
    "messages_left",
)

Step = tuple[str, Interaction]  # a callback's XML and what it is


class Story:
    """One follower's callbacks, each with a distinct MsgId or (CreateTime, event) identity."""

    msg_ids = iter(range(9_000_001, 10_000_000))

    def __init__(self, openid: str) -> None:
        self.openid = openid
        self.steps: list[Step] = []

    def say(self, at: int) -> Story:
        xml = text_xml(openid=self.openid, create_time=at, msg_id=next(self.msg_ids))
        self.steps.append((xml, Interaction(kind=InteractionKind.MESSAGE, at=at)))
        return self

    def event(self, event: str, kind: InteractionKind, at: int, key: str = "") -> Story:
        xml = event_xml(event, openid=self.openid, create_time=at, key=key)
        self.steps.append((xml, Interaction(kind=kind, at=at)))
        return self


def stories(start: int, n: int) -> list[Story]:
    """Follows, messages, menu clicks, QR scans, leaving and coming back, a long-closed window."""
    out = []
    for i in range(n):
        t = start + i * 60
        s = Story(f"o-r{i:02d}")
        match i % 4:
            case 0:
                s.event("subscribe", InteractionKind.SUBSCRIBE, t).say(t + 30).say(t + 600)
                s.event("CLICK", InteractionKind.MENU, t + 900, "MENU_HELP").say(t + 1200)
            case 1:
                s.say(t).say(t + 300).event("unsubscribe", InteractionKind.UNSUBSCRIBE, t + 600)
                s.event("subscribe", InteractionKind.SUBSCRIBE, t + 900).say(t + 1000)
            case 2:
                s.event("SCAN", InteractionKind.SCAN, t, "42").say(t + 20)
                s.event("CLICK", InteractionKind.MENU, t + 40, "MENU_BUY").say(t + 3000)
            case _:
                s.say(t - 60 * 3600).say(t).say(t + 120).say(t + 240)  # one from a closed window
        out.append(s)
    return out


def fold(steps: list[Interaction], openid: str) -> FollowerState:
    state = FollowerState(app_id=APP_ID, openid=openid)
    for ix in steps:
        state = apply_interaction(state, ix)
    return state


def window(state: FollowerState | None) -> dict[str, object]:
    return {f: getattr(state, f) for f in WINDOW} if state else {}


def completed_dedupe_records(world: World) -> int:
    """Idempotency records the webhook completed: one per distinct callback it applied."""
    items = boto3.client("dynamodb").scan(
        TableName=world.settings.idempotency_table, ConsistentRead=True
    )["Items"]
    return sum(1 for i in items if i["status"]["S"] == "COMPLETED")


def test_callbacks_retried_three_times_out_of_order_never_move_a_window_back(world: World) -> None:
    # Given twelve followers' stories, every callback delivered three times, the whole lot
    # shuffled with a fixed seed
    world.rule()
    followers = stories(int(world.clock.now) - 4 * 3600, 12)
    story = {s.openid: s for s in followers}
    deliveries = [
        (s.openid, step) for s in followers for step in s.steps for _ in range(DELIVERIES)
    ]
    random.Random(SEED).shuffle(deliveries)
    store = FollowerStore(world.settings)
    applied: dict[str, list[Interaction]] = {s.openid: [] for s in followers}
    went_back: list[str] = []
    differed: list[str] = []
    # When each is posted to the webhook, reading the follower back after every delivery
    for n, (openid, (xml, ix)) in enumerate(deliveries):
        before = store.get(APP_ID, openid)
        world.post(xml)
        after = store.get(APP_ID, openid)
        if ix not in applied[openid]:
            applied[openid].append(ix)
        if after is None or (before and after.last_interaction_at < before.last_interaction_at):
            went_back.append(f"#{n} {openid}")
        # Then the follower is at every moment the fold of the distinct callbacks so far
        if window(after) != window(fold(applied[openid], openid)):
            differed.append(f"#{n} {openid}: {window(after)}")
    figures = f"{len(deliveries)} deliveries of {sum(len(s.steps) for s in followers)} callbacks"
    assert went_back == [], f"last interaction moved back at {went_back}; {figures}"
    assert differed == [], f"not the fold of what arrived: {differed[:3]}; {figures}"
    # And each ends as the fold of its whole story, in CreateTime order
    for openid, s in story.items():
        in_order = sorted((ix for _, ix in s.steps), key=lambda ix: ix.at)
        assert window(store.get(APP_ID, openid)) == window(fold(in_order, openid)), openid
    # And every callback was applied once: one dedupe record each, and each follower counted
    # pending once (however often WeChat retried), its recall planned for its latest window
    distinct = sum(len(s.steps) for s in followers)
    assert completed_dedupe_records(world) == distinct, figures
    stats = world.stats()
    assert stats == {"pending": 12, "sent": 0, "failed": 0, "recalled": 0}, f"{stats}; {figures}"
    recalls = RecallStore(world.settings)
    for openid in story:
        found = recalls.get(APP_ID, f"{openid}#{world.rule_key('r1')}")
        stored = store.get(APP_ID, openid)
        assert found is not None and stored is not None, openid
        assert found[0].window_opened_at == stored.window_opened_at, (openid, found[0])


def test_answers_to_a_recall_retried_and_shuffled_count_recalled_once(world: World) -> None:
    # Given eight followers who were sent a recall shortly before their windows closed
    world.rule()
    due = int(world.clock.now) - H48 + 30 * 60 - 60
    openids = [f"o-a{i}" for i in range(8)]
    for openid in openids:
        world.say(openid, at=due)
    world.sweep_and_send()
    assert sorted(m["touser"] for m in world.wechat.sent) == openids
    recalled_at = int(world.clock.now)
    world.clock.advance(300)
    # And each then answers twice, while a message from before the recall arrives late, every
    # callback delivered three times, the lot shuffled
    followers = []
    for openid in openids:
        s = Story(openid).say(recalled_at + 60).say(recalled_at + 120).say(due + 600)
        followers.append(s)
    deliveries = [step for s in followers for step in s.steps for _ in range(DELIVERIES)]
    random.Random(SEED).shuffle(deliveries)
    # When they are posted to the webhook
    for xml, _ in deliveries:
        world.post(xml)
    # Then each follower counts as recalled once, on the rule's stats, with a window opened by
    # the last answer; pending counts each follower's new window once
    store = FollowerStore(world.settings)
    stats = world.stats()
    figures = f"{len(deliveries)} deliveries; stats {stats}"
    assert stats == {"pending": 16, "sent": 8, "failed": 0, "recalled": 8}, figures
    for s in followers:
        state = store.get(APP_ID, s.openid)
        assert state is not None and state.recall_converted, (s.openid, state)
        assert (state.last_message_at, state.window_opened_at) == (
            recalled_at + 120,
            recalled_at + 120,
        ), (s.openid, figures)
