"""The campaign designer's API: create and edit drafts, read a draft's spec, estimate audiences.

Drafts go through the CLI's `Campaigns` (create, edit), after the checks the CLI cannot make:
tag ids and news media_ids against the synced catalog, and the times as `start` will plan them.
Estimates read the synced copy only, never WeChat (broadcast/estimate.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from wxengage import clock
from wxengage.accounts import AccountType
from wxengage.broadcast.budget import AccountTypeError, check_account_type, one_send_a_day
from wxengage.broadcast.estimate import Estimate, estimate_audiences
from wxengage.broadcast.operations import Campaigns, CampaignStateError
from wxengage.broadcast.references import FieldProblem, catalog_problems
from wxengage.broadcast.schedule import ScheduleError, plan_legs
from wxengage.broadcast.spec import CampaignSpec
from wxengage.broadcast.state import Campaign
from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.ports import ConsoleStores
from wxengage.console.routes_campaigns import CampaignAction, LegTime
from wxengage.console.routes_catalog import CatalogReader
from wxengage.sync.models import ArticleSource, StoredTags

# Followers one estimate reads (in openid order, which WeChat's random openids make a fair
# sample): at most 10 queries of 1,000 whatever the account's size, well inside the function's
# 10 s (moto reads 5,000 in ~11 s in-process; real DynamoDB is far faster, not measured here).
MAX_SCANNED = 10_000
_PAGE = 1_000


class FollowerTagsReader(Protocol):
    """Followers' synced tag ids in openid order (store/follower_tags.py)."""

    def page(self, app_id: str, after: str, limit: int) -> list[StoredTags]: ...


class SpecProblemsError(ValueError):
    """The spec names what the synced catalog does not hold (422 with the fields)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class EstimateAnswer(Estimate):
    """Audiences estimated from the synced copy; `sampled`: the first MAX_SCANNED followers.

    `problems` and `refusal`: what create would refuse now (unknown tags or drafts; the account
    type or the times), so a page can say so before saving; empty and None when it would not.
    """

    app_id: str
    timezone: str
    synced_at: int | None  # when the tags (and their counts) were last synced
    pass_completed_at: int | None  # when the follower tag pass last went through every follower
    sampled: bool
    problems: list[FieldProblem]
    refusal: str | None


def _json(status: int, body: object) -> Response[str]:
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False))


def _errors(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(SpecProblemsError)  # type: ignore[untyped-decorator]
    def unknown_references(err: SpecProblemsError) -> Response[str]:
        errors = [p.model_dump() for p in err.problems]
        return _json(422, {"message": "invalid input", "errors": errors})

    @app.exception_handler(CampaignStateError)  # type: ignore[untyped-decorator]
    def wrong_status(err: CampaignStateError) -> Response[str]:
        return _json(409, {"message": str(err)})

    @app.exception_handler([ScheduleError, AccountTypeError])  # type: ignore[untyped-decorator]
    def unacceptable(err: ValueError) -> Response[str]:
        return _json(422, {"message": str(err)})


def register(
    app: APIGatewayHttpResolver,
    stores: ConsoleStores,
    actions: Campaigns,
    catalog: CatalogReader,
    follower_tags: FollowerTagsReader,
) -> None:
    """Add the designer's routes to `app`."""
    _errors(app)

    def granted(app_id: str, role: Role) -> str:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(role)
        caller.require_account(app_id)
        return app_id

    def checked(app_id: str, spec: CampaignSpec) -> tuple[str, list[LegTime]]:
        """The account's zone and the legs `start` would plan now; refused with nothing written."""
        problems = reference_problems(app_id, spec, catalog)
        if problems:
            raise SpecProblemsError(problems)
        settings = stores.accounts.read_settings(app_id)
        legs = planned(spec, settings.type, settings.timezone)
        return settings.timezone, legs

    def answer(c: Campaign, zone: str, legs: list[LegTime]) -> CampaignAction:
        return CampaignAction(
            app_id=c.app_id,
            campaign_id=c.campaign_id,
            name=c.spec.name,
            status=c.status.value,
            execution=c.execution,
            timezone=zone,
            legs=legs,
        )

    base = f"{API}/accounts/<app_id>/campaigns"

    @app.post(
        base,
        status_code=201,
        summary="Create a draft from a campaign spec (legs: as start would plan them now)",
    )
    def create(app_id: str, spec: CampaignSpec) -> CampaignAction:
        app_id = granted(app_id, Role.OPERATOR)
        zone, legs = checked(app_id, spec)
        c = actions.create(app_id, spec)
        return answer(c, zone, legs)

    @app.put(f"{base}/<campaign_id>", summary="Replace a draft's spec (drafts only)")
    def edit(app_id: str, campaign_id: str, spec: CampaignSpec) -> CampaignAction:
        app_id = granted(app_id, Role.OPERATOR)
        campaign_id = path_param(campaign_id)
        if not stores.campaigns.get(app_id, campaign_id).status.editable:
            # A started campaign is refused for that (409), whatever its new spec would say;
            # campaigns never return to draft, so this edit refuses and writes nothing.
            actions.edit(app_id, campaign_id, spec)
        zone, legs = checked(app_id, spec)
        c = actions.edit(app_id, campaign_id, spec)
        return answer(c, zone, legs)

    @app.get(f"{base}/<campaign_id>/spec", summary="A campaign's spec, as create and edit take it")
    def spec(app_id: str, campaign_id: str) -> CampaignSpec:
        app_id = granted(app_id, Role.VIEWER)
        return stores.campaigns.get(app_id, path_param(campaign_id)).spec

    @app.post(
        f"{base}/estimate",
        summary="Each group's audience, samples and overlaps, from the synced copy (not WeChat)",
    )
    def estimate(app_id: str, spec: CampaignSpec) -> EstimateAnswer:
        app_id = granted(app_id, Role.VIEWER)
        settings = stores.accounts.read_settings(app_id)
        return synced_estimate(
            app_id,
            spec,
            account_type=settings.type,
            timezone=settings.timezone,
            catalog=catalog,
            follower_tags=follower_tags,
        )


def reference_problems(
    app_id: str, spec: CampaignSpec, catalog: CatalogReader
) -> list[FieldProblem]:
    """The spec's tag ids and news media_ids the synced catalog does not hold (once synced)."""
    state = catalog.state(app_id)
    tag_ids = drafts = None
    published: set[str] = set()
    if state is not None and state.tags_synced_at is not None:
        tag_ids = {t.id for t in catalog.tags(app_id)}
    if state is not None and state.articles_synced_at is not None:
        articles = catalog.articles(app_id)
        drafts = {a.id for a in articles if a.source is ArticleSource.DRAFT}
        published = {a.id for a in articles if a.source is ArticleSource.PUBLISHED}
    return catalog_problems(spec, tag_ids=tag_ids, draft_ids=drafts, published_ids=published)


def planned(spec: CampaignSpec, account_type: AccountType, timezone: str) -> list[LegTime]:
    """The legs `start` would plan now (ScheduleError, AccountTypeError when it would refuse)."""
    check_account_type(spec, account_type)
    legs = plan_legs(spec, timezone, int(clock.now_ts()))
    if account_type is AccountType.SUBSCRIPTION:
        legs = one_send_a_day(legs)
    return [LegTime(key=g.key, label=g.label, send_at=g.send_at) for g in legs]


def synced_estimate(
    app_id: str,
    spec: CampaignSpec,
    *,
    account_type: AccountType,
    timezone: str,
    catalog: CatalogReader,
    follower_tags: FollowerTagsReader,
) -> EstimateAnswer:
    """The estimate from the synced copy (the console's and `wxengage campaign estimate`'s)."""
    state = catalog.state(app_id)
    store = spec.audience_source == "store"
    known: dict[str, tuple[int, ...]] = {}
    scanned = 0
    for f in _followers(follower_tags, app_id):
        scanned += 1
        if f.subscribed and (store or f.tag_ids is not None):
            known[f.openid] = f.tag_ids or ()
        if scanned >= MAX_SCANNED:
            break
    tagged = state is not None and state.tags_synced_at is not None
    figures = estimate_audiences(
        spec,
        known,
        followers_total=state.followers_total if state else None,
        tag_counts={t.id: t.count for t in catalog.tags(app_id)} if tagged else None,
        # A subscription account sends by tag (sendall): nobody is removed (prepare.py).
        dedupe=account_type is not AccountType.SUBSCRIPTION,
    )
    return EstimateAnswer.model_validate(
        figures.model_dump()
        | {
            "app_id": app_id,
            "timezone": timezone,
            "synced_at": state.tags_synced_at if state else None,
            "pass_completed_at": state.pass_completed_at if state else None,
            "sampled": scanned >= MAX_SCANNED,
            "problems": reference_problems(app_id, spec, catalog),
            "refusal": _refusal(spec, account_type, timezone),
        }
    )


def _refusal(spec: CampaignSpec, account_type: AccountType, timezone: str) -> str | None:
    try:
        planned(spec, account_type, timezone)
    except (ScheduleError, AccountTypeError) as err:
        return str(err)
    return None


def _followers(reader: FollowerTagsReader, app_id: str) -> Iterator[StoredTags]:
    after = ""
    while True:
        # Until an empty page: DynamoDB may answer fewer than asked (1 MB read) before the end.
        page = reader.page(app_id, after, _PAGE)
        if not page:
            return
        yield from page
        after = page[-1].openid
