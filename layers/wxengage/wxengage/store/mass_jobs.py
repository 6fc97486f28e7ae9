"""Mass-send job results (MASSSENDJOBFINISH), kept for the broadcast engine."""

from __future__ import annotations

from botocore.exceptions import ClientError

from wxengage.mass_jobs import MassJobResult
from wxengage.settings import Settings
from wxengage.store.aws import client

# Read statistics are tracked for 7 days after a send; keep results comfortably longer.
RETENTION_SECONDS = 90 * 86400


class MassJobStore:
    """Writes results so that a late, older report never overwrites a newer one."""

    def __init__(self, settings: Settings) -> None:
        self._table = settings.mass_jobs_table

    def record(self, result: MassJobResult) -> bool:
        """Store the result; False when a newer report for the same job is already stored."""
        item = {
            "app_id": {"S": result.app_id},
            "msg_id": {"S": str(result.msg_id)},
            "status": {"S": result.status},
            "total_count": {"N": str(result.total_count)},
            "filter_count": {"N": str(result.filter_count)},
            "sent_count": {"N": str(result.sent_count)},
            "error_count": {"N": str(result.error_count)},
            "reported_at": {"N": str(result.reported_at)},
            "expires_at": {"N": str(result.reported_at + RETENTION_SECONDS)},
        }
        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(msg_id) OR reported_at < :t",
                ExpressionAttributeValues={":t": {"N": str(result.reported_at)}},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, app_id: str, msg_id: int) -> MassJobResult | None:
        """One job's stored result, or None."""
        resp = client("dynamodb").get_item(
            TableName=self._table,
            Key={"app_id": {"S": app_id}, "msg_id": {"S": str(msg_id)}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if not item:
            return None
        return MassJobResult(
            app_id=app_id,
            msg_id=msg_id,
            status=item["status"]["S"],
            **{
                k: int(item[k]["N"])
                for k in ("total_count", "filter_count", "sent_count", "error_count", "reported_at")
            },
        )
