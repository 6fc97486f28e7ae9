"""`wxengage sync run`, `wxengage tags list`, `wxengage articles list`: the synced WeChat catalog."""

from __future__ import annotations

import json
from typing import Any

import click

from wxengage import clock
from wxengage.accounts import AccountNotFoundError
from wxengage.store.accounts import AccountStore
from wxengage.store.aws import client
from wxengage.store.catalog import CatalogStore
from wxengage.sync.models import ARTICLES_MAX, SyncState
from wxengage_cli.context import CliContext, pass_ctx
from wxengage_cli.localtime import Times
from wxengage_cli.options import app_id_option, utc_option


def _times(ctx: CliContext, app_id: str, utc: bool) -> Times:
    try:
        return Times(AccountStore(ctx.settings).read_settings(app_id).timezone, utc)
    except AccountNotFoundError:
        raise click.ClickException(f"no account {app_id} is registered") from None


def _synced_line(state: SyncState | None, what: str, at: int | None, times: Times) -> str:
    if state is None or at is None:
        return f"{what} not synced yet: run `wxengage sync run` (the schedule syncs every 15 min)"
    error = f"; last error: {state.last_error}" if state.last_error else ""
    return f"{what} as synced at {times.text(at)}{error}"


@click.group()
def sync() -> None:
    """Sync tags, followers' tags and articles from WeChat (every 15 minutes, or now)."""


@sync.command("run")
@app_id_option()
@click.option(
    "--articles",
    type=click.IntRange(1, ARTICLES_MAX),
    default=None,
    help="Refresh the latest N drafts and N published articles now (20 or up to 500).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the function's report as JSON.")
@pass_ctx
def run(ctx: CliContext, app_id: str, articles: int | None, as_json: bool) -> None:
    """Sync one account now, in the deployment's sync function (behind its whitelisted IP)."""
    AccountStore(ctx.settings).read_settings(app_id)  # an unknown account: say so, invoke nothing
    name = ctx.outputs().get("SyncFunctionName")
    if not name:
        raise click.ClickException(
            "the stack has no SyncFunctionName output: deploy this version of template.yaml"
        )
    payload: dict[str, Any] = {"app_id": app_id}
    if articles is not None:
        payload["articles"] = articles
    lam = client("lambda")
    try:
        resp = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    except lam.exceptions.TooManyRequestsException:
        raise click.ClickException("a sync is running now; try again in a minute") from None
    body = json.loads(resp["Payload"].read() or b"null")
    if resp.get("FunctionError"):
        message = body.get("errorMessage", "unknown error") if isinstance(body, dict) else body
        raise click.ClickException(f"the sync function failed: {message}")
    reports = body.get("accounts", []) if isinstance(body, dict) else []
    if as_json:
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    for report in reports:
        click.echo(describe(report))


def describe(report: dict[str, Any]) -> str:
    """One run's report as an operator reads it."""
    lines = [f"synced {report['app_id']}: {report['tags']} tags"]
    if report["articles_refreshed"]:
        lines.append(f"  articles: {report['drafts']} drafts, {report['published']} published")
    lines.append(
        f"  followers: {report['followers_seen']} checked, {report['followers_written']} "
        f"tag sets written; pass {'complete' if report['pass_completed'] else 'continues next run'}"
    )
    lines += [f"  error: {e}" for e in report["errors"]]
    return "\n".join(lines)


@click.group()
def tags() -> None:
    """The account's WeChat tags, as last synced (no WeChat call)."""


@tags.command("list")
@app_id_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@utc_option()
@pass_ctx
def list_tags(ctx: CliContext, app_id: str, as_json: bool, utc: bool) -> None:
    """List the tags: id, name, followers carrying it."""
    times = _times(ctx, app_id, utc)
    store = CatalogStore(ctx.settings)
    found = store.tags(app_id)
    if as_json:
        click.echo(json.dumps([t.model_dump() for t in found], indent=2, ensure_ascii=False))
        return
    state = store.state(app_id)
    click.echo(_synced_line(state, "tags", state.tags_synced_at if state else None, times))
    for tag in found:
        click.echo(f"{tag.id:>6}  {tag.count:>8}  {tag.name}")


@click.group()
def articles() -> None:
    """The account's drafts and published articles, as last synced (no WeChat call)."""


@articles.command("list")
@app_id_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (UTC and local times).")
@utc_option()
@pass_ctx
def list_articles(ctx: CliContext, app_id: str, as_json: bool, utc: bool) -> None:
    """List drafts (id = media_id, for mpnews) and published items (id = article_id, for
    mpnewsarticle), newest first."""
    times = _times(ctx, app_id, utc)
    store = CatalogStore(ctx.settings)
    found = store.articles(app_id)
    if as_json:
        rows = [
            a.model_dump(mode="json")
            | {
                "update_time_utc": clock.iso_z(a.update_time),
                "update_time_local": times.local(a.update_time),
            }
            for a in found
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    state = store.state(app_id)
    at = state.articles_synced_at if state else None
    click.echo(_synced_line(state, "articles", at, times))
    if state is not None and at is not None:
        click.echo(
            f"latest {state.articles_wanted} of {state.drafts_total} drafts and "
            f"{state.published_total} published (times in {times.zone(clock.now_ts())})"
        )
    for a in found:
        more = f" (+{len(a.items) - 1})" if len(a.items) > 1 else ""
        click.echo(
            f"{a.source.value:<9}  {a.id:<28}  {times.text(a.update_time):<22}  {a.title}{more}"
        )


COMMANDS = (sync, tags, articles)
