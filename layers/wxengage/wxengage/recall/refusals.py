"""What the sender does when WeChat refuses a customer-service send (WECHAT.md section 11).

Every refusal means WeChat did not send, so none of them costs the follower anything: the
reserved window message is given back and no cooldown starts. What differs is the recall's fate:
- SKIP: the follower's side (window closed, quota used, not following): recorded as skipped;
- FAIL: refused for good for this follower or this content: recorded failed with the errcode;
- RETRY: WeChat did nothing this time (busy, per-minute limit, token, awaiting the admin): the
  recall is pending again and the queue retries it;
- HOLD: the account is misconfigured (IP whitelist, API permission, credentials, an IP the admin
  refused): every send would fail the same way, so the account's recall sends are held, the
  recall is pending again, and the alarm asks a person to act.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wxengage.recall.planning import SkipReason
from wxengage.wechat.api_errors import ErrorCategory, categorize


class Reaction(StrEnum):
    """The sender's reaction to one refusal."""

    SKIP = "skip"
    FAIL = "fail"
    RETRY = "retry"
    HOLD = "hold"


@dataclass(frozen=True)
class Refusal:
    """A reaction, with the skip reason (SKIP) or how long to hold the account (HOLD)."""

    reaction: Reaction
    skip: SkipReason | None = None
    hold_seconds: int = 0


# WeChat's follower-side answers that mean "not now, not ever for this window" (WECHAT.md 4).
FOLLOWER_REASONS = {
    45015: SkipReason.WINDOW_CLOSED,
    45047: SkipReason.QUOTA,
    43004: SkipReason.LEFT,
}
# A hold is re-probed after this long: the next recall due after it tries WeChat once more
# (and holds again if nothing changed), so a fixed whitelist needs no command to resume.
PROBE_AFTER_SECONDS = 15 * 60
# WeChat says how long an IP the administrator refused stays refused (WxJava WxOpenErrorMsgEnum:
# 89506 "请24小时后再试", 89507 "请1小时后再试"; WeChat's global return codes say the same).
_HOLD_SECONDS = {89506: 24 * 3600, 89507: 3600}
# 89503: this IP's call needs the administrator's confirmation (WECHAT.md 11 holds on it; the
# admin must act, so it is treated as configuration, not as a plain wait).
_HOLD_CODES = {89503}
_RETRY = {
    ErrorCategory.RETRY_BACKOFF,
    ErrorCategory.RETRY_NEXT_MINUTE,
    ErrorCategory.TOKEN,  # refused even after the client's refetch: WeChat did nothing
    ErrorCategory.AWAITING_CONFIRMATION,  # 89501/89502/89504/89505: retry later
}


def react(errcode: int) -> Refusal:
    """The reaction to WeChat refusing a customer-service send with `errcode`."""
    skip = FOLLOWER_REASONS.get(errcode)
    if skip is not None:
        return Refusal(Reaction.SKIP, skip=skip)
    category = categorize(errcode)
    if errcode in _HOLD_CODES or category is ErrorCategory.CONFIGURATION:
        return Refusal(Reaction.HOLD, hold_seconds=_HOLD_SECONDS.get(errcode, PROBE_AFTER_SECONDS))
    if category in _RETRY:
        return Refusal(Reaction.RETRY)
    # 45009 (today's quota), 40003 (bad openid), 40007 (mpnews media_id), request bugs, unknown.
    return Refusal(Reaction.FAIL)
