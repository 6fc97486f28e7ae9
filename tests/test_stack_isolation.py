"""Every test gets template.yaml freshly deployed: what one test writes, the next never sees."""

from __future__ import annotations

import boto3

from wxengage.settings import Settings

TABLES = (
    "accounts_table",
    "followers_table",
    "idempotency_table",
    "mass_jobs_table",
    "tokens_table",
    "rules_table",
    "recalls_table",
    "stats_table",
    "campaigns_table",
    "ledger_table",
)


def contents(settings: Settings) -> dict[str, int]:
    """How many items, objects, messages and secrets the deployed stack holds."""
    ddb = boto3.client("dynamodb")
    found = {name: ddb.scan(TableName=getattr(settings, name))["Count"] for name in TABLES}
    s3 = boto3.client("s3")
    found["audience_bucket"] = s3.list_objects_v2(Bucket=settings.audience_bucket)["KeyCount"]
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=settings.recall_queue_url, AttributeNames=["All"]
    )["Attributes"]
    found["recall_queue"] = int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )
    secrets = boto3.client("secretsmanager").list_secrets()["SecretList"]
    found["secrets"] = len(secrets)
    return found


def write_everywhere(settings: Settings) -> None:
    """One item in every table, an object, a queued message and a secret."""
    ddb = boto3.client("dynamodb")
    for name in TABLES:
        table = getattr(settings, name)
        described = ddb.describe_table(TableName=table)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
        keys = [k["AttributeName"] for k in described["KeySchema"]]
        ddb.put_item(
            TableName=table, Item={k: {types[k]: "1" if types[k] == "N" else "x"} for k in keys}
        )
    boto3.client("s3").put_object(Bucket=settings.audience_bucket, Key="left-behind", Body=b"x")
    boto3.client("sqs").send_message(QueueUrl=settings.recall_queue_url, MessageBody="{}")
    boto3.client("secretsmanager").create_secret(
        Name=f"{settings.secret_prefix}left-behind", SecretString="x"
    )


def check_starts_empty_then_write(settings: Settings) -> None:
    # Given the stack a test starts with
    before = contents(settings)
    # Then nothing an earlier test wrote is there
    assert before == dict.fromkeys(before, 0)
    # When this test writes everywhere
    write_everywhere(settings)
    # Then it sees its own writes (so the check above could have failed)
    assert all(count >= 1 for count in contents(settings).values())


# Two tests doing the same: whichever runs second would see the other's writes if they leaked.


def test_one_test_starts_from_an_empty_stack_and_writes_everywhere(stack: Settings) -> None:
    check_starts_empty_then_write(stack)


def test_another_test_starts_from_an_empty_stack_and_writes_everywhere(stack: Settings) -> None:
    check_starts_empty_then_write(stack)
