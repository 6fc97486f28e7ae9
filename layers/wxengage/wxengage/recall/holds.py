"""A hold on an account's recall sends: WeChat refused them for a reason only a person can fix."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from wxengage.clock import iso_z


class RecallHold(BaseModel):
    """Why and since when an account's recalls are held, and when the next send may probe."""

    model_config = ConfigDict(frozen=True)

    errcode: int
    reason: str  # WeChat's errmsg and what to change
    since: int  # the first refusal of this hold
    until: int  # no send before this; the first send after it probes WeChat again

    def since_then(self, since: int) -> RecallHold:
        """The same hold, counted from an earlier refusal (the hold it renews)."""
        return RecallHold(errcode=self.errcode, reason=self.reason, since=since, until=self.until)

    def active(self, now: int) -> bool:
        """True while nothing may be sent."""
        return now < self.until

    def describe(self, now: int) -> str:
        """One line for a person (`wxengage status`)."""
        state = f"held until {iso_z(self.until)}" if self.active(now) else "probing"
        return f"{state} since {iso_z(self.since)}: errcode {self.errcode}: {self.reason}"
