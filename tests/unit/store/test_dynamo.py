"""The one DynamoDB mapping: today's item layouts, round trips, numbers, and the conflict error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import BaseModel, SecretStr

from wxengage.errors import ConflictError
from wxengage.mass_jobs import MassJobResult
from wxengage.recall.planning import PendingRecall, RecallStatus
from wxengage.recall.rules import RecallRule, StoredRule
from wxengage.store.dynamo import (
    conditional,
    deserialize,
    expression_values,
    from_item,
    key,
    serialize,
    to_item,
)
from wxengage.wechat.tokens import CachedToken
from wxengage.windows import FollowerState, Opener

APP = "wx0123456789abcdef"


def test_a_fresh_follower_keeps_the_layout_written_by_hand_before() -> None:
    # Given a follower with nothing optional set
    state = FollowerState(app_id=APP, openid="o-ann")
    # When it is mapped with its TTL
    item = to_item(state, sparse=("recall_converted", "holdout_converted"), expires_at=1_000)
    # Then only the attributes the hand-written mapping wrote are there (no None, no false flag)
    assert item == {
        "app_id": {"S": APP},
        "openid": {"S": "o-ann"},
        "subscribed": {"BOOL": True},
        "expires_at": {"N": "1000"},
        "subscription_at": {"N": "0"},
        "last_interaction_at": {"N": "0"},
        "messages_left": {"N": "0"},
        "recalls_in_window": {"N": "0"},
        "version": {"N": "0"},
    }


def test_a_full_follower_round_trips_with_enums_strings_and_flags() -> None:
    # Given a follower with every field set
    state = FollowerState(
        app_id=APP,
        openid="o-ann",
        subscribed=False,
        subscription_at=1,
        left_at=2,
        last_message_at=3,
        last_interaction_at=4,
        window_opened_at=5,
        window_opened_by=Opener.MESSAGE,
        window_closes_at=6,
        messages_left=5,
        last_recall_at=7,
        last_recall_rule="r1",
        last_recall_window=5,
        last_recall_closes_at=6,
        last_recall_day="2026-12-03",
        recall_converted=True,
        recalls_in_window=1,
        version=9,
    )
    # When it is written and read back
    item = to_item(state, sparse=("recall_converted",), expires_at=99)
    # Then the types are those of before, and the model comes back unchanged
    assert item["window_opened_by"] == {"S": "message"}
    assert item["recall_converted"] == {"BOOL": True}
    assert item["last_recall_day"] == {"S": "2026-12-03"}
    assert item["left_at"] == {"N": "2"}
    assert from_item(FollowerState, item) == state


def test_a_pending_recall_keeps_its_index_and_ttl_attributes() -> None:
    # Given a recall planned in quiet hours
    recall = PendingRecall(
        app_id=APP,
        openid="o-ann",
        rule="r1",
        window_opened_at=100,
        window_closes_at=200,
        due_at=150,
        in_quiet_hours=True,
        status=RecallStatus.QUEUED,
    )
    # When it is mapped as the recall store files it
    item = to_item(
        recall,
        recall_id=recall.recall_id,
        status=RecallStatus.PENDING,
        due_bucket=f"{APP}#2026-12-03T10:00",
        due_key="0000000150#o-ann#r1",
        expires_at=300,
    )
    # Then the layout is exactly today's, the status overridden
    assert item == {
        "app_id": {"S": APP},
        "recall_id": {"S": "o-ann#r1"},
        "openid": {"S": "o-ann"},
        "rule": {"S": "r1"},
        # Planned without an id (as before ids existed): the id is derived from the name
        "rule_id": {"S": "legacy-7231"},
        "window_opened_at": {"N": "100"},
        "window_closes_at": {"N": "200"},
        "due_at": {"N": "150"},
        "in_quiet_hours": {"BOOL": True},
        "status": {"S": "pending"},
        "due_bucket": {"S": f"{APP}#2026-12-03T10:00"},
        "due_key": {"S": "0000000150#o-ann#r1"},
        "expires_at": {"N": "300"},
    }
    # And reading ignores the index and TTL attributes
    assert from_item(PendingRecall, item) == PendingRecall.model_validate(
        recall.model_dump() | {"status": RecallStatus.PENDING}
    )


def test_a_mass_job_keeps_its_string_sort_key_and_reads_back_an_int() -> None:
    result = MassJobResult(
        app_id=APP,
        msg_id=3_147_483_650,
        status="SEND_SUCCESS",
        total_count=4,
        filter_count=3,
        sent_count=2,
        error_count=1,
        reported_at=500,
    )
    # When mapped with the sort key as a string, as the table declares it
    item = to_item(result, msg_id=str(result.msg_id), expires_at=600)
    # Then msg_id is S, the counts N, and the result round-trips
    assert item["msg_id"] == {"S": "3147483650"}
    assert item["sent_count"] == {"N": "2"} and item["expires_at"] == {"N": "600"}
    # (a field holding None, like a text job's msg_data_id, is left out)
    assert set(item) == {k for k, v in result if v is not None} | {"expires_at"}
    assert from_item(MassJobResult, item) == result


def test_a_rule_is_one_json_document_beside_its_copied_out_key_and_flag() -> None:
    rule = RecallRule.model_validate(
        {
            "name": "r1",
            "lead_minutes": 60,
            "holdout_percent": 12.5,
            "content": {"kind": "custom", "replies": [{"type": "text", "text": "x"}]},
        }
    )
    stored = StoredRule(rule=rule, created_at=10, updated_at=20)
    # When mapped as the rule store writes it
    item = to_item(stored, app_id=APP, name=rule.name, enabled=rule.enabled)
    # Then the nested rule is its JSON (as model_dump_json wrote it before)
    assert item == {
        "app_id": {"S": APP},
        "name": {"S": "r1"},
        "rule": {"S": rule.model_dump_json()},
        # Stored without an id (as before ids existed): the id is derived from the name
        "rule_id": {"S": "legacy-7231"},
        "enabled": {"BOOL": True},
        "created_at": {"N": "10"},
        "updated_at": {"N": "20"},
    }
    assert from_item(StoredRule, item) == stored


def test_a_token_is_stored_in_clear_and_read_back_secret() -> None:
    token = CachedToken(access_token=SecretStr("TOKEN-1"), expires_at=1_795_348_800)
    item = to_item(token, app_id=APP)
    assert item == {
        "app_id": {"S": APP},
        "access_token": {"S": "TOKEN-1"},
        "expires_at": {"N": "1795348800"},
    }
    back = from_item(CachedToken, item)
    assert back.access_token.get_secret_value() == "TOKEN-1" and back.expires_at == 1_795_348_800


class _Numbers(BaseModel):
    count: int
    share: float
    ratio: float = 2.0
    tags: set[str] = set()
    extra: dict[str, Any] = {}


def test_numbers_travel_as_exact_decimals_and_come_back_as_int_or_float() -> None:
    # Given a model with ints, floats (one integral), a string set and a nested map
    numbers = _Numbers(count=3, share=0.1, tags={"a", "b"}, extra={"n": 1, "f": 1.5})
    # When written
    item = to_item(numbers)
    # Then floats are exact decimal strings, never binary noise
    assert item["share"] == {"N": "0.1"} and item["ratio"] == {"N": "2.0"}
    assert item["tags"]["SS"] and sorted(item["tags"]["SS"]) == ["a", "b"]
    # And everything reads back equal, ints as int
    back = from_item(_Numbers, item)
    assert back == numbers and isinstance(back.extra["n"], int)
    assert deserialize({"N": "7"}) == 7 and deserialize({"N": "7.25"}) == 7.25
    assert serialize(Decimal("1.5")) == {"N": "1.5"}


def test_keys_and_expression_values() -> None:
    assert key(app_id=APP, openid="o") == {"app_id": {"S": APP}, "openid": {"S": "o"}}
    assert expression_values(v=3, s=RecallStatus.SENT, b={"x"}) == {
        ":v": {"N": "3"},
        ":s": {"S": "sent"},
        ":b": {"SS": ["x"]},
    }


def _error(code: str, **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, **extra}, "PutItem")


@pytest.mark.parametrize(
    "err",
    [
        _error("ConditionalCheckFailedException"),
        _error(
            "TransactionCanceledException",
            CancellationReasons=[{"Code": "None"}, {"Code": "ConditionalCheckFailed"}],
        ),
    ],
)
def test_a_failed_condition_becomes_the_one_conflict_error(err: ClientError) -> None:
    # When a write inside conditional() fails its condition
    with (
        pytest.raises(ConflictError, match="follower o-ann changed"),
        conditional("follower o-ann changed"),
    ):
        raise err


@pytest.mark.parametrize(
    "err",
    [
        _error("ProvisionedThroughputExceededException"),
        _error("TransactionCanceledException", CancellationReasons=[{"Code": "ThrottlingError"}]),
    ],
)
def test_other_failures_pass_through_unchanged(err: ClientError) -> None:
    with pytest.raises(ClientError) as raised, conditional("x"):
        raise err
    assert raised.value is err
