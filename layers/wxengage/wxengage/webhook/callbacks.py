"""What the webhook does with a request: verify it, read it, and apply it to the follower once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from pydantic import ValidationError

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError, MessageMode
from wxengage.mass_jobs import MassJobResult
from wxengage.observability import count
from wxengage.recall.outcomes import StatKey
from wxengage.recall.planning import plan_recalls
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import DefaultContent
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import BOTO_CONFIG
from wxengage.store.followers import FollowerStore
from wxengage.store.mass_jobs import MassJobStore
from wxengage.store.recalls import RecallStore
from wxengage.store.rules import RuleStore
from wxengage.store.stats import StatsStore
from wxengage.wechat import messages as m
from wxengage.wechat.crypto import MessageCrypto
from wxengage.wechat.envelope import CallbackQuery, open_callback
from wxengage.wechat.errors import (
    CallbackError,
    CallbackForbidden,
    CallbackTooLarge,
    InvalidSignatureError,
)
from wxengage.wechat.replies import Reply, TextReply, render_encrypted_reply, render_reply
from wxengage.wechat.signature import verify_signature
from wxengage.windows import (
    FollowerState,
    Interaction,
    InteractionKind,
    Opener,
    apply_interaction,
)

SUCCESS = "success"
# WeChat retries for well under a minute; a day of memory costs little and covers replays.
DEDUPE_SECONDS = 86400

_MENU_EVENTS = (m.ClickEvent, m.ScancodePushEvent, m.ScancodeWaitmsgEvent)

_APP_ID = re.compile(r"wx[0-9A-Za-z]{16}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
FUTURE_SKEW_SECONDS = 300


class WebhookRejected(Exception):
    """A request the webhook refuses: nothing was written. `reason` feeds the metric."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class WebhookAnswer:
    """The HTTP answer for WeChat."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


ReplyPolicy = Callable[[Account, m.Callback], Reply | None]


def interaction_for(callback: m.Callback) -> Interaction | None:
    """The window-relevant meaning of a callback, or None when it changes no window."""
    at = callback.create_time
    if isinstance(callback, m.TextMessage):
        return Interaction(kind=InteractionKind.MESSAGE, at=at, menu_id=callback.bizmsgmenuid)
    if isinstance(callback, m.Message):
        return Interaction(kind=InteractionKind.MESSAGE, at=at)
    if isinstance(callback, m.SubscribeEvent):
        return Interaction(kind=InteractionKind.SUBSCRIBE, at=at)
    if isinstance(callback, m.UnsubscribeEvent):
        return Interaction(kind=InteractionKind.UNSUBSCRIBE, at=at)
    if isinstance(callback, m.ScanEvent):
        return Interaction(kind=InteractionKind.SCAN, at=at)
    if isinstance(callback, _MENU_EVENTS):
        return Interaction(kind=InteractionKind.MENU, at=at)
    return None


class Webhook:
    """The webhook's domain: one instance per Lambda container, stores injected."""

    def __init__(
        self,
        settings: Settings,
        accounts: AccountStore | None = None,
        followers: FollowerStore | None = None,
        mass_jobs: MassJobStore | None = None,
        replies: ReplyPolicy | None = None,
    ) -> None:
        self._settings = settings
        self._accounts = accounts or AccountStore(settings)
        self._followers = followers or FollowerStore(settings)
        self._mass_jobs = mass_jobs or MassJobStore(settings)
        self._rules = RuleStore(settings)
        self._recalls = RecallStore(settings)
        self._stats = StatsStore(settings)
        self._replies = replies or self.keyword_reply
        persistence = DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table, boto_config=BOTO_CONFIG
        )
        self._idempotency = config = IdempotencyConfig(
            event_key_jmespath="key",
            expires_after_seconds=DEDUPE_SECONDS,
            response_hook=self._on_duplicate,
        )
        self._record_once: Callable[..., dict[str, Any]] = idempotent_function(
            self._record,
            data_keyword_argument="record",
            persistence_store=persistence,
            config=config,
        )

    def bind(self, lambda_context: Any) -> None:
        """Let idempotency records expire with the invocation if it times out mid-way."""
        self._idempotency.register_lambda_context(lambda_context)

    def verify_url(self, app_id: str, query: dict[str, str]) -> WebhookAnswer:
        """GET: answer `echostr` exactly when the signature proves the request is WeChat's."""
        account = self._account(app_id)
        params = _parse_query(query, need_echostr=True)
        self._check_fresh(account, params.timestamp)
        try:
            verify_signature(
                account.secrets.token.get_secret_value(),
                params.timestamp,
                params.nonce,
                params.signature,
            )
        except InvalidSignatureError as err:
            raise _rejection(err) from None
        return WebhookAnswer(body=query["echostr"])

    def receive(self, app_id: str, query: dict[str, str], body: bytes) -> WebhookAnswer:
        """POST: verify, decrypt and parse the callback, apply it once, answer WeChat."""
        if len(body) > self._settings.max_body_bytes:
            raise WebhookRejected(
                413,
                "too_large",
                f"body is {len(body)} bytes; the limit is {self._settings.max_body_bytes}",
            )
        account = self._account(app_id)
        params = _parse_query(query, need_echostr=False)
        self._check_fresh(account, params.timestamp)
        token = account.secrets.token.get_secret_value()
        crypto = _crypto(account)
        try:
            callback, encrypted = open_callback(
                body, params, token, crypto, self._settings.max_body_bytes
            )
        except CallbackError as err:
            raise _rejection(err) from None
        if account.settings.mode is MessageMode.SAFE and not encrypted:
            raise WebhookRejected(
                400,
                "plaintext_in_safe_mode",
                "the account is in safe mode but the callback is not encrypted",
            )
        if callback.create_time > clock.now_ts() + FUTURE_SKEW_SECONDS:
            # Plaintext mode signs only the query: a forged far-future CreateTime would hold a
            # window open for ever. WeChat's own clock is never this far ahead.
            raise WebhookRejected(
                400, "bad_callback", "CreateTime is in the future (more than 5 minutes ahead)"
            )
        count("CallbacksReceived", type=callback.kind)
        self._apply(app_id, callback)
        reply = self._replies(account, callback)
        if reply is None:
            return WebhookAnswer(body=SUCCESS)
        xml = render_reply(
            reply,
            to_user=callback.from_user,
            from_user=callback.to_user,
            create_time=int(clock.now_ts()),
        )
        if encrypted and crypto is not None:
            xml = render_encrypted_reply(xml, crypto, token, params.timestamp, params.nonce)
        return WebhookAnswer(body=xml, content_type="application/xml; charset=utf-8")

    def _account(self, app_id: str) -> Account:
        if not _APP_ID.fullmatch(app_id):
            # Never a lookup key: an empty or 3 KB app_id would break DynamoDB's key rules.
            raise WebhookRejected(404, "unknown_app", "no account for that app_id (not an AppID)")
        try:
            return self._accounts.get(app_id)
        except AccountNotFoundError as err:
            raise WebhookRejected(404, "unknown_app", str(err)) from None

    def _check_fresh(self, account: Account, timestamp: str) -> None:
        limit = account.settings.freshness_seconds
        if limit and abs(clock.now_ts() - int(timestamp)) > limit:
            raise WebhookRejected(
                403, "stale_timestamp", f"timestamp is more than {limit} s away from now"
            )

    def _apply(self, app_id: str, callback: m.Callback) -> None:
        record = _record_for(app_id, callback)
        if record is None:
            return
        try:
            self._record_once(record=record)
        except IdempotencyAlreadyInProgressError:
            # The first delivery is still being processed: let WeChat retry later.
            raise WebhookRejected(
                503, "in_progress", "the same callback is being processed"
            ) from None

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        if "mass" in record:
            stored = self._mass_jobs.record(MassJobResult.model_validate(record["mass"]))
            return {"written": stored}
        ix = Interaction.model_validate(record["interaction"])
        seen: list[FollowerState] = []

        def fold(current: FollowerState) -> FollowerState:
            seen.append(current)
            return apply_interaction(current, ix)

        after, written = self._followers.update(record["app_id"], record["openid"], fold)
        if not written:
            count("CallbacksStale")
            return {"written": False}
        self._after_write(seen[-1], after, ix)
        return {"written": True}

    def _after_write(self, before: FollowerState, after: FollowerState, ix: Interaction) -> None:
        """Plan recalls for a window a message just opened; count an answered recall once."""
        opened_now = (
            after.window_opened_by is Opener.MESSAGE
            and after.window_opened_at == ix.at
            and before.window_opened_at != ix.at
        )
        answered = after.recall_converted and not before.recall_converted
        if not (opened_now or answered):
            return
        settings = self._accounts.get_settings(after.app_id)
        now = int(clock.now_ts())
        if answered and after.last_recall_rule and after.last_recall_day:
            self._stats.add(
                after.app_id,
                after.last_recall_rule,
                after.last_recall_day,
                StatKey.RECALLED,
                now=now,
            )
            count("RecallsAnswered")
        if opened_now:
            day = local_day(now, settings.timezone)
            for recall in plan_recalls(settings, self._rules.cached(after.app_id), after):
                # Pending counts followers waiting for a recall: a re-plan is not a new one.
                if self._recalls.put_pending(recall) == "new":
                    self._stats.add(after.app_id, recall.rule, day, StatKey.PENDING, now=now)
                    count("RecallsPending")

    def keyword_reply(self, account: Account, callback: m.Callback) -> Reply | None:
        """The full-match passive reply of a default-content rule whose guide link was tapped."""
        if not isinstance(callback, m.TextMessage):
            return None
        for stored in self._rules.cached(account.settings.app_id):
            content = stored.rule.content
            if (
                stored.rule.enabled
                and isinstance(content, DefaultContent)
                and callback.content == content.keyword
            ):
                return TextReply(content=content.keyword_reply)
        return None

    @staticmethod
    def _on_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
        count("CallbacksDuplicate")
        return response


def _record_for(app_id: str, callback: m.Callback) -> dict[str, Any] | None:
    key = f"{app_id}:{m.dedupe_key(callback)}"
    if isinstance(callback, m.MassSendJobFinishEvent):
        mass = MassJobResult(
            app_id=app_id,
            msg_id=callback.msg_id,
            status=callback.status,
            total_count=callback.total_count,
            filter_count=callback.filter_count,
            sent_count=callback.sent_count,
            error_count=callback.error_count,
            reported_at=callback.create_time,
        )
        return {"key": key, "mass": mass.model_dump()}
    ix = interaction_for(callback)
    if ix is None:
        return None
    return {
        "key": key,
        "app_id": app_id,
        "openid": callback.from_user,
        "interaction": ix.model_dump(mode="json"),
    }


def _parse_query(query: dict[str, str], *, need_echostr: bool) -> CallbackQuery:
    try:
        params = CallbackQuery.model_validate(query)
    except ValidationError as err:
        missing = ", ".join(str(e["loc"][0]) for e in err.errors(include_input=False))
        raise WebhookRejected(
            400, "bad_query", f"missing or invalid query parameters: {missing}"
        ) from None
    # ASCII digits only: str.isdigit() also accepts '¹⁷⁹⁵', which int() then refuses.
    if not _TIMESTAMP.fullmatch(params.timestamp):
        raise WebhookRejected(400, "bad_query", "timestamp must be whole seconds")
    if need_echostr and "echostr" not in query:
        raise WebhookRejected(400, "bad_query", "missing or invalid query parameters: echostr")
    return params


def _crypto(account: Account) -> MessageCrypto | None:
    key = account.secrets.aes_key
    return MessageCrypto(key.get_secret_value(), account.settings.app_id) if key else None


def _rejection(err: CallbackError) -> WebhookRejected:
    if isinstance(err, CallbackForbidden):
        status = 403
    elif isinstance(err, CallbackTooLarge):
        status = 413
    else:
        status = 400
    return WebhookRejected(status, err.reason, str(err))
