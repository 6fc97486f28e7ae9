"""A MASSSENDJOBFINISH for news carries the article's link; its `mid` is the send's msg_data_id."""

from __future__ import annotations

from wxengage.mass_jobs import MassJobResult
from wxengage.webhook.records import MassJobRecord, record_for
from wxengage.wechat.messages import parse_message
from wxengage.wechat.xml import parse_xml
from wxengage_local.sandbox.jobs import MassJob
from wxengage_local.sandbox.reports import article_url

APP_ID = "wx0123456789abcdef"


def report(article: str) -> str:
    """A news job's report as WeChat writes it (MASSSENDJOBFINISH with ArticleUrlResult)."""
    return (
        "<xml><ToUserName><![CDATA[gh_0123]]></ToUserName><FromUserName><![CDATA[oSender]]>"
        "</FromUserName><CreateTime>1795341600</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1000001625</MsgID>"
        "<Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount>"
        "<FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>"
        "<CopyrightCheckResult><Count>0</Count><ResultList></ResultList><CheckState>1</CheckState>"
        "</CopyrightCheckResult><ArticleUrlResult><Count>1</Count><ResultList><item>"
        f"<ArticleIdx>1</ArticleIdx><ArticleUrl><![CDATA[{article}]]></ArticleUrl></item>"
        "</ResultList></ArticleUrlResult></xml>"
    )


def stored(xml: str) -> MassJobResult:
    record = record_for(APP_ID, parse_message(parse_xml(xml)))
    assert isinstance(record, MassJobRecord)
    return record.mass


def test_the_report_of_a_news_job_keeps_its_msg_data_id() -> None:
    # Given a report whose article link names mid=2247483654
    url = "https://mp.weixin.qq.com/s?__biz=MzA5&mid=2247483654&idx=1&sn=0c7e&chksm=ab"
    # When the webhook turns it into a stored result
    # Then the result carries that msg_data_id next to its counts
    result = stored(report(url))
    assert (result.msg_id, result.msg_data_id, result.sent_count) == (1000001625, 2247483654, 75)


def test_a_report_without_a_usable_link_has_no_msg_data_id() -> None:
    assert stored(report("https://mp.weixin.qq.com/s/AbCdEf")).msg_data_id is None


def test_the_sandbox_writes_the_link_with_the_jobs_msg_data_id() -> None:
    # Given a sandbox news job
    job = MassJob(
        app_id=APP_ID, msg_id=7, msg_data_id=7001, clientmsgid="c", msgtype="mpnews",
        content={"media_id": "M"}, submitted_at=0, total=2, delivered=["o1", "o2"],
    )  # fmt: skip
    # When its report's link is read back by the webhook
    # Then it names the job's msg_data_id
    assert stored(report(article_url(job))).msg_data_id == 7001
