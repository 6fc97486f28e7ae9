"""The sandbox's own control API (/_sandbox/...): seed followers and reads, see what was sent,
hold job reports back, plan faults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wxengage import clock
from wxengage.accounts import AccountNotFoundError
from wxengage_local.sandbox import mass as mass
from wxengage_local.sandbox.faults import FaultSpec
from wxengage_local.sandbox.protocol import Answer, Request, refuse

if TYPE_CHECKING:
    from wxengage_local.sandbox.core import WeChatSandbox


class FollowerRequest(BaseModel):
    """A follower to add or update (always subscribed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(min_length=1)
    openid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # WeChat allows at most 20 tags per follower.
    tags: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=20)


class ReadsRequest(BaseModel):
    """A read rate for a news item: the share of the followers it reached who read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    media_id: str = Field(min_length=1, max_length=128)
    rate: float = Field(ge=0, le=1, strict=True, allow_inf_nan=False)
    # Empty: the rate holds for every account that sends this media_id.
    app_id: str = ""


class HoldRequest(BaseModel):
    """Hold MASSSENDJOBFINISH reports back (the engine must fall back to mass/get), or stop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hold: bool = Field(strict=True)
    # While held, jobs still finish (mass/get tells) unless this is off: then they stay SENDING.
    finish: bool = Field(default=True, strict=True)
    # With hold false: the held reports go out now, late.
    release: bool = Field(default=False, strict=True)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.release and self.hold:
            raise ValueError("release goes with hold false")
        if not self.finish and not self.hold:
            raise ValueError("finish false goes with hold true")
        return self


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


def seed_reads(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/reads {"media_id", "rate", "app_id"?}: who reads a news item (stats D+1)."""
    try:
        spec = ReadsRequest.model_validate(req.body)
    except ValidationError as err:
        return refuse(400, describe(err))
    if spec.app_id:
        try:
            sandbox.accounts.get(spec.app_id)
        except AccountNotFoundError:
            return refuse(404, f"no account {spec.app_id} is registered")
    sandbox.reads.seed(spec.app_id, spec.media_id, spec.rate)
    return 200, {"app_id": spec.app_id or "*", "media_id": spec.media_id, "rate": spec.rate}


def list_reads(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/reads?app_id=: the read rates seeded (app_id "*": every account)."""
    return 200, {"reads": sandbox.reads.seeded(req.query.get("app_id"))}


def list_masses(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/masses?app_id=: every accepted mass job, its clientmsgid, content, status,
    report, counts and the openids it reached, oldest first."""
    return 200, {"masses": sandbox.mass.views(req.query.get("app_id") or None)}


def list_previews(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/previews?app_id=: the mass/preview calls accepted, oldest first."""
    return 200, {"previews": sandbox.mass.preview_log(req.query.get("app_id") or None)}


def hold_reports(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/mass-callbacks {"hold", "finish"?, "release"?}: hold job reports back."""
    try:
        spec = HoldRequest.model_validate(req.body)
    except ValidationError as err:
        return refuse(400, describe(err))
    mass.hold(sandbox, on=spec.hold, finish=spec.finish)
    released = mass.release(sandbox) if spec.release else 0
    return 200, {"hold": spec.hold, "finish": spec.finish, "released": released}


def now(sandbox: WeChatSandbox, req: Request) -> Answer:
    """GET /_sandbox/clock: the sandbox's (and engine's) clock, virtual under --warp."""
    ts = clock.now_ts()
    return 200, {"now": ts, "iso": clock.iso_z(ts)}


def reset(sandbox: WeChatSandbox, req: Request) -> Answer:
    """POST /_sandbox/reset {app_id?}: forget followers, sends, mass jobs, previews and read rates
    (of one app), and every fault; a full reset also stops holding job reports."""
    app_id = req.body.get("app_id")
    if app_id is not None and not isinstance(app_id, str):
        return refuse(400, "app_id must be a string")
    sandbox.state.reset(app_id or None)
    sandbox.mass.clear(app_id or None)
    sandbox.reads.clear(app_id or None)
    sandbox.faults.clear()
    return 200, {"reset": app_id or "all"}
