"""One function's happy and error paths at DEBUG in a fresh process, as its own Lambda runs them.

`python -m tests.security.log_scenarios <scenario> <report.json>` writes what the function
logged, printed to stderr/stdout (the parent reads those) and let escape, and the secrets in play.
A fresh process matters: loggers our modules pin at import time (store/tokens.py,
wechat/client.py) are pinned in a Lambda only if that function imports them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEBUG_ENV = {"POWERTOOLS_LOG_LEVEL": "DEBUG", "LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
# A Lambda at DEBUG: the root at DEBUG (Lambda's log level), so botocore, boto3 and urllib3 log
# at DEBUG too unless our code pinned one of their loggers (that pin is what is under test).
DEBUG_LOGGERS = ["", "aws_lambda_powertools", "wxengage"]
LIBRARIES = ["botocore", "boto3", "urllib3"]
# The emulators' own loggers: moto and its HTTP interception do not exist in a Lambda.
NOT_IN_LAMBDA = ("moto", "responses", "werkzeug")
# Modules that pin loggers when imported: whether a function imports them is what we test.
PINNING_MODULES = ("wxengage.store.tokens", "wxengage.wechat.client")
SEND = "/cgi-bin/message/custom/send"
H48 = 48 * 3600
# LogRecord attributes every record has; anything else came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class Everything(logging.Handler):
    """Every record of one thread (the function's), with its args, extra fields and traceback."""

    def __init__(self, thread: int) -> None:
        super().__init__(logging.DEBUG)
        self.thread = thread
        self.records: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or record.name.split(".")[0] in NOT_IN_LAMBDA:
            return  # the sandbox's threads play WeChat; moto plays AWS
        try:
            message = record.getMessage()
        except Exception:  # a malformed call still logs what it carried
            message = f"{record.msg!r} % {record.args!r}"
        parts = [message, repr(record.args)]
        parts += [f"{k}={v!r}" for k, v in vars(record).items() if k not in _STANDARD]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        if record.stack_info:
            parts.append(record.stack_info)
        self.records.append(
            {"logger": record.name, "level": record.levelname, "text": " | ".join(parts)}
        )


@dataclass
class Watch:
    """The function's invocations and everything they left behind."""

    capture: Everything = field(default_factory=lambda: Everything(threading.get_ident()))
    escaped: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    facts: dict[str, Any] = field(default_factory=dict)
    imported_before: list[str] = field(default_factory=list)

    def call(self, handler: Callable[[Any, Any], Any], event: Any, name: str) -> Any:
        """Invoke as Lambda does; an exception that escapes is what Lambda would log, so keep it."""
        from wxengage_local.handlers import FakeLambdaContext

        try:
            return handler(event, FakeLambdaContext(name))
        except Exception as err:
            self.escaped.append("".join(traceback.format_exception(err)))
            return None

    @contextmanager
    def at_debug(self) -> Iterator[Watch]:
        """Every logger at DEBUG and every record captured; loggers pinned by modules the
        function imported keep their pin, as they would in its Lambda."""
        if "library_levels" not in self.facts:  # as the first watched call found them
            self.imported_before = [m for m in PINNING_MODULES if m in sys.modules]
        levels = {name: logging.getLogger(name).level for name in DEBUG_LOGGERS}
        hosts = [logging.getLogger()] + [
            log
            for log in logging.root.manager.loggerDict.values()
            if isinstance(log, logging.Logger) and not log.propagate
        ]
        for name in DEBUG_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        self.facts.setdefault(
            "library_levels",
            {
                name: logging.getLevelName(logging.getLogger(name).getEffectiveLevel())
                for name in LIBRARIES
            },
        )
        for host in hosts:
            host.addHandler(self.capture)
        try:
            yield self
        finally:
            for host in hosts:
                host.removeHandler(self.capture)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)

    def report(self) -> dict[str, Any]:
        return {
            "records": self.capture.records,
            "escaped": self.escaped,
            "secrets": sorted(self.secrets),
            "facts": self.facts,
            "imported_before": self.imported_before,
        }


# --- the world the scenarios run in ---------------------------------------------------------


def handler(name: str) -> Callable[[Any, Any], Any]:
    from tests.conftest import ROOT
    from wxengage_local.handlers import load_handler

    return load_handler(ROOT / "functions" / name, "app.lambda_handler")


def safe_account() -> Any:
    """The safe-mode account main() registers, as WeChat knows it."""
    from tests.support.callbacks import AES_KEY, APP_ID, TOKEN, WxAccount
    from wxengage.accounts import MessageMode

    return WxAccount(APP_ID, TOKEN, AES_KEY, MessageMode.SAFE)


def post(xml: str, now: int) -> dict[str, Any]:
    """WeChat's POST of a callback to that account."""
    from tests.support.callbacks import APP_ID, http_event, sealed

    body, query = sealed(safe_account(), xml, now)
    return http_event("POST", APP_ID, query, body)


def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_wechat(base_url: str) -> None:
    """Point the functions at a WeChat base URL, as a redeploy with that setting would."""
    from tests.support import reset_services
    from wxengage.settings import get_settings

    os.environ["WXENGAGE_WECHAT_API_BASE"] = base_url
    get_settings.cache_clear()
    reset_services()


@contextmanager
def sandbox_wechat(watch: Watch) -> Iterator[Any]:
    """The WeChat sandbox over HTTP as the functions' WeChat; every token it issues is secret."""
    from tests.sandbox import FakeAccounts
    from tests.support.callbacks import APP_ID
    from wxengage_local.sandbox import WeChatSandbox

    sandbox = WeChatSandbox(FakeAccounts(APP_ID), "http://127.0.0.1:9", port=0)
    for api in ("stable_token", "token"):
        original = getattr(sandbox, api)

        def recording(query: Any, body: Any, original: Any = original) -> Any:
            status, answer = original(query, body)
            if isinstance(answer, dict) and answer.get("access_token"):
                watch.secrets.add(str(answer["access_token"]))
            return status, answer

        setattr(sandbox, api, recording)
    sandbox.start()
    use_wechat(sandbox.url)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def put_rule(settings: Any, now_source: Any) -> None:
    """A tagged default-content rule (a keyword reply), created three days ago."""
    from tests.support.callbacks import APP_ID
    from wxengage.accounts import Plan
    from wxengage.recall.rules import RecallRule
    from wxengage.store.rules import RuleStore

    rule = RecallRule.model_validate(
        {
            "name": "r1",
            "lead_minutes": 30,
            "include_tags": [100],
            "content": {
                "kind": "default",
                "greeting": "Anything else?",
                "guide": "Show me offers",
                "keyword": "more offers",
                "keyword_reply": "This week: 20% off.",
            },
        }
    )
    now_source.advance(-3 * 86400)
    RuleStore(settings).put(APP_ID, rule, Plan.ENTERPRISE)
    now_source.advance(3 * 86400)


# --- the scenarios --------------------------------------------------------------------------


def webhook(settings: Any, watch: Watch, clock: Any) -> None:
    """URL verification, messages (a keyword reply is encrypted with the key), a duplicate,
    and every kind of refusal; and one request that makes an exception escape today."""
    from tests.security.support import encrypted_request, signed_query
    from tests.support.callbacks import APP_ID, http_event, text_xml

    account = safe_account()
    now = int(clock.now)
    fn = handler("webhook")
    echo = signed_query(account, now) | {"echostr": "4375120948345356249"}
    with watch.at_debug():
        for event in (
            http_event("GET", APP_ID, echo),
            http_event("GET", APP_ID, echo | {"signature": "0" * 40}),
            post(text_xml(openid="o-ann", create_time=now - 60, msg_id=1), now),
            post(text_xml(openid="o-ann", create_time=now, content="more offers", msg_id=2), now),
            post(text_xml(openid="o-ann", create_time=now, content="more offers", msg_id=2), now),
            encrypted_request(account, now, "not*base64").event(),
            encrypted_request(account, now, account.crypto.encrypt("<xml><a>")).event(),
            http_event("POST", APP_ID, signed_query(account, now - 3600), b"<xml/>"),
            http_event("POST", "wxffffffffffffffff", signed_query(account, now), b"<xml/>"),
            http_event("POST", APP_ID, signed_query(account, now), b"<xml/>" * 60_000),
            post(text_xml(openid="", create_time=now, msg_id=3), now),
        ):
            answer = watch.call(fn, event, "WebhookFunction")
            watch.facts.setdefault("statuses", []).append(answer and answer["statusCode"])


def recall(settings: Any, watch: Watch, clock: Any) -> None:
    """The sweep queues due recalls; the sender sends (fetching a token, refetching it once
    WeChat refuses it), meets a closed window, an unreachable WeChat and a junk record."""
    import boto3

    from tests.conftest import ROOT
    from tests.support.callbacks import APP_ID, text_xml
    from wxengage_local.aws import physical_ids
    from wxengage_local.queue_pump import QueuePump, sqs_event
    from wxengage_local.sandbox.callbacks import Action
    from wxengage_local.sandbox.faults import FaultSpec
    from wxengage_local.template import LocalTemplate
    from wxengage_local.ticker import scheduled_event

    now = int(clock.now)
    due = now - H48 + 30 * 60 - 60  # written then, a 30-minute-lead recall came due a minute ago
    session = boto3.Session()
    functions = LocalTemplate(ROOT / "template.yaml").functions()
    pump = QueuePump.for_stack(session, functions, physical_ids(session, "wxengage"))
    pump.retry_after_seconds = 0
    fn_webhook, fn_sweep = handler("webhook"), handler("recall_sweep")
    fn_sender = handler("recall_sender")
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:" + settings.recall_queue_url.rsplit("/", 1)[-1]
    sweep_event = scheduled_event("sweep")
    # The webhook plans the recalls outside the capture: it runs in its own Lambda, and the
    # webhook scenario covers it; here only the sweep and the sender are watched.
    with sandbox_wechat(watch) as sandbox:
        for openid in ("o-due", "o-closed", "o-token", "o-down"):
            if openid != "o-closed":  # WeChat never saw it write: its window is closed
                sandbox.state.observe(APP_ID, openid, Action.SAY, due + 120 * (openid == "o-down"))
            sandbox.state.put_follower(APP_ID, openid, [100])
        for n, openid in enumerate(("o-due", "o-closed", "o-token"), start=10):
            watch.call(
                fn_webhook, post(text_xml(openid=openid, create_time=due, msg_id=n), now), "W"
            )
        sandbox.faults.add(FaultSpec(api=SEND, errcode=40001))
        with watch.at_debug():
            # A batch: a token fetched, refused once (40001) and refetched; a closed window
            watch.call(fn_sweep, sweep_event, "RecallSweepFunction")
            pump.drain()
        # One more, due two minutes later (the sweep has read up to now)
        down = text_xml(openid="o-down", create_time=due + 120, msg_id=30)
        watch.call(fn_webhook, post(down, now), "W")
        clock.advance(120)
        with watch.at_debug():
            # WeChat unreachable with a token cached; then a record that is not a recall
            use_wechat(f"http://127.0.0.1:{closed_port()}")
            watch.call(fn_sweep, sweep_event, "RecallSweepFunction")
            pump.poll_once(wait_seconds=0)
            junk = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": '{"not": "a recall"}'}
            watch.call(fn_sender, sqs_event([junk], queue_arn), "RecallSenderFunction")
        watch.facts["sent_to"] = [s["openid"] for s in sandbox.state.sent(APP_ID)]


def broadcast(settings: Any, watch: Watch, clock: Any) -> None:
    """The state machine's tasks for a text-to-everyone campaign (segment reads followers with a
    token, send submits the batch, results reads statistics), a preview, and failing tasks."""
    import yaml

    from tests.conftest import ROOT
    from tests.support.callbacks import APP_ID
    from wxengage.broadcast.operations import new_campaign_id
    from wxengage.broadcast.spec import CampaignSpec
    from wxengage.broadcast.state import Campaign
    from wxengage.store.campaigns import CampaignStore

    now = int(clock.now)
    spec = CampaignSpec.model_validate(
        yaml.safe_load((ROOT / "examples" / "campaigns" / "text-now.yaml").read_text())
    )
    campaign = Campaign(
        app_id=APP_ID, campaign_id=new_campaign_id(), spec=spec, created_at=now, updated_at=now
    )
    CampaignStore(settings).create(campaign)
    fn = handler("broadcast")
    task = {"app_id": APP_ID, "campaign_id": campaign.campaign_id}
    with sandbox_wechat(watch) as sandbox, watch.at_debug():
        for i in range(3):
            sandbox.state.put_follower(APP_ID, f"o-b{i}", [])
        watch.call(fn, task | {"action": "segment", "execution": "e-1"}, "BroadcastFunction")
        prepared = watch.call(fn, task | {"action": "prepare"}, "BroadcastFunction") or {}
        for leg in prepared.get("legs", []):
            for action in ("check", "send", "results"):
                watch.call(fn, leg | {"action": action}, "BroadcastFunction")
        watch.call(fn, task | {"action": "preview", "openids": ["o-b0"]}, "BroadcastFunction")
        watch.call(fn, {"action": "send", "app_id": APP_ID}, "BroadcastFunction")
        watch.call(fn, task | {"campaign_id": "nope", "action": "prepare"}, "BroadcastFunction")
        use_wechat(f"http://127.0.0.1:{closed_port()}")
        watch.call(fn, task | {"action": "preview", "openids": ["o-b1"]}, "BroadcastFunction")
        watch.facts["legs"] = len(prepared.get("legs", []))


def console(settings: Any, watch: Watch, clock: Any) -> None:
    """The console signed in and not: reads, a rule written and one refused, stats as CSV, the
    page; and a Cognito sign-in (moto's pool) whose passwords and token must never be logged."""
    import boto3

    from tests.console.conftest import claims, console_event
    from tests.support.callbacks import APP_ID

    temporary, chosen = "Temporary-Pass-9x", "Chosen-Pass-7y"
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = idp.create_user_pool(PoolName="console")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="mei", TemporaryPassword=temporary)
    os.environ["WXENGAGE_CONSOLE_CLIENT_ID"] = client_id
    # The admin pages on the same pool: temporary passwords are answered (the local setting).
    for group in ("viewer", "operator", "admin"):
        idp.create_group(UserPoolId=pool, GroupName=group)
    os.environ["WXENGAGE_CONSOLE_USER_POOL_ID"] = pool
    os.environ["WXENGAGE_CONSOLE_INVITE"] = "show"
    account_secrets = {"token": "TokSecret42", "aes_key": "k" * 43, "app_secret": "S3cr" * 8}
    watch.secrets |= {temporary, chosen} | set(account_secrets.values())
    fn = handler("console")
    base = f"/console/api/accounts/{APP_ID}"
    rule = {
        "name": "召回",
        "lead_minutes": 30,
        "content": {"kind": "custom", "replies": [{"type": "text", "text": "hi"}]},
    }
    requests: list[tuple[str, str, Any, Any, Any]] = [
        ("GET", "/console", None, None, None),
        ("GET", "/console/api/me", None, None, None),
        ("GET", f"{base}/overview", claims("viewer"), None, None),
        ("PUT", f"{base}/rules", claims("viewer"), rule, None),
        ("PUT", f"{base}/rules", claims("operator"), rule | {"lead_minutes": 1}, None),
        ("PUT", f"{base}/rules", claims("operator"), rule, None),
        ("GET", f"{base}/rules/召回/stats", claims("viewer"), None, {"format": "csv"}),
        ("GET", f"{base}/followers/o-nobody", claims("viewer"), None, None),
        ("POST", "/console/auth/sign-in", None, {"username": "mei", "password": "wrong-one"}, None),
    ]
    with watch.at_debug():
        for method, path, who, body, query in requests:
            answer = watch.call(
                fn, console_event(method, path, who, body, query), "ConsoleFunction"
            )
            watch.facts.setdefault("statuses", []).append(answer and answer["statusCode"])
        sign_in = {"username": "mei", "password": temporary}
        first = watch.call(fn, console_event("POST", "/console/auth/sign-in", None, sign_in), "C")
        session = json.loads(first["body"])["session"] if first else ""
        change = {"username": "mei", "session": session, "new_password": chosen}
        second = watch.call(
            fn, console_event("POST", "/console/auth/new-password", None, change), "C"
        )
        tokens = json.loads(second["body"]) if second else {}
        token, refresh = tokens.get("id_token"), tokens.get("refresh_token")
        if refresh:
            watch.secrets.add(refresh)  # added before use: a leak of it later is caught too
            again = {"refresh_token": refresh}
            watch.call(fn, console_event("POST", "/console/auth/refresh", None, again), "C")
        boss = claims("admin", "*", user="boss")
        new_user = {
            "username": "zhou",
            "email": "z@example.com",
            "role": "viewer",
            "accounts": ["*"],
        }
        made = watch.call(
            fn, console_event("POST", "/console/api/admin/users", boss, new_user), "C"
        )
        shown = json.loads(made["body"]).get("temporary_password") if made else None
        reset = watch.call(
            fn, console_event("POST", "/console/api/admin/users/zhou/reset-password", boss), "C"
        )
        shown_again = json.loads(reset["body"]).get("temporary_password") if reset else None
        account = {"app_id": "wx2222222222222222", "mode": "safe"} | account_secrets
        added = watch.call(
            fn, console_event("POST", "/console/api/admin/accounts", boss, account), "C"
        )
        bad = account | {"app_id": "wx3333333333333333", "token": "Tok!" + account_secrets["token"]}
        watch.secrets.add(bad["token"])
        watch.call(fn, console_event("POST", "/console/api/admin/accounts", boss, bad), "C")
    watch.secrets |= {t for t in (token, shown, shown_again) if t}
    watch.facts["signed_in"] = bool(token and refresh)
    watch.facts["admin"] = [
        bool(shown),
        bool(shown_again),
        bool(added and added["statusCode"] == 201),
    ]


def sync(settings: Any, watch: Watch, clock: Any) -> None:
    """The catalog sync: tags, articles and followers' tags (a token fetched), then WeChat
    refusing the token once and failing the article list."""
    from tests.support.callbacks import APP_ID, text_xml
    from wxengage_local.sandbox.faults import FaultSpec
    from wxengage_local.ticker import scheduled_event

    fn_webhook, fn_sync = handler("webhook"), handler("sync")
    now = int(clock.now)
    with sandbox_wechat(watch) as sandbox:
        for n, openid in enumerate(("o-s1", "o-s2"), start=40):
            sandbox.state.put_follower(APP_ID, openid, [100])
            watch.call(
                fn_webhook, post(text_xml(openid=openid, create_time=now, msg_id=n), now), "W"
            )
        with watch.at_debug():
            first = watch.call(fn_sync, scheduled_event("sync"), "SyncFunction") or {}
            sandbox.faults.add(FaultSpec(api="/cgi-bin/tags/get", errcode=40001))
            sandbox.faults.add(FaultSpec(api="/cgi-bin/draft/batchget", errcode=48001))
            clock.advance(3600)
            watch.call(fn_sync, {"app_id": APP_ID, "articles": 20}, "SyncFunction")
            watch.call(fn_sync, {"app_id": APP_ID, "articles": 0}, "SyncFunction")
    reports = first.get("accounts") or [{}]
    watch.facts["followers_written"] = reports[0].get("followers_written")


# Scenario name -> (the functions it drives, how).
SCENARIOS: dict[str, tuple[tuple[str, ...], Callable[[Any, Watch, Any], None]]] = {
    "webhook": (("webhook",), webhook),
    "recall": (("recall_sweep", "recall_sender"), recall),
    "broadcast": (("broadcast",), broadcast),
    "console": (("console",), console),
    "sync": (("sync",), sync),
}


def main(scenario: str, report_path: str) -> None:
    """Run one scenario against template.yaml in moto, then write its report as JSON."""
    os.environ.update(DEBUG_ENV)  # before anything imports Powertools, as in a Lambda
    from tests.conftest import FakeClock
    from tests.security.support import deployed_stack
    from tests.support import callbacks
    from wxengage import clock
    from wxengage.accounts import MessageMode

    watch = Watch(secrets={callbacks.TOKEN, callbacks.AES_KEY, callbacks.APP_SECRET})
    fake = FakeClock(1_795_341_600)
    clock.set_source(fake)
    with deployed_stack() as settings:
        callbacks.register(settings, mode=MessageMode.SAFE)
        put_rule(settings, fake)
        SCENARIOS[scenario][1](settings, watch, fake)
    Path(report_path).write_text(json.dumps(watch.report()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
