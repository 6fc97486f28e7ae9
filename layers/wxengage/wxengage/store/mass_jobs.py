"""Mass-send job results (MASSSENDJOBFINISH), kept for the broadcast engine."""

from __future__ import annotations

from wxengage.errors import ConflictError
from wxengage.mass_jobs import MassJobResult
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, expression_values, from_item, key, to_item

# Read statistics are tracked for 7 days after a send; keep results comfortably longer.
RETENTION_SECONDS = 90 * 86400


class MassJobStore:
    """Writes results so that a late, older report never overwrites a newer one."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.mass_jobs_table

    def record(self, result: MassJobResult) -> bool:
        """Store the result; False when a newer report for the same job is already stored."""
        # msg_id is the sort key, a string in the table (WeChat's ids outgrow a double).
        item = to_item(
            result,
            msg_id=str(result.msg_id),
            expires_at=result.reported_at + RETENTION_SECONDS,
        )
        try:
            with conditional(f"job {result.msg_id} has a newer report"):
                client("dynamodb").put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(msg_id) OR reported_at < :t",
                    ExpressionAttributeValues=expression_values(t=result.reported_at),
                )
        except ConflictError:
            return False
        return True

    def get(self, app_id: str, msg_id: int) -> MassJobResult | None:
        """One job's stored result, or None."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key=key(app_id=app_id, msg_id=str(msg_id)),
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return from_item(MassJobResult, item) if item else None
