"""The designer's API on the local stack: through the gateway's token check, PUT included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.console.test_browser import PASSWORD
from tests.support.callbacks import APP_ID, register
from wxengage.settings import Settings
from wxengage.store.campaigns import CampaignStore
from wxengage.store.catalog import CatalogStore
from wxengage.sync.models import Article, ArticleSource, SyncState, Tag
from wxengage_local.runner import LocalRun

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def local_designer() -> Iterator[tuple[LocalRun, Settings]]:
    """The local stack, an operator li and a viewer wang of the account, its catalog synced."""
    from tests.e2e.conftest import running_local_stack

    with running_local_stack("wxengage") as run:
        settings = Settings.from_stack_outputs(run.stack.outputs)
        register(settings)
        assert run.stack.gateway is not None
        issuer = run.stack.gateway.console_auth.issuer
        issuer.add_user("li", "operator", APP_ID, password=PASSWORD)
        issuer.add_user("wang", "viewer", APP_ID, password=PASSWORD)
        catalog = CatalogStore(settings)
        catalog.replace_tags(APP_ID, [Tag(id=101, name="会员", count=5)])
        draft = Article(source=ArticleSource.DRAFT, id="m-a")
        catalog.replace_articles(APP_ID, ArticleSource.DRAFT, [draft])
        now = int(time.time())
        catalog.save_state(
            SyncState(app_id=APP_ID, tags_synced_at=now, articles_synced_at=now, followers_total=5)
        )
        yield run, settings


def call(run: LocalRun, user: str, method: str, path: str, body: Any = None) -> requests.Response:
    assert run.stack.gateway is not None
    answer = run.stack.gateway.console_auth.issuer.sign_in(user, PASSWORD)
    assert answer is not None, f"{user} could not sign in"
    token = answer["id_token"]
    return requests.request(
        method,
        f"{run.stack.webhook_base_url}/console/api/accounts/{APP_ID}/campaigns{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def spec(name: str) -> dict[str, Any]:
    """会员 (tag 101) gets draft m-a in two days."""
    at = datetime.fromtimestamp(time.time() + 2 * 86_400, UTC).isoformat()
    content = {"type": "mpnews", "media_id": "m-a"}
    return {
        "name": name,
        "groups": [
            {"name": "会员", "audience": {"tags": [101]}, "content": content, "send_at": at}
        ],
    }


def test_a_draft_is_designed_estimated_and_edited_through_the_gateway(
    local_designer: tuple[LocalRun, Settings],
) -> None:
    run, settings = local_designer
    # When the operator creates a draft through the gateway
    created = call(run, "li", "POST", "", spec("双十二"))
    # Then 201, and its spec reads back for the viewer
    assert created.status_code == 201, created.text
    campaign_id = created.json()["campaign_id"]
    read = call(run, "wang", "GET", f"/{campaign_id}/spec")
    assert read.status_code == 200 and read.json()["name"] == "双十二"
    # And the viewer may estimate (no follower's tags yet: WeChat's counts only) but not edit
    estimate = call(run, "wang", "POST", "/estimate", spec("双十二"))
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["source"] == "wechat_counts"
    assert estimate.json()["groups"][0]["upper_bound"] == 5
    assert call(run, "wang", "PUT", f"/{campaign_id}", spec("改过")).status_code == 403
    # And the operator's edit (PUT through the gateway) replaces the spec
    edited = call(run, "li", "PUT", f"/{campaign_id}", spec("改过"))
    assert edited.status_code == 200, edited.text
    assert CampaignStore(settings).get(APP_ID, campaign_id).spec.name == "改过"
