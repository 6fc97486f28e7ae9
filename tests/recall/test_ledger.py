"""The recall ledger through the real Lambdas on moto: refusals, holds and stranded claims."""

from __future__ import annotations

import boto3

from tests.recall.conftest import World
from tests.support.callbacks import APP_ID
from wxengage.recall.budget import CLAIM_STALE_SECONDS, QUEUED_STALE_SECONDS
from wxengage.recall.refusals import PROBE_AFTER_SECONDS
from wxengage.store.followers import FollowerStore
from wxengage.store.recalls import RecallStore
from wxengage.wechat.api_errors import WeChatApiError
from wxengage_local.aws import physical_ids

SEND = "/cgi-bin/message/custom/send"


def test_the_issues_repro_a_refused_recall_is_failed_and_never_recalled(world: World) -> None:
    # Given a rule due as soon as a window opens (lead 2880) and WeChat refusing with 45009
    world.rule(lead_minutes=2880)
    world.wechat.failures = [WeChatApiError(45009, "reach max api daily quota limit", SEND)]
    # When the follower writes, the sweep runs, and the follower writes again
    world.say("o-a")
    world.sweep_and_send()
    world.clock.advance(60)
    world.say("o-a", content="hello again")
    # Then the refused recall is failed, and the reply does not count it as recalled
    assert world.recall("o-a") == ("pending", "")  # the new window's recall, planned
    stats = world.stats()
    assert (stats["failed"], stats["recalled"], stats["sent"]) == (1, 0, 0), stats
    # And the refusal took nothing from the follower: no cooldown stops the next window's recall
    world.sweep_and_send()
    assert len(world.wechat.to("o-a")) == 1 and world.recall("o-a") == ("sent", "")
    stats = world.stats()
    assert (stats["failed"], stats["recalled"], stats["sent"]) == (1, 0, 1), stats


def test_a_configuration_error_holds_the_account_and_the_recall_goes_out_after(
    world: World,
) -> None:
    # Given a due follower and WeChat refusing the send for the IP whitelist (40164)
    world.rule(lead_minutes=2880)
    world.say("o-a")
    world.wechat.failures = [WeChatApiError(40164, "invalid ip, not in whitelist", SEND)]
    # When the sweep runs and the sender meets the refusal
    world.sweep_and_send()
    # Then the recall is pending again, nothing is counted, the follower keeps every message
    assert world.recall("o-a") == ("pending", "") and world.wechat.sent == []
    assert world.stats()["failed"] == 0
    follower = FollowerStore(world.settings).get(APP_ID, "o-a")
    assert follower is not None and (follower.messages_left, follower.last_recall_at) == (5, None)
    # And the account is held with WeChat's reason
    hold = RecallStore(world.settings).hold(APP_ID)
    assert hold is not None and hold.errcode == 40164 and "whitelist" in hold.reason
    # When sweeps run during the hold
    world.clock.advance(120)
    report = world.sweep_and_send()
    # Then the account is left alone
    assert report["held"] == 1 and world.wechat.sent == []
    # When the hold has run out (the whitelist fixed)
    world.clock.advance(PROBE_AFTER_SECONDS)
    world.sweep_and_send()
    # Then the recall goes out once and the hold is lifted
    assert len(world.wechat.to("o-a")) == 1 and world.recall("o-a") == ("sent", "")
    assert RecallStore(world.settings).hold(APP_ID) is None


def test_a_claim_whose_sender_was_stopped_is_settled_by_the_sweep_once(world: World) -> None:
    # Given a sender that died right when it called WeChat, its claim standing
    world.rule(lead_minutes=2880)
    world.say("o-a")
    world.wechat.failures = [RuntimeError("the Lambda was killed")]
    world.sweep_and_send()
    assert world.recall("o-a")[0] == "claimed"
    # When sweeps run before and after the claim's deadline
    early = world.sweep_and_send()
    world.clock.advance(CLAIM_STALE_SECONDS + 60)
    late = world.sweep_and_send()
    again = world.sweep_and_send()
    # Then only the sweep past the deadline settles it: failed/unknown_outcome, never resent
    assert (early["stranded"], late["stranded"], again["stranded"]) == (0, 1, 0)
    assert world.recall("o-a") == ("failed", "unknown_outcome") and world.wechat.sent == []
    stats = world.stats()
    assert (stats["failed"], stats["stranded"]) == (1, 1), stats


def _lose_recall_messages(world: World) -> list[str]:
    """Take every message off the recall queue, as SQS does when it moves them to the DLQ."""
    sqs = boto3.client("sqs")
    url = physical_ids(boto3.Session(), "wxengage")["RecallQueue"]
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_recall_whose_queue_message_was_lost_goes_out_once_after_its_queue_deadline(
    world: World,
) -> None:
    # Given a due recall queued by the sweep, its message then lost to the dead-letter queue
    world.rule(lead_minutes=2880)
    world.say("o-a")
    assert world.sweep()["queued"] == 1
    lost = _lose_recall_messages(world)
    assert len(lost) == 1 and world.recall("o-a") == ("queued", "")
    # When sweeps run before and after the queue deadline, and the queue delivers
    early = world.sweep_and_send()
    world.clock.advance(QUEUED_STALE_SECONDS + 60)
    late = world.sweep_and_send()
    # Then only the late sweep queues it again, and it is sent once
    assert (early["requeued"], late["requeued"]) == (0, 1)
    assert len(world.wechat.to("o-a")) == 1 and world.recall("o-a") == ("sent", "")
    # And the lost copy, redriven from the dead-letter queue, sends nothing twice
    sqs = boto3.client("sqs")
    sqs.send_message(
        QueueUrl=physical_ids(boto3.Session(), "wxengage")["RecallQueue"], MessageBody=lost[0]
    )
    world.deliver()
    assert len(world.wechat.to("o-a")) == 1 and world.stats()["sent"] == 1


def test_a_lost_recall_whose_window_closed_is_failed_not_delivered(world: World) -> None:
    # Given a recall due half an hour before its window closes, queued, its message lost
    world.rule(lead_minutes=30)
    world.say("o-a")
    world.clock.advance(48 * 3600 - 29 * 60)
    assert world.sweep()["queued"] == 1
    _lose_recall_messages(world)
    # When the sweep after the queue deadline runs (the window closed hours before), twice
    world.clock.advance(QUEUED_STALE_SECONDS + 60)
    late = world.sweep_and_send()
    again = world.sweep_and_send()
    # Then it is failed as not delivered, once, and nothing was sent
    assert (late["undelivered"], again["undelivered"], late["requeued"]) == (1, 0, 0)
    assert world.recall("o-a") == ("failed", "not_delivered") and world.wechat.sent == []
