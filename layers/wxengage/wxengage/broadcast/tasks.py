"""The broadcast state machine's task inputs (validated at the edge) and what each one runs."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from wxengage.broadcast.engine import Broadcast
from wxengage.wechat.callback import OPENID_PATTERN
from wxengage.wechat.targets import WXNAME_PATTERN, PreviewTarget

Id = Annotated[str, Field(min_length=1, max_length=64)]


class _Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: Id
    campaign_id: Id


class Segment(_Task):
    action: Literal["segment"]
    execution: Id


class Prepare(_Task):
    action: Literal["prepare"]


class LegTask(_Task):
    action: Literal["check", "decide", "send", "results"]
    leg: Annotated[str, Field(min_length=1, max_length=16)]


class _Caught(_Task):
    """A Catch's error output, passed whole as JSON (States.JsonToString($.error)): a path to
    a missing Cause would be a States.Runtime error that no Catch takes, failing the run."""

    failure: str = ""

    def _part(self, name: str) -> str:
        try:
            value = json.loads(self.failure).get(name) if self.failure else None
        except (ValueError, AttributeError):
            return ""
        return value if isinstance(value, str) else ""

    @property
    def error(self) -> str:
        return self._part("Error")

    @property
    def cause(self) -> str:
        return self._part("Cause")


class LegFailed(_Caught):
    """A leg's Catch: its error as Step Functions caught it (logged; stored only as a Reason)."""

    action: Literal["leg_failed"]
    leg: Annotated[str, Field(min_length=1, max_length=16)]
    execution: Id


class Finish(_Task):
    action: Literal["finish"]
    execution: Id | None = None


class Fail(_Caught):
    action: Literal["fail"]
    execution: Id


class Preview(_Task):
    """Preview to followers by openid and/or WeChat ID (towxname), 20 in all at most."""

    action: Literal["preview"]
    openids: list[Annotated[str, Field(pattern=OPENID_PATTERN)]] = Field(
        default_factory=list, max_length=20
    )
    wxnames: list[Annotated[str, Field(pattern=WXNAME_PATTERN)]] = Field(
        default_factory=list, max_length=20
    )
    leg: str | None = None

    @model_validator(mode="after")
    def _someone(self) -> Preview:
        if not 1 <= len(self.openids) + len(self.wxnames) <= 20:
            raise ValueError("a preview goes to 1 to 20 followers (openids and WeChat IDs)")
        return self

    def targets(self) -> list[PreviewTarget]:
        """Each recipient with the request field that names it (openids first)."""
        return [PreviewTarget("touser", o) for o in self.openids] + [
            PreviewTarget("towxname", w) for w in self.wxnames
        ]


class Offline(_Task):
    action: Literal["offline"]
    leg: str | None = None
    article_idx: int = Field(default=0, ge=0, le=8)
    # The msg ids of the plan the operator confirmed: a plan changed since deletes nothing.
    confirmed: list[int] | None = Field(default=None, max_length=10_000)


class ReadRates(_Task):
    action: Literal["read_rates"]


Task = Annotated[
    Segment | Prepare | LegTask | LegFailed | Finish | Fail | Preview | Offline | ReadRates,
    Field(discriminator="action"),
]
_TASK: TypeAdapter[Task] = TypeAdapter(Task)


def parse_task(event: Any) -> Task:
    """The task the state machine asked for; ValidationError names what is wrong."""
    return _TASK.validate_python(event)


def run_task(engine: Broadcast, task: Task) -> dict[str, Any]:
    """Run one task; the answer is the state's output (small: ids and the next step)."""
    match task:
        case Segment():
            return engine.segment(task.app_id, task.campaign_id, task.execution)
        case Prepare():
            return engine.prepare(task.app_id, task.campaign_id)
        case LegTask(action="check"):
            return engine.check(task.app_id, task.campaign_id, task.leg).model_dump(mode="json")
        case LegTask(action="decide"):
            return engine.decide(task.app_id, task.campaign_id, task.leg).model_dump(mode="json")
        case LegTask(action="send"):
            return engine.send(task.app_id, task.campaign_id, task.leg).model_dump(mode="json")
        case LegTask():
            return engine.results(task.app_id, task.campaign_id, task.leg).model_dump(mode="json")
        case LegFailed():
            return engine.leg_failed(
                task.app_id, task.campaign_id, task.leg, task.execution, task.error, task.cause
            )
        case Finish():
            return engine.finish(task.app_id, task.campaign_id, task.execution)
        case Fail():
            return engine.fail(
                task.app_id, task.campaign_id, task.execution, task.error, task.cause
            )
        case Preview():
            return engine.preview(task.app_id, task.campaign_id, task.targets(), task.leg)
        case ReadRates():
            return engine.read_rates(task.app_id, task.campaign_id)
        case _:
            return engine.offline(
                task.app_id, task.campaign_id, task.leg, task.article_idx, task.confirmed
            )
