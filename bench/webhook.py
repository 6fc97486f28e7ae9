"""Webhook benchmark: CPU per safe-mode callback (ours vs wechatpy) and cold start (ours vs boto3 alone).

Prints one JSON object. Run with `make bench` or `.venv/bin/python bench/webhook.py`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/wxengage"), str(ROOT / "infra"), str(ROOT / "cli")]

from wechatpy import create_reply, parse_message  # noqa: E402
from wechatpy.crypto import WeChatCrypto  # noqa: E402
from wechatpy.utils import check_signature  # noqa: E402

from wxengage.wechat.crypto import MessageCrypto  # noqa: E402
from wxengage.wechat.envelope import CallbackQuery, open_callback, seal_callback  # noqa: E402
from wxengage.wechat.replies import TextReply, render_encrypted_reply, render_reply  # noqa: E402

TOKEN = "benchToken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxb11529c136998cb6"
TS, NONCE = "1763800000", "1514711492"
XML = (
    "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n"
    "<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n"
    "<CreateTime>1763800000</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[你好, do you ship to Shenzhen?]]></Content>\n<MsgId>24345238971234567</MsgId>\n</xml>"
)
REPLY_TEXT = "感谢您的留言, we will answer within the hour."


def ours_setup() -> Callable[[], str]:
    crypto = MessageCrypto(AES_KEY, APP_ID)
    body, query = seal_callback(XML, TOKEN, crypto, timestamp=TS, nonce=NONCE)
    params = CallbackQuery.model_validate(query)

    def one() -> str:
        callback, _ = open_callback(body, params, TOKEN, crypto)
        xml = render_reply(
            TextReply(content=REPLY_TEXT), callback.from_user, callback.to_user, int(TS)
        )
        return render_encrypted_reply(xml, crypto, TOKEN, TS, NONCE)

    return one


def wechatpy_setup() -> Callable[[], str]:
    crypto = MessageCrypto(AES_KEY, APP_ID)
    body, query = seal_callback(XML, TOKEN, crypto, timestamp=TS, nonce=NONCE)
    wcrypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    def one() -> str:
        check_signature(TOKEN, query["signature"], TS, NONCE)
        plain = wcrypto.decrypt_message(body, query["msg_signature"], TS, NONCE)
        msg = parse_message(plain)
        reply = create_reply(REPLY_TEXT, msg).render()
        return str(wcrypto.encrypt_message(reply, NONCE, TS))

    return one


def cpu_per_call(fn: Callable[[], str], n: int) -> float:
    start = time.process_time_ns()
    for _ in range(n):
        fn()
    return (time.process_time_ns() - start) / n / 1000  # microseconds


def cpu_bench(rounds: int = 41, per_round: int = 300) -> dict[str, object]:
    ours, theirs = ours_setup(), wechatpy_setup()
    ours(), theirs()  # warm both
    a: list[float] = []
    b: list[float] = []
    for i in range(rounds):
        # Interleave and alternate who goes first so drift hits both equally.
        pair = [(a, ours), (b, theirs)] if i % 2 == 0 else [(b, theirs), (a, ours)]
        for sink, fn in pair:
            sink.append(cpu_per_call(fn, per_round))
    ours_med, theirs_med = statistics.median(a), statistics.median(b)
    return {
        "work": "verify + decrypt + parse + encrypted text reply, safe mode",
        "rounds": rounds,
        "calls_per_round": per_round,
        "ours_us_per_callback_median": round(ours_med, 1),
        "wechatpy_us_per_callback_median": round(theirs_med, 1),
        "ratio_ours_over_wechatpy": round(ours_med / theirs_med, 3),
        "target_ratio_max": 0.8,
    }


COLD_OURS = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("webhook_app", sys.argv[1])
    app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
    from wxengage.wechat.signature import sha1_signature
    ts = str(int(time.time())); nonce = "42"
    event = {"version": "2.0", "routeKey": "GET /wechat/{app_id}", "rawPath": "/wechat/" + sys.argv[2],
             "rawQueryString": "", "headers": {}, "pathParameters": {"app_id": sys.argv[2]},
             "queryStringParameters": {"signature": sha1_signature(sys.argv[3], ts, nonce), "timestamp": ts,
                                       "nonce": nonce, "echostr": "hello"},
             "requestContext": {"http": {"method": "GET", "path": "/wechat/" + sys.argv[2], "sourceIp": "127.0.0.1"},
                                "requestId": "r", "routeKey": "GET /wechat/{app_id}", "stage": "$default"},
             "isBase64Encoded": False}
    class Ctx:
        function_name = "WebhookFunction"; memory_limit_in_mb = 512; aws_request_id = "r"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:WebhookFunction"
        def get_remaining_time_in_millis(self): return 4000
    out = app.lambda_handler(event, Ctx())
    assert out["statusCode"] == 200 and out["body"] == "hello", out
    """
)
COLD_BOTO3 = "import boto3"
# The floor for any webhook that reads DynamoDB and Secrets Manager: boto3 plus those two clients.
COLD_FLOOR = "import boto3; boto3.client('dynamodb'); boto3.client('secretsmanager')"


def cold_bench(runs: int = 15) -> dict[str, object]:
    """Fresh processes against moto on loopback, with the environment the stack gives the function."""
    from _offline import stack_on_loopback

    app_id = "wx0123456789abcdef"
    secrets = {"token": TOKEN, "aes_key": AES_KEY, "app_secret": "a" * 32}
    with stack_on_loopback("WebhookFunction", app_id, secrets) as (_, env):
        traced = env | {"POWERTOOLS_TRACE_DISABLED": "false"}
        handler = str(ROOT / "functions/webhook/app.py")
        ours = [sys.executable, "-c", COLD_OURS, handler, app_id, TOKEN]
        jobs = [
            ("ours", env, ours),
            ("ours_tracing_on", traced, ours),
            ("boto3", env, [sys.executable, "-c", COLD_BOTO3]),
            ("boto3_two_clients", env, [sys.executable, "-c", COLD_FLOOR]),
        ]
        series: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
        cpu: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
        for i in range(runs):
            # Interleaved, rotating who goes first, so drift hits every series alike.
            for name, job_env, cmd in jobs[i % len(jobs) :] + jobs[: i % len(jobs)]:
                t0, c0 = time.perf_counter(), _children_cpu()
                subprocess.run(cmd, env=job_env, check=True, capture_output=True)
                series[name].append((time.perf_counter() - t0) * 1000)
                cpu[name].append((_children_cpu() - c0) * 1000)
    med = {name: statistics.median(values) for name, values in series.items()}
    cpu_med = {name: statistics.median(values) for name, values in cpu.items()}
    return {
        "work": "fresh process: import the webhook handler, answer one URL verification (moto on loopback)",
        "baseline": "fresh process that only imports boto3",
        "runs": runs,
        "ours_ms_median": round(med["ours"], 1),
        "ours_tracing_on_ms_median": round(med["ours_tracing_on"], 1),
        "boto3_only_ms_median": round(med["boto3"], 1),
        "boto3_plus_dynamodb_and_secretsmanager_clients_ms_median": round(
            med["boto3_two_clients"], 1
        ),
        "ratio_ours_over_boto3": round(med["ours"] / med["boto3"], 3),
        "ratio_ours_tracing_on_over_boto3": round(med["ours_tracing_on"] / med["boto3"], 3),
        "ratio_ours_over_boto3_plus_two_clients": round(med["ours"] / med["boto3_two_clients"], 3),
        "target_ratio_max": 1.8,
        # CPU time (user + system) of the same processes: steadier than wall time on a busy
        # machine, and what a Lambda's share of a vCPU mostly pays for during init.
        "cpu_ms_median": {name: round(value, 1) for name, value in cpu_med.items()},
        "cpu_ratio_ours_over_boto3_plus_two_clients": round(
            cpu_med["ours"] / cpu_med["boto3_two_clients"], 3
        ),
    }


def _children_cpu() -> float:
    """Seconds of CPU used by this process's finished children so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    result = {"benchmark": "webhook", "cpu": cpu_bench(), "cold_start": cold_bench()}
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
