"""Recall rules: who gets a recall, when before the window closes, and with what content."""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wxengage.accounts import Plan, QuietHours
from wxengage.names import DisplayName
from wxengage.recall.rule_ids import legacy_rule_id, rule_key

# Printable Unicode (issue 13): rule names are labels; ids and stats keys carry no meaning in them.
RuleName = DisplayName
TagId = Annotated[int, Field(ge=0, le=2**31)]
# WeChat's customer-service text is capped at 2048 bytes; we count characters conservatively.
Text = Annotated[str, Field(min_length=1, max_length=600)]
MediaId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-=+/]+$")]
Weight = Annotated[int, Field(ge=1, le=1000)]

PLAN_RULE_CAPS = {Plan.PROFESSIONAL: 1, Plan.ENTERPRISE: 3}
# Validation context for rules read back from the store: checks added after a rule was put
# refuse new input only, so a stored rule never stops the webhook or the sender from loading.
STORED = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """True when validating a rule read back from the store (see STORED)."""
    return bool(info.context and info.context.get("stored"))


# Characters a URL, form or HTML decoder would change, or that end the href or its query value.
KEYWORD_FORBIDDEN = "%+&#=?\"'<>\\"


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: Weight = 1


class TextContent(_Reply):
    """Plain text."""

    type: Literal["text"]
    text: Text


class UrlContent(_Reply):
    """Text followed by a tappable link."""

    type: Literal["url"]
    text: Text
    url: HttpUrl
    link_text: Annotated[str, Field(min_length=1, max_length=64)] = "Open"


class ImageContent(_Reply):
    """An image from the account's media library."""

    type: Literal["image"]
    media_id: MediaId


class NewsContent(_Reply):
    """One link card (WeChat shows only one article in a customer-service news message)."""

    type: Literal["news"]
    title: Annotated[str, Field(min_length=1, max_length=64)]
    description: Annotated[str, Field(max_length=120)] = ""
    url: HttpUrl
    picurl: HttpUrl | None = None


MPNEWS_REFUSED = (
    "customer-service mpnews with a media_id is no longer accepted by WeChat since the draft"
    " box launched (it answers 40007): publish the article and use"
    " {type: mpnewsarticle, article_id: <the published article's article_id>}"
)


class MpNewsContent(_Reply):
    """WeChat material by media id (mpnews): refused, WeChat no longer sends it (WECHAT.md 5)."""

    type: Literal["mpnews"]
    media_id: MediaId | None = None

    @model_validator(mode="after")
    def _refused(self, info: ValidationInfo) -> Self:
        # Sources: WxJava WxConsts.KefuMsgType.MP_NEWS_ARTICLE ("草稿箱功能上线后不再支持客服
        # 接口中带 media_id 的 mpnews 类型的图文消息") and WECHAT.md section 5.
        if is_stored(info):
            return self  # put before the rule existed: it still loads (WeChat answers 40007)
        raise ValueError(MPNEWS_REFUSED)


class MpNewsArticleContent(_Reply):
    """WeChat material: a published article id (mpnewsarticle)."""

    type: Literal["mpnewsarticle"]
    article_id: Annotated[str, Field(min_length=1, max_length=128)]


class MenuOption(BaseModel):
    """One smart-menu option: tapping it sends `content` as the follower's message."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[0-9A-Za-z_]{1,32}$")]
    content: Annotated[str, Field(min_length=1, max_length=64)]


class MsgMenuContent(_Reply):
    """A smart menu (msgmenu); needs a verified account."""

    type: Literal["msgmenu"]
    head_content: Annotated[str, Field(max_length=200)] = ""
    options: Annotated[list[MenuOption], Field(min_length=1, max_length=10)]
    tail_content: Annotated[str, Field(max_length=200)] = ""

    @field_validator("options")
    @classmethod
    def _unique_ids(cls, value: list[MenuOption]) -> list[MenuOption]:
        ids = [o.id for o in value]
        if len(set(ids)) != len(ids):
            raise ValueError("msgmenu option ids must be unique")
        return value


class MiniProgramContent(_Reply):
    """A mini-program card."""

    type: Literal["miniprogrampage"]
    title: Annotated[str, Field(min_length=1, max_length=64)]
    appid: Annotated[str, Field(pattern=r"^wx[0-9A-Za-z]{16}$")]
    pagepath: Annotated[str, Field(min_length=1, max_length=256)]
    thumb_media_id: MediaId


CustomReply = Annotated[
    TextContent
    | UrlContent
    | ImageContent
    | NewsContent
    | MpNewsContent
    | MpNewsArticleContent
    | MsgMenuContent
    | MiniProgramContent,
    Field(discriminator="type"),
]


class DefaultContent(BaseModel):
    """The default reply: a greeting and a guide link that sends `keyword` as the follower's message."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["default"] = "default"
    greeting: Text
    guide: Annotated[str, Field(min_length=1, max_length=64)]
    keyword: Annotated[str, Field(min_length=1, max_length=64)]
    # The full-match passive reply the webhook gives when the keyword comes back.
    keyword_reply: Text

    @field_validator("keyword")
    @classmethod
    def _sent_back_verbatim(cls, value: str, info: ValidationInfo) -> str:
        if is_stored(info):
            return value  # a rule put before the rule existed still loads
        bad = "".join(sorted({c for c in value if c in KEYWORD_FORBIDDEN}))
        if value != value.strip() or any(c.isspace() and c != " " for c in value) or bad:
            raise ValueError(
                f"keyword {value!r} cannot go into the guide link as it is: it must come back"
                " unchanged as the follower's message, so no leading or trailing space, no tab"
                f" or newline, and none of {KEYWORD_FORBIDDEN} (found: {bad or 'whitespace'});"
                " Chinese text is fine, e.g. 更多优惠"
            )
        return value

    def text(self) -> str:
        """The customer-service text: greeting, then the guide as a bizmsgmenu link.

        The keyword goes into the href as it is, Chinese included, not percent-encoded: a tap
        sends msgmenucontent back as the follower's message, and the community code that uses
        this link writes it raw (WeChat documents no decoding; WECHAT.md section 5), so a
        percent-encoded keyword could come back as "%E6%9B%B4..." and miss the keyword reply.
        The validator keeps out every character a decoder (percent, form "+", HTML) would
        change, so the keyword reads the same whether or not the client decodes.
        """
        link = (
            f'<a href="weixin://bizmsgmenu?msgmenucontent={self.keyword}&msgmenuid=1">'
            f"{self.guide}</a>"
        )
        return f"{self.greeting}\n{link}"


class CustomContent(BaseModel):
    """Custom replies; one is picked at random (by weight) for each send."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["custom"] = "custom"
    replies: Annotated[list[CustomReply], Field(min_length=1, max_length=10)]

    def pick(self, rnd: random.Random) -> CustomReply:
        """One reply, chosen by weight."""
        return rnd.choices(self.replies, weights=[r.weight for r in self.replies], k=1)[0]


class RecallRule(BaseModel):
    """A recall rule as the operator writes it (YAML or JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: RuleName
    enabled: bool = True
    lead_minutes: Annotated[int, Field(ge=10, le=2880)]
    include_tags: Annotated[list[TagId], Field(max_length=20)] = []
    exclude_tags: Annotated[list[TagId], Field(max_length=20)] = []
    content: Annotated[DefaultContent | CustomContent, Field(discriminator="kind")]
    holdout_percent: Annotated[float, Field(ge=0, le=100)] = 0
    quiet_hours: QuietHours | None = None

    @model_validator(mode="after")
    def _tags_disjoint(self) -> Self:
        both = set(self.include_tags) & set(self.exclude_tags)
        if both:
            raise ValueError(f"tags {sorted(both)} are both included and excluded")
        return self

    def audience_matches(self, tags: set[int]) -> bool:
        """Any include tag (or no include tags) and no exclude tag."""
        if self.exclude_tags and tags & set(self.exclude_tags):
            return False
        return not self.include_tags or bool(tags & set(self.include_tags))


class StoredRule(BaseModel):
    """A rule with its identity and the times that decide which windows it counts."""

    model_config = ConfigDict(frozen=True)

    rule: RecallRule
    rule_id: Annotated[str, Field(min_length=3, max_length=300, pattern=r"^[A-Za-z0-9_-]+$")]
    created_at: int
    updated_at: int
    # Set on the record a deleted rule leaves behind (its history stays readable by id).
    deleted_at: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_id(cls, data: Any) -> Any:
        # A rule stored before ids existed: migrated on read, the same way in every reader.
        if isinstance(data, dict) and "rule_id" not in data:
            rule = data.get("rule")
            name = rule.name if isinstance(rule, RecallRule) else (rule or {}).get("name")
            if isinstance(name, str):
                return data | {"rule_id": legacy_rule_id(name)}
        return data

    @property
    def stats_key(self) -> str:
        """The key the rule's stats are counted under (see rule_key)."""
        return rule_key(self.rule_id)


class RuleNotFoundError(LookupError):
    """No rule of that name for that account."""

    def __init__(self, app_id: str, name: str) -> None:
        super().__init__(f"no rule {name!r} for account {app_id}")


class PlanCapError(ValueError):
    """Enabling or creating this rule would exceed the account's plan."""


def check_plan_fits(plan: Plan, enabled: list[str]) -> None:
    """Refuse a plan that allows fewer enabled rules than `enabled` names (a downgrade too).

    The cap holds for the account, not only for the next `rules put` or `rules enable`:
    moving to a smaller plan while more rules are enabled would keep them all sending.
    """
    cap = PLAN_RULE_CAPS[plan]
    if len(enabled) <= cap:
        return
    excess = len(enabled) - cap
    raise PlanCapError(
        f"the {plan.value} plan allows {cap} enabled rule{'s' if cap > 1 else ''}; "
        f"enabled now: {', '.join(sorted(enabled))}: disable {excess} of them first "
        "(wxengage rules disable --name NAME); nothing was changed"
    )
