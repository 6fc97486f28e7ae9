"""Which passive reply a text message gets: the keyword reply of a default-content rule, else none."""

from __future__ import annotations

from wxengage.recall.rules import DefaultContent, StoredRule
from wxengage.wechat.replies import Reply, TextReply


def keyword_reply(rules: list[StoredRule], text: str) -> Reply | None:
    """The full-match reply of an enabled default-content rule whose guide link sent `text`."""
    for stored in rules:
        content = stored.rule.content
        if stored.rule.enabled and isinstance(content, DefaultContent) and text == content.keyword:
            return TextReply(content=content.keyword_reply)
    return None
