"""`wxengage status`: the stack's health picture, against the template deployed into moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
from click.testing import CliRunner

from tests.conftest import ROOT, FakeClock
from tests.support.callbacks import APP_ID, register
from wxengage.settings import Settings
from wxengage.store.recalls import RecallStore
from wxengage.store.stats import StatsStore
from wxengage_cli.main import cli

RULE = ROOT / "examples/rules"
CAMPAIGN = ROOT / "examples/campaigns/text-now.yaml"


def wx(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def status() -> dict[str, Any]:
    code, out = wx("status", "--json")
    assert code == 0, out
    report: dict[str, Any] = json.loads(out)
    return report


def alarm(name: str, state: str, reason: str = "threshold crossed") -> None:
    """An alarm as the template makes it (moto's CloudFormation skips alarms)."""
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


def test_a_fresh_stack_is_healthy_and_says_what_it_lacks(stack: Settings) -> None:
    # Given the template deployed, nothing registered
    # When the status is read
    report = status()
    # Then nothing is wrong: no alarm (moto has none), empty queues, no accounts
    assert report["healthy"] is True and report["problems"] == []
    assert report["alarms"] == {"total": 0, "states": {}, "in_alarm": []}
    assert report["queues"]["recall"] == {"waiting": 0, "in_flight": 0, "delayed": 0}
    assert report["queues"]["dead_letter"]["waiting"] == 0
    assert report["accounts"] == []
    # And the text says so
    code, out = wx("status")
    assert code == 0
    assert "health      OK" in out and "none registered" in out and "none found" in out


def test_alarms_dead_letters_a_stale_sweep_the_funnel_and_campaigns(
    stack: Settings, fake_clock: FakeClock
) -> None:
    # Given an account with a rule, today's counters and a draft campaign
    register(stack)
    assert (
        wx("rules", "put", "--app-id", APP_ID, "--file", str(RULE / "default-reply.yaml"))[0] == 0
    )
    rule = json.loads(wx("rules", "list", "--app-id", APP_ID, "--json")[1])[0]["rule_id"]
    stats = StatsStore(stack)
    today = "2026-11-22"  # 18:00 in Asia/Shanghai
    for counter, n in [("pending", 5), ("sent", 3), ("recalled", 1), ("skipped_holdout", 1)]:
        stats.add(APP_ID, rule, today, counter, n)
    stats.add(APP_ID, rule, "2026-11-21", "sent", 9)  # yesterday: not today's funnel
    assert wx("campaign", "create", "--app-id", APP_ID, "--file", str(CAMPAIGN))[0] == 0
    # And a sweep checkpoint ten minutes old, a recall in the dead-letter queue
    now = int(fake_clock.now)
    RecallStore(stack).save_checkpoint(APP_ID, now - now % 60 - 600)
    dlq = boto3.client("cloudformation").describe_stacks(StackName="wxengage")["Stacks"][0]
    dlq_url = next(
        o["OutputValue"] for o in dlq["Outputs"] if o["OutputKey"] == "RecallDeadLetterQueueUrl"
    )
    boto3.client("sqs").send_message(QueueUrl=dlq_url, MessageBody="{}")
    # And this stack's alarms, one firing, next to another stack's firing alarm
    alarm("wxengage.recall-dlq-not-empty", "ALARM", "1 message in the DLQ")
    alarm("wxengage.webhook-5xx", "OK")
    alarm("wxengage-staging.recall-dlq-not-empty", "ALARM")
    # When the status is read
    report = status()
    # Then only this stack's alarms count, and the firing one is named with its reason
    assert report["alarms"]["total"] == 2
    assert report["alarms"]["states"] == {"ALARM": 1, "OK": 1}
    [firing] = report["alarms"]["in_alarm"]
    assert (firing["name"], firing["reason"]) == (
        "wxengage.recall-dlq-not-empty",
        "1 message in the DLQ",
    )
    # And the dead letter, the sweep's lag, today's funnel and the draft are reported
    assert report["queues"]["dead_letter"]["waiting"] == 1
    [account] = report["accounts"]
    assert account["sweep"] == {"swept_to": "2026-11-22T09:50:00Z", "age_seconds": 600}
    assert account["recall_today"] == {
        "day": today,
        "pending": 5,
        "eligible": 4,
        "sent": 3,
        "failed": 0,
        "recalled": 1,
        "skipped": {"holdout": 1},
    }
    assert account["campaigns"] == {"draft": 1}
    # And the problems say what needs a person
    assert report["healthy"] is False
    assert report["problems"] == [
        "alarm wxengage.recall-dlq-not-empty is in ALARM",
        "1 recall(s) in the dead-letter queue",
        f"{APP_ID}: the sweep checkpoint is 10 min old",
    ]
    # And the text shows the same picture
    code, out = wx("status")
    assert code == 0
    assert "ALARM     wxengage.recall-dlq-not-empty" in out
    assert "dead letters 1" in out
    assert "pending 5, eligible 4, sent 3, failed 0, recalled 1; skipped holdout 1" in out
    assert "campaigns 1 draft" in out and "3 problem(s)" in out


def test_an_unknown_stack_is_one_clear_line(stack: Settings) -> None:
    # Given no stack of that name / When its status is read / Then exit 1 with how to get one
    code, out = wx("--stack", "nope", "status")
    assert code == 1 and "stack 'nope' not found" in out
