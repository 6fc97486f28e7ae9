"""Account store: settings in the accounts table (read fresh once per invocation), credentials in
Secrets Manager (cached)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities import parameters

from wxengage.accounts import Account, AccountNotFoundError, AccountSecrets, AccountSettings
from wxengage.errors import ConflictError
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage.store.dynamo import conditional, key, to_attributes


class AccountStore:
    """Reads and writes accounts. Settings are read afresh once per invocation (or on every call
    when nobody says where invocations start), so a change applies to the next invocation;
    credentials go through Powertools parameters' in-memory cache."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._secrets: parameters.SecretsProvider | None = None
        # (raw JSON, parsed, generation) per account; see new_invocation.
        self._cache: dict[str, tuple[str, AccountSettings, int | None]] = {}
        self._generation: int | None = None

    def _secret_name(self, app_id: str) -> str:
        return f"{self._settings.secret_prefix}{app_id}"

    def new_invocation(self) -> None:
        """A new Lambda invocation starts: settings are read once more, then reused within it.

        One small consistent GetItem per account per invocation (the same item the webhook
        needs anyway); an unchanged document is not validated again.
        """
        self._generation = (self._generation or 0) + 1

    def get_settings(self, app_id: str) -> AccountSettings:
        """The account's settings as of this invocation; AccountNotFoundError if absent."""
        entry = self._cache.get(app_id)
        if entry is not None and self._generation is not None and entry[2] == self._generation:
            return entry[1]
        resp = client("dynamodb").get_item(
            TableName=self._settings.accounts_table, Key=key(app_id=app_id), ConsistentRead=True
        )
        if "Item" not in resp:
            self._cache.pop(app_id, None)
            raise AccountNotFoundError(app_id)
        raw = str(resp["Item"]["settings"]["S"])
        parsed = entry[1] if entry is not None and entry[0] == raw else None
        if parsed is None:
            parsed = AccountSettings.model_validate_json(raw)
        self._cache[app_id] = (raw, parsed, self._generation)
        return parsed

    def get_secrets(self, app_id: str) -> AccountSecrets:
        """The account's credentials from Secrets Manager, cached for `cache_seconds`."""
        if self._secrets is None:
            self._secrets = parameters.SecretsProvider(boto3_client=client("secretsmanager"))
        raw: Any = self._secrets.get(
            self._secret_name(app_id), transform="json", max_age=self._settings.cache_seconds
        )
        return AccountSecrets.model_validate(raw)

    def get(self, app_id: str) -> Account:
        """Settings and credentials together."""
        return Account(settings=self.get_settings(app_id), secrets=self.get_secrets(app_id))

    def _exists(self, app_id: str) -> bool:
        resp = client("dynamodb").get_item(
            TableName=self._settings.accounts_table,
            Key=key(app_id=app_id),
            ProjectionExpression="app_id",
            ConsistentRead=True,
        )
        return "Item" in resp

    def put(self, account: Account, *, replace: bool = False) -> None:
        """Store credentials first, then settings: an account is visible only once complete."""
        app_id = account.settings.app_id
        if not replace and self._exists(app_id):
            raise FileExistsError(f"account {app_id} already exists (use --replace to overwrite)")
        sm = client("secretsmanager")
        secret = json.dumps(account.secrets.as_json_dict())
        try:
            sm.create_secret(
                Name=self._secret_name(app_id),
                SecretString=secret,
                Description=f"wxengage credentials for {app_id}",
            )
        except sm.exceptions.ResourceExistsException:
            sm.put_secret_value(SecretId=self._secret_name(app_id), SecretString=secret)
        except sm.exceptions.InvalidRequestException:
            # A removed account's secret waits out its recovery window: bring it back.
            sm.restore_secret(SecretId=self._secret_name(app_id))
            sm.put_secret_value(SecretId=self._secret_name(app_id), SecretString=secret)
        condition = {} if replace else {"ConditionExpression": "attribute_not_exists(app_id)"}
        client("dynamodb").put_item(
            TableName=self._settings.accounts_table, Item=_item(account.settings), **condition
        )

    def update_settings(self, settings: AccountSettings) -> None:
        """Replace an existing account's settings (credentials untouched)."""
        try:
            with conditional(f"account {settings.app_id} is gone"):
                client("dynamodb").put_item(
                    TableName=self._settings.accounts_table,
                    Item=_item(settings),
                    ConditionExpression="attribute_exists(app_id)",
                )
        except ConflictError:
            raise AccountNotFoundError(settings.app_id) from None

    def list_settings(self) -> list[AccountSettings]:
        """Every account's settings (the accounts table is small: one item per account)."""
        out: list[AccountSettings] = []
        paginator = client("dynamodb").get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._settings.accounts_table, ConsistentRead=True
        ):
            out.extend(
                AccountSettings.model_validate_json(i["settings"]["S"]) for i in page["Items"]
            )
        return sorted(out, key=lambda s: s.app_id)

    def read_settings(self, app_id: str) -> AccountSettings:
        """Uncached read, for the CLI."""
        resp = client("dynamodb").get_item(
            TableName=self._settings.accounts_table,
            Key=key(app_id=app_id),
            ConsistentRead=True,
        )
        if "Item" not in resp:
            raise AccountNotFoundError(app_id)
        return AccountSettings.model_validate_json(resp["Item"]["settings"]["S"])

    def remove(self, app_id: str) -> None:
        """Delete settings first (the webhook then answers 404), then the credentials."""
        self.read_settings(app_id)
        client("dynamodb").delete_item(
            TableName=self._settings.accounts_table, Key=key(app_id=app_id)
        )
        client("secretsmanager").delete_secret(
            SecretId=self._secret_name(app_id),
            ForceDeleteWithoutRecovery=False,
            RecoveryWindowInDays=7,
        )


def _item(settings: AccountSettings) -> dict[str, Any]:
    # One JSON document per account: a new settings field is saved without a change here.
    return to_attributes({"app_id": settings.app_id, "settings": settings})
