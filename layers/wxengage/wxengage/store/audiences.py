"""Openid lists in S3: a campaign's audiences never travel in the execution's state."""

from __future__ import annotations

from wxengage.settings import Settings
from wxengage.store.aws import client


class AudienceStore:
    """One newline-separated object per list, under `<app_id>/<campaign_id>/`."""

    def __init__(self, settings: Settings) -> None:
        self._bucket = settings.audience_bucket

    @staticmethod
    def key(app_id: str, campaign_id: str, name: str) -> str:
        return f"{app_id}/{campaign_id}/{name}.txt"

    def put(self, app_id: str, campaign_id: str, name: str, openids: list[str]) -> None:
        """Write (or rewrite, identically on a retry) one list."""
        body = "\n".join(openids).encode("ascii")
        client("s3").put_object(
            Bucket=self._bucket,
            Key=self.key(app_id, campaign_id, name),
            Body=body,
            ContentType="text/plain",
        )

    def get(self, app_id: str, campaign_id: str, name: str) -> list[str]:
        """A list written before; an empty list was written as an empty object."""
        resp = client("s3").get_object(Bucket=self._bucket, Key=self.key(app_id, campaign_id, name))
        text = resp["Body"].read().decode("ascii")
        return text.split("\n") if text else []

    def exists(self, app_id: str, campaign_id: str, name: str) -> bool:
        try:
            client("s3").head_object(Bucket=self._bucket, Key=self.key(app_id, campaign_id, name))
        except client("s3").exceptions.ClientError as err:
            if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True
