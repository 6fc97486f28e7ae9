"""The one settings model: every Lambda and the CLI read configuration through `get_settings()`."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Deployment-wide settings; per-account settings live in the accounts table."""

    model_config = ConfigDict(frozen=True)

    accounts_table: str = Field(min_length=1)
    followers_table: str = Field(min_length=1)
    idempotency_table: str = Field(min_length=1)
    mass_jobs_table: str = Field(min_length=1)
    # Secrets Manager name prefix; an account's credentials live at f"{secret_prefix}{app_id}".
    secret_prefix: str = Field(min_length=1)
    tokens_table: str = Field(min_length=1)
    rules_table: str = Field(min_length=1)
    recalls_table: str = Field(min_length=1)
    stats_table: str = Field(min_length=1)
    recall_queue_url: str = Field(min_length=1)
    campaigns_table: str = Field(min_length=1)
    ledger_table: str = Field(min_length=1)
    audience_bucket: str = Field(min_length=1)
    # Only the CLI needs it (to start campaigns); the functions are what it runs.
    broadcast_state_machine_arn: str = ""
    broadcast_function_name: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # Seconds to wait for WeChat's answer; past it the call's outcome is unknown.
    wechat_read_timeout: float = Field(default=10.0, gt=0, le=60)
    # How long a Lambda keeps an account's settings and secrets in memory.
    cache_seconds: int = Field(default=300, ge=0)
    # How long after a window closes its record stays (TTL is clean-up, never a timer).
    retention_days: int = Field(default=35, ge=1)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from WXENGAGE_* environment variables."""
        source = os.environ if env is None else env
        prefix = "WXENGAGE_"
        values = {k[len(prefix) :].lower(): v for k, v in source.items() if k.startswith(prefix)}
        return cls.model_validate(values)

    @classmethod
    def from_stack_outputs(cls, outputs: dict[str, str], **extra: str) -> Settings:
        """Build settings from the CloudFormation stack's Outputs (how the CLI finds tables)."""
        values = {name: outputs[key] for key, name in STACK_OUTPUTS.items() if key in outputs}
        return cls.model_validate(values | extra)


# Stack output name -> settings field; template.yaml's Outputs must keep these names.
STACK_OUTPUTS = {
    "AccountsTableName": "accounts_table",
    "FollowersTableName": "followers_table",
    "IdempotencyTableName": "idempotency_table",
    "MassJobsTableName": "mass_jobs_table",
    "SecretPrefix": "secret_prefix",
    "TokensTableName": "tokens_table",
    "RulesTableName": "rules_table",
    "RecallsTableName": "recalls_table",
    "StatsTableName": "stats_table",
    "RecallQueueUrl": "recall_queue_url",
    "CampaignsTableName": "campaigns_table",
    "LedgerTableName": "ledger_table",
    "AudienceBucketName": "audience_bucket",
    "BroadcastStateMachineArn": "broadcast_state_machine_arn",
    "BroadcastFunctionName": "broadcast_function_name",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings.from_env()
