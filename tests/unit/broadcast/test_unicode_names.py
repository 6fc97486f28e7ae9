"""Campaign, group and variant names in any language; leg keys and clientmsgids stay ASCII."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wxengage.broadcast.audience import clientmsgid
from wxengage.broadcast.legnames import UnknownLegError, leg_names, resolve_leg
from wxengage.broadcast.schedule import plan_legs
from wxengage.broadcast.spec import CampaignSpec

NOW = 1_795_341_600  # 2026-11-22 10:00 UTC, 18:00 in Shanghai


def spec(
    group: str = "会员", variants: tuple[str, str] = ("A组", "b组"), name: str = "双十二"
) -> Any:
    return {
        "name": name,
        "groups": [
            {
                "name": group,
                "audience": {"tags": [101]},
                "ab_test": {
                    "variants": [
                        {
                            "name": v,
                            "content": {"type": "mpnews", "media_id": f"M{i}"},
                            "ratio": 0.1,
                            "send_at": "2026-11-22T21:00:00",
                        }
                        for i, v in enumerate(variants)
                    ]
                },
            },
            {"name": "其余", "audience": "remaining", "content": {"type": "text", "content": "hi"}},
        ],
    }


def test_a_campaign_name_is_a_title_inner_spaces_and_all() -> None:
    assert (
        CampaignSpec.model_validate(spec(name="双十二 会员活动 (2026)")).name
        == "双十二 会员活动 (2026)"
    )


def test_chinese_names_are_accepted_and_make_ascii_keys_and_clientmsgids() -> None:
    # Given a campaign whose names are all Chinese
    s = CampaignSpec.model_validate(spec())
    # When its legs are planned
    legs = plan_legs(s, "Asia/Shanghai", NOW)
    # Then labels read as written, while keys and clientmsgids are ASCII
    assert [leg.label for leg in legs] == ["会员/A组", "会员/b组", "会员/winner", "其余"]
    assert [leg.key for leg in legs] == ["g0v0", "g0v1", "g0w", "g1"]
    assert all(clientmsgid("c0123456789a", leg.key, 1).isascii() for leg in legs)
    assert [n.label for n in leg_names(s)] == [leg.label for leg in legs]


@pytest.mark.parametrize(
    ("name", "key"),
    [("会员/A组", "g0v0"), ("会员/a组", "g0v0"), ("会员/B组", "g0v1"), (" 会员/winner ", "g0w"),
     ("其余", "g1"), ("g0v1", "g0v1"), ("会员\uff0f\uff41组", "g0v0"), ("会员/\uff22组", "g0v1")],
)  # fmt: skip
def test_a_leg_answers_to_its_chinese_name_case_folded(name: str, key: str) -> None:
    assert resolve_leg(CampaignSpec.model_validate(spec()), name) == key


def test_a_chinese_ab_groups_bare_name_lists_its_legs() -> None:
    with pytest.raises(
        UnknownLegError, match="name one of its legs \\(会员/A组, 会员/b组, 会员/winner\\)"
    ):
        resolve_leg(CampaignSpec.model_validate(spec()), "会员")
    with pytest.raises(UnknownLegError, match="has an A/B test: name one of its legs"):
        resolve_leg(CampaignSpec.model_validate(spec(group="\uff36\uff29\uff30")), "vip")


@pytest.mark.parametrize(
    ("where", "bad", "message"),
    [
        ("group", "vip/A", "cannot hold '/' (it separates them: 会员/A)"),
        ("variant", "A/B", "cannot hold '/' (it separates them: 会员/A)"),
        ("group", "会员\uff0fA", "cannot hold '/' (it separates them: 会员/A)"),
        ("group", " 会员", "letters (any language), digits and punctuation, with no spaces"),
        ("variant", "A\tB", "letters (any language), digits and punctuation, with no spaces"),
        ("group", "会\x07员", "letters (any language), digits and punctuation, with no spaces"),
        ("group", "会" * 33, "at most 32 characters"),
        ("group", "", "at least 1 character"),
        ("campaign", "双十二\n", "without control characters or leading/trailing spaces"),
        ("campaign", " 双十二", "without control characters or leading/trailing spaces"),
        ("campaign", "双" * 65, "at most 64 characters"),
    ],
)
def test_a_name_with_a_slash_control_characters_spaces_or_too_long_is_refused(
    where: str, bad: str, message: str
) -> None:
    # Given a name an operator might type wrongly
    data = (
        spec(group=bad)
        if where == "group"
        else spec(variants=(bad, "b"))
        if where == "variant"
        else spec(name=bad)
    )
    # When the campaign is read / Then it is refused, saying why
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CampaignSpec.model_validate(data)
