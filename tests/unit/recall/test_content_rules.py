"""Recall content WeChat accepts: no mpnews media_id, and a guide keyword that comes back whole."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from pydantic import ValidationError

from wxengage.recall.content import custom_message
from wxengage.recall.rules import (
    KEYWORD_FORBIDDEN,
    STORED,
    DefaultContent,
    RecallRule,
    StoredRule,
)
from wxengage.store.dynamo import from_item


def rule_with(reply: dict[str, Any]) -> dict[str, Any]:
    return {"name": "r1", "lead_minutes": 30, "content": {"kind": "custom", "replies": [reply]}}


def default(keyword: str) -> DefaultContent:
    return DefaultContent(
        greeting="欢迎回来", guide="看看本周优惠", keyword=keyword, keyword_reply="ok"
    )


@pytest.mark.parametrize("reply", [{"type": "mpnews", "media_id": "MEDIA"}, {"type": "mpnews"}])
def test_mpnews_is_refused_at_validation_pointing_to_mpnewsarticle(reply: dict[str, Any]) -> None:
    # Given a rule whose reply is customer-service mpnews (WeChat answers 40007 since the draft box)
    # When it is validated / Then it is refused with what to use instead
    with pytest.raises(ValidationError) as refused:
        RecallRule.model_validate(rule_with(reply))
    text = str(refused.value)
    assert "no longer accepted" in text and "mpnewsarticle" in text and "article_id" in text


def test_mpnewsarticle_is_the_way_to_send_a_published_article() -> None:
    # Given a rule with a published article / When its message is built
    rule = RecallRule.model_validate(rule_with({"type": "mpnewsarticle", "article_id": "ART_1"}))
    message = custom_message("o-1", rule.content, random.Random(1))
    # Then it is WeChat's mpnewsarticle body
    assert message == {
        "touser": "o-1",
        "msgtype": "mpnewsarticle",
        "mpnewsarticle": {"article_id": "ART_1"},
    }


@pytest.mark.parametrize("keyword", ["更多优惠", "更多 优惠", "more offers", "优惠!"])
def test_the_guide_link_carries_the_keyword_as_it_is_and_it_comes_back_whole(keyword: str) -> None:
    # Given a default reply with a Chinese keyword
    content = default(keyword)
    # When its customer-service text is built
    text = content.text()
    # Then the href carries the keyword raw (not percent-encoded), so what a tap sends back as
    # msgmenucontent is the keyword, whether or not the client percent-decodes it
    [href] = re.findall(r'<a href="([^"]*)">', text)
    assert href == f"weixin://bizmsgmenu?msgmenucontent={keyword}&msgmenuid=1"
    assert "%" not in href
    sent_back = re.search(r"msgmenucontent=([^&]*)&", href)
    assert sent_back is not None and sent_back.group(1) == keyword


@pytest.mark.parametrize(
    "keyword",
    [*(f"a{c}b" for c in KEYWORD_FORBIDDEN), " 优惠", "优惠 ", "a\tb", "a\nb", "%E4%BC%98"],
)
def test_a_keyword_a_decoder_would_change_is_refused(keyword: str) -> None:
    # Given a keyword that percent, form or HTML decoding (or the href itself) would alter
    # When the default reply is validated / Then it is refused, saying why
    with pytest.raises(ValidationError, match="must come back unchanged"):
        default(keyword)


def test_a_rule_stored_before_the_newer_checks_still_loads_from_the_store() -> None:
    # Given a rule put before mpnews and unsafe keywords were refused, as its item stores it
    legacy = {
        **rule_with({"type": "mpnews", "media_id": "MEDIA"}),
        "name": "legacy",
    }
    stored = {
        "app_id": "wx0123456789abcdef",
        "rule": json.dumps(legacy),
        "created_at": 1,
        "updated_at": 1,
    }
    item = {k: TypeSerializer().serialize(v) for k, v in stored.items()}
    # When the store reads it back (the webhook and the sender do, on every message)
    loaded = from_item(StoredRule, item, STORED)
    # Then it loads, and only new input is refused
    assert loaded.rule.name == "legacy"
    with pytest.raises(ValidationError, match="mpnewsarticle"):
        RecallRule.model_validate(legacy)
