"""The sandbox's own control API (/_sandbox/...): seed followers, read what was sent, plan faults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wxengage.store.accounts import AccountNotFoundError
from wxengage_local.sandbox_faults import FaultSpec
from wxengage_local.sandbox_protocol import Answer, Request, refuse

if TYPE_CHECKING:
    from wxengage_local.sandbox import WeChatSandbox


class FollowerRequest(BaseModel):
    """A follower to add or update (always subscribed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(min_length=1)
    openid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # WeChat allows at most 20 tags per follower.
    tags: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=20)


def describe(err: ValidationError) -> str:
    """One line naming each bad field, never echoing the input."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
        for e in err.errors(include_input=False)
    )


def put_follower(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/followers {app_id, openid, tags}: add or update one subscribed follower."""
    try:
        spec = FollowerRequest.model_validate(req.body)
    except ValidationError as err:
        return refuse(400, describe(err))
    try:
        sandbox.accounts.get(spec.app_id)
    except AccountNotFoundError:
        return refuse(404, f"no account {spec.app_id} is registered")
    return 200, sandbox.state.put_follower(spec.app_id, spec.openid, spec.tags)


def list_followers(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/followers?app_id=: every follower the app saw, with tags and window."""
    app_id = req.query.get("app_id")
    if not app_id:
        return refuse(400, "app_id is required")
    return 200, sandbox.state.followers(app_id)


def sent(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/sent?app_id=: the customer-service messages accepted, oldest first."""
    return 200, sandbox.state.sent(req.query.get("app_id") or None)


def add_fault(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/faults {api, errcode | timeout_seconds [applied], times}: plan a fault."""
    try:
        spec = FaultSpec.model_validate(req.body)
    except ValidationError as err:
        return refuse(400, describe(err))
    sandbox.faults.add(spec)
    return 200, sandbox.faults.pending()


def list_faults(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/faults: the faults still waiting for calls."""
    return 200, sandbox.faults.pending()


def reset(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/reset {app_id?}: forget followers and sends (of one app) and every fault."""
    app_id = req.body.get("app_id")
    if app_id is not None and not isinstance(app_id, str):
        return refuse(400, "app_id must be a string")
    sandbox.state.reset(app_id or None)
    sandbox.mass.clear(app_id or None)
    sandbox.faults.clear()
    return 200, {"reset": app_id or "all"}
