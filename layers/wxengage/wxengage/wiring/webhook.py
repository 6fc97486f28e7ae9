"""The webhook wired to this deployment's tables and secrets: URL verification at init, callbacks on first POST."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from wxengage.settings import Settings, get_settings
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.webhook.verify import UrlVerification

if TYPE_CHECKING:
    from wxengage.store.rules import RuleStore
    from wxengage.webhook.once import OncePerCallback
    from wxengage.webhook.receive import CallbackReceiver

# Lambda names how this container is being initialised; init is free of request latency there.
_SNAPSHOT_INITS = ("snap-start", "provisioned-concurrency")


class Webhook:
    """The webhook's two use cases over one set of stores, one per Lambda container."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._accounts = AccountStore(settings)
        self.verification = UrlVerification(self._accounts)
        self._receiver: CallbackReceiver | None = None
        self._rules: RuleStore | None = None
        self._once: OncePerCallback | None = None
        self._context: Any = None

    def bind(self, lambda_context: Any) -> None:
        """Dedupe records in progress expire with this invocation if it times out mid-way.

        A new invocation also reads account settings and the rules stamp afresh (once), so a
        change written before it starts applies to it (README: when changes apply).
        """
        self._context = lambda_context
        self._accounts.new_invocation()
        if self._rules is not None:
            self._rules.new_invocation()
        if self._once is not None:
            self._once.bind(lambda_context)

    def receiver(self) -> CallbackReceiver:
        """The POST use case, built on first use.

        Imported here, not at the top: a URL verification needs none of the message models,
        crypto, recall planning or idempotency machinery, and a cold GET should not load them.
        """
        if self._receiver is None:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from wxengage.store.followers import FollowerStore
            from wxengage.store.mass_jobs import MassJobStore
            from wxengage.store.recalls import RecallStore
            from wxengage.store.rules import RuleStore
            from wxengage.store.stats import StatsStore
            from wxengage.webhook.apply import CallbackApplier
            from wxengage.webhook.once import OncePerCallback
            from wxengage.webhook.receive import CallbackReceiver

            settings = self._settings
            rules = self._rules = RuleStore(settings)
            applier = CallbackApplier(
                accounts=self._accounts,
                followers=FollowerStore(settings),
                mass_jobs=MassJobStore(settings),
                rules=rules,
                recalls=RecallStore(settings),
                stats=StatsStore(settings),
            )
            persistence = DynamoDBPersistenceLayer(
                table_name=settings.idempotency_table, boto3_client=client("dynamodb")
            )
            self._once = OncePerCallback(persistence, applier.apply)
            if self._context is not None:
                self._once.bind(self._context)
            self._receiver = CallbackReceiver(
                settings.max_body_bytes, self._accounts, rules, self._once
            )
        return self._receiver


@cache
def get_webhook() -> Webhook:
    """The webhook wired to this deployment's tables and secrets."""
    return Webhook(get_settings())


# Clients are built at init, not by the first request, so that SnapStart and provisioned
# concurrency snapshot them; where init is free, the POST path is loaded then too.
client("dynamodb")
client("secretsmanager")
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in _SNAPSHOT_INITS:
    get_webhook().receiver()
