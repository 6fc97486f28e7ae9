"""Why a campaign, leg or batch failed, in words an operator acts on: a code, a sentence, what to do."""
# ruff: noqa: RUF001, RUF003  -- the zh-CN sentences use Chinese punctuation on purpose

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.batch import BatchResult, BatchState, BatchStatus
from wxengage.wechat.api_errors import (
    ErrorCategory,
    categorize,
)

RESUME = "then run `wxengage campaign resume`: it re-sends only what did not go out"
RESUME_ZH = "然后运行 `wxengage campaign resume`：只补发未发出的部分"


class Reason(BaseModel):
    """A failure reason as stored and shown; never a stack trace, a file path or raw error JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str  # stable: "wechat.40007", "batch.one_follower", "task.internal"...
    message: str  # what happened, in English
    message_zh: str  # 同上，中文
    action: str  # what the operator does about it
    action_zh: str

    def text(self) -> str:
        """One line for the CLI and the `reason` fields: sentence, what to do, code."""
        return f"{self.message} What to do: {self.action} [{self.code}]"


def reason(code: str, message: str, message_zh: str, action: str, action_zh: str) -> Reason:
    return Reason(
        code=code, message=message, message_zh=message_zh, action=action, action_zh=action_zh
    )


# errcode -> (sentence, 中文, what to do, 怎么办). Sources: WECHAT.md section 11, wechatpy
# constants.py, WxJava WxMpErrorMsgEnum / WxOpenErrorMsgEnum (40130 "at least two openid").
_WECHAT: dict[int, tuple[str, str, str, str]] = {
    -1: ("WeChat was busy (system error).", "微信系统繁忙。", "wait a few minutes, " + RESUME, "稍候几分钟，" + RESUME_ZH),
    45011: ("WeChat's per-minute call limit was reached.", "触发了微信每分钟调用频率限制。", "wait a minute, " + RESUME, "等一分钟，" + RESUME_ZH),
    45009: ("The account's daily API quota is used up.", "公众号当日接口调用次数已用完。", "wait until tomorrow (or clear the quota in the WeChat console), " + RESUME, "等到明天（或在公众平台清零额度），" + RESUME_ZH),
    45028: ("The account has no mass-send quota left this period.", "公众号本周期群发次数已用完。", "wait for the next period, " + RESUME, "等下一个周期，" + RESUME_ZH),
    40007: ("WeChat does not know this media_id (deleted, expired or not a published article).", "media_id 无效（已删除、过期或不是已发布的图文）。", "fix the content's media_id; a started campaign cannot be edited, so create a new campaign for these followers", "修正内容的 media_id；已开始的活动不能编辑，请为这些粉丝新建活动"),
    40130: ("WeChat's mass send needs at least 2 openids.", "按 openid 群发至少需要 2 个 openid。", "reach a lone follower by a preview or customer-service message, or put them in a larger group", "单个粉丝请用预览或客服消息，或并入更大的分组"),
    48001: ("The account lacks permission for this API (a verified account is needed).", "公众号没有该接口权限（需要认证）。", "verify the account in the WeChat console, " + RESUME, "在公众平台完成认证，" + RESUME_ZH),
    48004: ("WeChat has banned this API for the account.", "微信已封禁该接口。", "read the notices in the WeChat console; resume once the ban is lifted", "查看公众平台通知，解封后再继续"),
    40164: ("The calling IP is not on the account's IP whitelist.", "调用方 IP 不在公众号白名单中。", "add the NAT gateway's IP to the whitelist in the WeChat console, " + RESUME, "在公众平台把 NAT 网关 IP 加入白名单，" + RESUME_ZH),
    40013: ("The AppID is not valid.", "AppID 无效。", "check the account's app_id, " + RESUME, "检查公众号 app_id，" + RESUME_ZH),
    40125: ("The AppSecret is not valid.", "AppSecret 无效。", "update the account's app-secret (wxengage accounts), " + RESUME, "更新公众号 app-secret，" + RESUME_ZH),
    45066: ("The same batch was sent again within a minute.", "同一批次一分钟内重复提交。", "nothing: the engine retries it a minute later under the same clientmsgid", "无需处理：引擎一分钟后以同一 clientmsgid 重试"),
    61501: ("WeChat's statistics for that day are not ready yet.", "该日的统计数据尚未生成。", "wait until after 08:00 the next day, " + RESUME, "等到次日 08:00 之后，" + RESUME_ZH),
}  # fmt: skip

_TOKEN = ("WeChat rejected the access token twice.", "微信两次拒绝了 access_token。")
_CONFIRM = (
    "WeChat is waiting for the account administrator to confirm this mass send.",
    "群发在等待管理员确认。",
)
_IP_REFUSED = ("The account administrator refused calls from this IP.", "管理员拒绝了来自该 IP 的调用。")  # fmt: skip
_API = {
    "/cgi-bin/message/mass/send": ("mass send", "群发"),
    "/cgi-bin/message/mass/sendall": ("mass send", "群发"),
    "/cgi-bin/message/mass/get": ("mass job lookup", "群发状态查询"),
    "/datacube/getarticletotal": ("read statistics", "阅读统计"),
    "/datacube/getarticleread": ("read statistics", "阅读统计"),
    "/cgi-bin/user/get": ("follower list", "粉丝列表"),
    "/cgi-bin/user/tag/get": ("tag follower list", "标签粉丝列表"),
}


def from_wechat(errcode: int, path: str = "", errmsg: str = "") -> Reason:
    """What a WeChat errcode means for the operator (the call it answered named)."""
    what, what_zh = _API.get(path.split("?")[0], ("call", "调用"))
    prefix, prefix_zh = (
        f"WeChat refused the {what} ({errcode}): ",
        f"微信拒绝了{what_zh}（{errcode}）：",
    )
    known = _WECHAT.get(errcode)
    category = categorize(errcode)
    if known is None and category is ErrorCategory.TOKEN:
        known = (
            *_TOKEN,
            "check the account's app-secret, " + RESUME,
            "检查 app-secret，" + RESUME_ZH,
        )
    elif known is None and category is ErrorCategory.AWAITING_CONFIRMATION:
        known = (
            *_CONFIRM,
            "ask the administrator to confirm in WeChat, " + RESUME,
            "请管理员在微信中确认，" + RESUME_ZH,
        )
    elif known is None and errcode in (89506, 89507):
        known = (
            *_IP_REFUSED,
            "wait (1 h, or 24 h after a second refusal), " + RESUME,
            "等待 1 小时（再次拒绝为 24 小时），" + RESUME_ZH,
        )
    if known is None:
        said = clean(errmsg)
        known = (
            f"WeChat answered errcode {errcode}{f' ({said})' if said else ''}.",
            f"微信返回错误码 {errcode}{f'（{said}）' if said else ''}。",
            "look the code up in WeChat's error code list; " + RESUME,
            "在微信全局返回码说明中查询该错误码；" + RESUME_ZH,
        )  # fmt: skip
    message, message_zh, action, action_zh = known
    return reason(f"wechat.{errcode}", prefix + message, prefix_zh + message_zh, action, action_zh)


def unreachable(path: str = "") -> Reason:
    """No answer from WeChat (timeouts, dropped connections), after every retry."""
    what, what_zh = _API.get(path.split("?")[0], ("call", "调用"))
    return reason(
        "wechat.unreachable",
        f"WeChat did not answer the {what} (a timeout or a dropped connection).",
        f"微信未响应{what_zh}（超时或连接中断）。",
        "check the network path to api.weixin.qq.com, " + RESUME,
        "检查到 api.weixin.qq.com 的网络，" + RESUME_ZH,
    )


def clean(text: str, limit: int = 120) -> str:
    """One short line (WeChat's errmsg carries a request id, kept; never more than `limit`)."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def one_follower() -> Reason:
    """A send list of one: WeChat's mass/send takes 2..10,000 openids (40130 below 2)."""
    return reason(
        "batch.one_follower",
        "Only 1 follower was left for this send; WeChat's mass send needs at least 2 openids, so nothing was sent.",
        "本次发送只剩 1 位粉丝；微信按 openid 群发至少需要 2 个 openid，因此未发送。",
        "reach this follower by a preview or customer-service message, or include them in a larger group next time",
        "请用预览或客服消息触达该粉丝，或下次把其并入更大的分组",
    )  # fmt: skip


def variants_failed(failed: list[str], delivered: int) -> Reason:
    """A winner send that cannot be decided: fewer than two of its variants went out."""
    names = ", ".join(failed)
    return reason(
        "leg.variants_failed",
        f"No winner can be chosen: only {delivered} variant(s) went out ({names} failed), so the rest of the group was not sent anything.",
        f"无法选出胜出版本：只有 {delivered} 个版本发出（{names} 失败），本组其余粉丝未发送。",
        "fix the cause shown on the failed variants, " + RESUME + " (the variants first, the winner after their statistics)",
        "先处理失败版本上显示的原因，" + RESUME_ZH + "（先补发版本，统计出来后再发胜出版本）",
    )  # fmt: skip


def stopped() -> Reason:
    """A leg the run left unfinished (its own failure could not even be recorded)."""
    return reason(
        "leg.stopped",
        "The run stopped before this send finished.",
        "运行在本次发送完成前停止。",
        "look at the campaign's reason, " + RESUME,
        "查看活动的原因，" + RESUME_ZH,
    )


def legs_failed(failed: list[str], total: int, delivered: bool) -> Reason:
    """The campaign's reason: which sends failed, and whether anything went out."""
    names = ", ".join(failed)
    if delivered:
        return reason(
            "campaign.partially_failed",
            f"{len(failed)} of {total} sends failed ({names}); the others went out.",
            f"{total} 次发送中 {len(failed)} 次失败（{names}），其余已发出。",
            "see each failed send's reason in `wxengage campaign status`, fix it, " + RESUME,
            "在 `wxengage campaign status` 中查看各失败发送的原因并处理，" + RESUME_ZH,
        )
    return reason(
        "campaign.failed",
        f"Nothing went out: every send failed ({names}).",
        f"全部发送失败（{names}），没有发出任何消息。",
        "see each send's reason in `wxengage campaign status`, fix it, " + RESUME,
        "在 `wxengage campaign status` 中查看各发送的原因并处理，" + RESUME_ZH,
    )


def uncertain() -> Reason:
    """A batch whose answer was lost and that WeChat no longer de-duplicates (24 h later)."""
    return reason(
        "batch.uncertain",
        "This batch may have reached WeChat (its answer was lost) more than 24 hours ago; WeChat no longer de-duplicates it, so resume leaves it alone.",
        "该批次可能已送达微信（应答丢失）且已超过 24 小时，微信不再去重，因此补发不会重发它。",
        "check the account's mass-send history in the WeChat console before sending it again by hand",
        "请先在公众平台群发记录中核对，再决定是否手动补发",
    )  # fmt: skip


def batches_failed(batches: list[BatchState]) -> Reason | None:
    """A leg's reason from its failed batches (the first one's cause), None when none failed."""
    failed = [
        b
        for b in batches
        if b.status is BatchStatus.FAILED
        or (b.result is not None and not BatchResult.succeeded(b.result))
    ]
    if not failed:
        return None
    first = failed[0]
    if first.status is not BatchStatus.FAILED:
        cause = reason(
            "mass_job.failed",
            f"WeChat accepted the batch but reported its mass job as {clean(first.result or '', 40)!r}.",
            f"微信接受了该批次，但群发任务结果为 {clean(first.result or '', 40)!r}。",
            "check the job in the WeChat console; WeChat already has this batch, so resume does not send it again",
            "请在公众平台核对该群发任务；微信已收到该批次，补发不会重发",
        )  # fmt: skip
    elif first.size < 2:
        cause = one_follower()
    elif first.errcode is not None:
        cause = from_wechat(first.errcode, "/cgi-bin/message/mass/send")
    else:
        cause = unreachable("/cgi-bin/message/mass/send")
    if len(failed) == len(batches):
        return cause
    return reason(
        cause.code,
        f"{len(failed)} of {len(batches)} batches failed: {cause.message}",
        f"{len(batches)} 个批次中 {len(failed)} 个失败：{cause.message_zh}",
        cause.action,
        cause.action_zh,
    )
