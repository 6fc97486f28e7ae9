"""How the sandbox commands talk to the local WeChat sandbox's control API."""

from __future__ import annotations

import json
from typing import Any

import click
import requests

json_flag = click.option("--json", "as_json", is_flag=True, help="Print the sandbox's JSON answer.")


def call(method: str, path: str, *, body: Any = None, params: Any = None) -> Any:
    """One call to the sandbox's control API; a refusal or no sandbox becomes a one-line error."""
    url = click.get_current_context().meta["sandbox_url"]
    try:
        resp = requests.request(method, f"{url}{path}", json=body, params=params, timeout=15)
    except requests.ConnectionError:
        raise click.ClickException(
            f"no sandbox at {url}: start it with `wxengage local up`"
        ) from None
    try:
        answer = resp.json()
    except ValueError:
        raise click.ClickException(f"sandbox answered {resp.status_code} without JSON") from None
    if resp.status_code != 200:
        detail = answer.get("error", answer) if isinstance(answer, dict) else answer
        raise click.ClickException(f"sandbox refused: {detail}")
    return answer


def echo_json(answer: Any) -> None:
    """The sandbox's answer as indented JSON, non-ASCII kept readable."""
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
