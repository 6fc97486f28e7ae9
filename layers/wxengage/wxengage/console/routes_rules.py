"""Recall-rule routes: list, create or replace (validated as the CLI does), enable/disable, stats.

Deleted rules are listed on request and read by id, their stats too (their history stays).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Role
from wxengage.console.health import funnel
from wxengage.console.models import (
    RuleCheck,
    RuleList,
    RulePreview,
    RuleSaved,
    RuleStats,
    RuleView,
)
from wxengage.console.ports import ConsoleStores
from wxengage.console.views import (
    day_lift,
    day_range,
    preview_messages,
    rule_view,
    stats_csv,
    total,
)
from wxengage.recall.quiet_hours import local_day
from wxengage.recall.rules import PLAN_RULE_CAPS, RecallRule, StoredRule


def register(app: APIGatewayHttpResolver, stores: ConsoleStores, now: Callable[[], float]) -> None:
    """Add the rule routes to `app`."""

    def granted(app_id: str, role: Role) -> str:
        app_id = path_param(app_id)
        caller = current_caller(app)
        caller.require(role)
        caller.require_account(app_id)
        return app_id

    @app.get(
        f"{API}/accounts/<app_id>/rules",
        summary="The account's recall rules (include_deleted: the deleted ones too, after them)",
    )
    def rules(app_id: str, include_deleted: Annotated[bool, Query()] = False) -> RuleList:
        app_id = granted(app_id, Role.VIEWER)
        settings = stores.accounts.read_settings(app_id)
        found = stores.rules.all(app_id)
        gone = stores.rules.deleted(app_id) if include_deleted else []
        return RuleList(
            timezone=settings.timezone,
            plan=settings.plan.value,
            cap=PLAN_RULE_CAPS[settings.plan],
            enabled=sum(1 for r in found if r.rule.enabled),
            rules=[rule_view(r) for r in [*found, *gone]],
        )

    @app.get(
        f"{API}/accounts/<app_id>/rules/by-id/<rule_id>",
        summary="One rule by its id, a deleted one too (as `rules show --id`)",
    )
    def rule_by_id(app_id: str, rule_id: str) -> RuleView:
        app_id = granted(app_id, Role.VIEWER)
        return rule_view(stores.rules.by_id(app_id, path_param(rule_id)))

    @app.put(
        f"{API}/accounts/<app_id>/rules",
        summary="Create a rule, or replace the one with the same name (the plan cap applies)",
    )
    def put_rule(app_id: str, rule: RecallRule) -> RuleSaved:
        app_id = granted(app_id, Role.OPERATOR)
        plan = stores.accounts.read_settings(app_id).plan
        stored, created = stores.rules.put(app_id, rule, plan)
        return RuleSaved(rule=rule_view(stored), created=created)

    @app.post(
        f"{API}/accounts/<app_id>/rules/validate",
        summary="Check a rule as a put would, without saving it (the form's live validation)",
    )
    def validate_rule(app_id: str, rule: RecallRule) -> RuleCheck:
        granted(app_id, Role.OPERATOR)
        return RuleCheck(valid=True, name=rule.name)

    @app.post(
        f"{API}/accounts/<app_id>/rules/preview",
        summary="The customer-service messages the rule sends, as WeChat receives them",
    )
    def preview_rule(app_id: str, rule: RecallRule) -> RulePreview:
        granted(app_id, Role.VIEWER)
        return RulePreview(messages=preview_messages(rule))

    def set_enabled(app_id: str, name: str, enabled: bool) -> RuleView:
        app_id = granted(app_id, Role.OPERATOR)
        plan = stores.accounts.read_settings(app_id).plan
        return rule_view(stores.rules.set_enabled(app_id, path_param(name), enabled, plan))

    @app.post(f"{API}/accounts/<app_id>/rules/<name>/enable", summary="Enable (plan cap applies)")
    def enable(app_id: str, name: str) -> RuleView:
        return set_enabled(app_id, name, True)

    @app.post(f"{API}/accounts/<app_id>/rules/<name>/disable", summary="Disable a rule")
    def disable(app_id: str, name: str) -> RuleView:
        return set_enabled(app_id, name, False)

    @app.get(
        f"{API}/accounts/<app_id>/rules/<name>/stats",
        summary=(
            "Per day (account time zone): pending, eligible, sent, failed, recalled, skipped,"
            " and the holdout's lift with its 95 % interval"
        ),
    )
    def stats(
        app_id: str,
        name: str,
        from_day: Annotated[str | None, Query(alias="from")] = None,
        to_day: Annotated[str | None, Query(alias="to")] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",
    ) -> Response[RuleStats | str]:
        app_id = granted(app_id, Role.VIEWER)
        stored = stores.rules.get(app_id, path_param(name))
        return stats_of(app_id, stored, from_day, to_day, format)

    @app.get(
        f"{API}/accounts/<app_id>/rules/by-id/<rule_id>/stats",
        summary="A rule's stats by its id, a deleted rule's too (as `rules stats --include-deleted`)",
    )
    def stats_by_id(
        app_id: str,
        rule_id: str,
        from_day: Annotated[str | None, Query(alias="from")] = None,
        to_day: Annotated[str | None, Query(alias="to")] = None,
        format: Annotated[Literal["json", "csv"], Query()] = "json",
    ) -> Response[RuleStats | str]:
        app_id = granted(app_id, Role.VIEWER)
        stored = stores.rules.by_id(app_id, path_param(rule_id))
        return stats_of(app_id, stored, from_day, to_day, format)

    def stats_of(
        app_id: str,
        stored: StoredRule,
        from_day: str | None,
        to_day: str | None,
        format: str,
    ) -> Response[RuleStats | str]:
        name = stored.rule.name
        settings = stores.accounts.read_settings(app_id)
        days = day_range(from_day, to_day, local_day(int(now()), settings.timezone))
        counters = [(d, stores.stats.day(app_id, stored.stats_key, d)) for d in days]
        rows = [funnel(d, c) for d, c in counters]
        lifts = [day_lift(d, c) for d, c in counters]
        if format == "csv":
            filename = f"recall-{name}-{days[0]}-{days[-1]}.csv"
            disposition = (
                f'attachment; filename="recall-stats-{days[0]}-{days[-1]}.csv"; '
                f"filename*=UTF-8''{quote(filename)}"
            )
            return Response(
                200,
                "text/csv; charset=utf-8",
                stats_csv(name, settings.timezone, rows, lifts),
                {"Content-Disposition": disposition},
            )
        body = RuleStats(
            app_id=app_id,
            rule=name,
            timezone=settings.timezone,
            from_day=days[0],
            to_day=days[-1],
            days=rows,
            total=total(counters, f"{days[0]}..{days[-1]}"),
            lift=lifts,
            lift_total=day_lift("total", sum((Counter(c) for _, c in counters), Counter())),
            rule_id=stored.rule_id,
            deleted_at=stored.deleted_at,
        )
        return Response(200, "application/json", body)
