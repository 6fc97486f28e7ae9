"""A campaign's tag ids and news media_ids checked against the account's synced catalog."""

from __future__ import annotations

from collections.abc import Iterator, Set

from pydantic import BaseModel, ConfigDict

from wxengage.broadcast.spec import ABTest, CampaignSpec, Content, MpNews


class FieldProblem(BaseModel):
    """One refused field, in the console's 422 format (`groups.0.audience.tags.1`)."""

    model_config = ConfigDict(frozen=True)

    field: str
    message: str
    type: str


def catalog_problems(
    spec: CampaignSpec,
    *,
    tag_ids: Set[int] | None,
    draft_ids: Set[str] | None,
    published_ids: Set[str] = frozenset(),
) -> list[FieldProblem]:
    """Tag ids not among the synced tags and mpnews media_ids not among the synced drafts.

    None (never synced) checks nothing: WeChat's lists are not known, and the CLI accepts any
    id as well. mpnews takes a draft's media_id (WECHAT.md: "mpnews media_id comes from the
    draft API"); only the latest synced drafts are known, so an older draft is refused here
    (sync more articles, or create the campaign from the CLI).
    """
    problems: list[FieldProblem] = []
    for gi, group in enumerate(spec.groups):
        at = f"groups.{gi}"
        if tag_ids is not None:
            for ti, tag in enumerate(group.audience.tags):
                if tag not in tag_ids:
                    problems.append(
                        FieldProblem(
                            field=f"{at}.audience.tags.{ti}",
                            message=f"tag {tag} is not among the account's synced tags",
                            type="unknown_tag",
                        )
                    )
        if draft_ids is not None:
            for field, content in _contents(group.content, group.ab_test, at):
                if isinstance(content, MpNews) and content.media_id not in draft_ids:
                    problems.append(_unknown_media(field, content.media_id, published_ids))
    return problems


def _contents(
    content: Content | None, ab_test: ABTest | None, at: str
) -> Iterator[tuple[str, Content]]:
    if content is not None:
        yield f"{at}.content.mpnews.media_id", content
    for vi, variant in enumerate(ab_test.variants if ab_test is not None else []):
        yield f"{at}.ab_test.variants.{vi}.content.mpnews.media_id", variant.content


def _unknown_media(field: str, media_id: str, published_ids: Set[str]) -> FieldProblem:
    # The field names it; the text typed is not echoed back (as the console's other 422s).
    if media_id in published_ids:
        message = (
            "this is a published article's article_id: a mass send of news takes a draft's media_id"
        )
    else:
        message = "this media_id is not among the account's synced drafts"
    return FieldProblem(field=field, message=message, type="unknown_media")
