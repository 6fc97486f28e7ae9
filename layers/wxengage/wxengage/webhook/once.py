"""Each callback applied once: Powertools idempotency around the applier, keyed by WeChat's retry identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from wxengage.webhook.errors import InProgress
from wxengage.webhook.records import Applied, CallbackRecord

# WeChat retries for well under a minute; a day of memory costs little and covers replays.
DEDUPE_SECONDS = 86400
# The records' key prefix: fixed, so moving code never changes which retries match.
KEY_PREFIX = "wxengage.webhook.callback"


def _replayed(response: Any, idempotent_data: DataRecord) -> Applied:
    outcome = response if isinstance(response, Applied) else Applied(written=False)
    return outcome.replay()


class OncePerCallback:
    """Runs `apply` at most once per record key within DEDUPE_SECONDS; retries get its outcome."""

    def __init__(
        self, persistence: BasePersistenceLayer, apply: Callable[[CallbackRecord], Applied]
    ) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            expires_after_seconds=DEDUPE_SECONDS,
            response_hook=_replayed,
        )

        def apply_record(record: CallbackRecord) -> Applied:
            return apply(record)

        self._once: Callable[..., Applied] = idempotent_function(
            apply_record,
            data_keyword_argument="record",
            persistence_store=persistence,
            config=self._config,
            output_serializer=PydanticSerializer(Applied),
            key_prefix=KEY_PREFIX,
        )

    def bind(self, lambda_context: Any) -> None:
        """Let in-progress records expire with the invocation if it times out mid-way."""
        self._config.register_lambda_context(lambda_context)

    def __call__(self, record: CallbackRecord) -> Applied:
        """Apply the record, or answer a retry with the stored outcome (`replayed` set).

        Raises InProgress while another delivery of the same callback is being applied.
        """
        try:
            return self._once(record=record)
        except IdempotencyAlreadyInProgressError:
            raise InProgress("the same callback is being processed") from None
