"""A mass job's MASSSENDJOBFINISH report: sent to the webhook, or held back and let go later."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from wxengage import clock
from wxengage.accounts import Account, AccountNotFoundError
from wxengage.wechat.xml import cdata
from wxengage_local.sandbox.callbacks import official_id
from wxengage_local.sandbox.jobs import MassJob, Report

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox


# --- Reports held back, then let go --------------------------------------------------------------


def hold(sandbox: WeChatSandbox, *, on: bool, finish: bool = True) -> None:
    """Hold MASSSENDJOBFINISH back from now, the jobs finishing unless `finish` is off; or stop
    holding, which finishes the held jobs (their reports stay lost unless released)."""
    with sandbox.mass.lock:
        sandbox.mass.hold_reports, sandbox.mass.finish_held = on, finish
        if not on:
            for job in sandbox.mass.jobs:
                if job.report is Report.HELD:
                    job.finish()


def release(sandbox: WeChatSandbox) -> int:
    """Finish every held job and send its report now (late, as a delayed report arrives)."""
    with sandbox.mass.lock:
        held = [j for j in sandbox.mass.jobs if j.report is Report.HELD]
        for job in held:
            job.report = Report.PENDING
    for job in held:
        try:
            account = sandbox.accounts.get(job.app_id)
        except AccountNotFoundError:
            settle(sandbox, job, delivered=False)
            continue
        report(sandbox, account, job)
    return len(held)


def report(sandbox: WeChatSandbox, account: Account, job: MassJob) -> None:
    """MASSSENDJOBFINISH to the webhook once the send's answer is out; the job is done by then."""

    def build() -> str:
        with sandbox.mass.lock:
            job.finish()
        return finish_xml(account, job)

    sandbox.push_later(
        account,
        build,
        lambda delivered: settle(sandbox, job, delivered=delivered),
        what=f"MASSSENDJOBFINISH of mass job {job.msg_id}",
        openid=sender(job.app_id),
    )


def settle(sandbox: WeChatSandbox, job: MassJob, *, delivered: bool) -> None:
    """The job is done, and its report reached the webhook or was given up."""
    with sandbox.mass.lock:
        job.finish()
        job.report = Report.DELIVERED if delivered else Report.FAILED


def finish_xml(account: Account, job: MassJob) -> str:
    """The MASSSENDJOBFINISH callback for a job, as WeChat writes it."""
    sent = len(job.delivered)
    status = "send success" if sent else "send fail"
    parts = [
        f"<ToUserName>{cdata(official_id(account.settings.app_id))}</ToUserName>",
        f"<FromUserName>{cdata(sender(job.app_id))}</FromUserName>",
        f"<CreateTime>{int(clock.now_ts())}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
        "<Event><![CDATA[MASSSENDJOBFINISH]]></Event>",
        f"<MsgID>{job.msg_id}</MsgID>",
        f"<Status>{cdata(status)}</Status>",
        f"<TotalCount>{job.total}</TotalCount>",
        # FilterCount is what is left after filtering, about SentCount + ErrorCount (WECHAT.md
        # section 3); the followers filtered out are TotalCount - FilterCount.
        f"<FilterCount>{sent}</FilterCount>",
        f"<SentCount>{sent}</SentCount>",
        "<ErrorCount>0</ErrorCount>",
    ]
    if job.msgtype == "mpnews":
        parts += [
            "<CopyrightCheckResult><Count>0</Count><ResultList></ResultList>"
            "<CheckState>1</CheckState></CopyrightCheckResult>",
            "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
            # The link WeChat gives a sent article: its `mid` is the job's msg_data_id (the
            # engine's only way back to it after a 45065 answer; see wxengage.mass_jobs).
            f"<ArticleUrl>{cdata(article_url(job))}"
            "</ArticleUrl></item></ResultList></ArticleUrlResult>",
        ]
    return "<xml>" + "\n".join(parts) + "</xml>"


def sender(app_id: str) -> str:
    """The openid-shaped sender WeChat puts on an account's job reports (stable per account)."""
    return "o" + hashlib.sha1(f"mass-report:{app_id}".encode()).hexdigest()[:27]


def article_url(job: MassJob) -> str:
    """The first article's link as WeChat writes it: __biz, mid (= msg_data_id), idx, sn."""
    biz = hashlib.sha1(job.app_id.encode()).hexdigest()[:12]
    sn = hashlib.sha1(f"{job.msg_id}".encode()).hexdigest()[:32]
    return f"https://mp.weixin.qq.com/s?__biz={biz}&mid={job.msg_data_id}&idx=1&sn={sn}"
