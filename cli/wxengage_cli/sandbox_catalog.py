"""`wxengage sandbox articles add|list`: the drafts and published articles the sandbox's WeChat holds."""

from __future__ import annotations

import click

from wxengage_cli.options import app_id_option
from wxengage_cli.sandbox_client import call, echo_json, json_flag


@click.group("articles")
def articles() -> None:
    """The sandbox's draft box and published list (what `wxengage sync run` reads)."""


@articles.command("add")
@app_id_option()
@click.option(
    "--source", type=click.Choice(["draft", "published"]), default="draft", show_default=True
)
@click.option("--id", "ident", required=True, help="media_id (draft) or article_id (published).")
@click.option("--title", required=True)
@click.option("--author", default="")
@click.option("--digest", default="")
@click.option("--thumb-url", default="")
@click.option("--url", default="")
@json_flag
def articles_add(
    app_id: str,
    source: str,
    ident: str,
    title: str,
    author: str,
    digest: str,
    thumb_url: str,
    url: str,
    as_json: bool,
) -> None:
    """Add or replace one item, updated now (the sandbox clock)."""
    body = {
        "app_id": app_id,
        "source": source,
        "id": ident,
        "title": title,
        "author": author,
        "digest": digest,
        "thumb_url": thumb_url,
        "url": url,
    }
    answer = call("POST", "/_sandbox/articles", body=body)
    if as_json:
        echo_json(answer)
    else:
        click.echo(f"{source} {ident} of {app_id}: {title}")


@articles.command("list")
@app_id_option()
@json_flag
def articles_list(app_id: str, as_json: bool) -> None:
    """Every item the app's sandbox WeChat holds."""
    answer = call("GET", "/_sandbox/articles", params={"app_id": app_id})["articles"]
    if as_json:
        echo_json(answer)
        return
    if not answer:
        click.echo(f"no articles for {app_id} yet")
    for item in answer:
        click.echo(f"{item['source']:<9}  {item['id']:<28}  {item['title']}")


COMMANDS = (articles,)
