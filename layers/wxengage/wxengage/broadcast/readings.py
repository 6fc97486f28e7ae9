"""A/B variants' read statistics fetched on request, so a test cancelled before its decision keeps
its results (the decision fetches them otherwise)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from wxengage.broadcast.ports import BroadcastPorts
from wxengage.broadcast.reads import leg_reads
from wxengage.broadcast.schedule import LegKind
from wxengage.broadcast.state import LegState
from wxengage.wechat.read_stats import ReadStats, StatsState

NOT_SENT = "its variants are still to go out, or none went out"
DECIDED = "decided: the decision's figures stand"
NOT_READY = "WeChat has not reported the reads yet (they are in after 08:00 the next day)"


def undecided(legs: list[LegState], group: str) -> list[LegState] | None:
    """The group's variants when they were all sent and no decision fetched their reads yet."""
    variants = [s for s in legs if s.group == group and s.kind is LegKind.VARIANT]
    winner = [s for s in legs if s.group == group and s.kind is LegKind.WINNER]
    if any(w.decision is not None for w in winner):
        return None
    if not variants or any(not v.status.done for v in variants):
        return None
    return variants if any(v.batches for v in variants) else None  # none went out: no reads


class Readings:
    """The `read_rates` request: each undecided A/B group's variants' readers, stored on them."""

    def __init__(self, ports: BroadcastPorts) -> None:
        self._ports = ports

    def refresh(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        c = self._ports.campaigns.get(app_id, campaign_id)
        legs = self._ports.campaigns.legs(app_id, campaign_id)
        account = self._ports.accounts.get(app_id)
        stats = ReadStats(self._ports.wechat(account))
        zone = ZoneInfo(account.settings.timezone)
        groups = []
        for group in c.spec.groups:
            if group.ab_test is None:
                continue
            variants = undecided(legs, group.name)
            if variants is None:
                decided = any(s.decision for s in legs if s.group == group.name)
                groups.append({"group": group.name, "fetched": False,
                               "why": DECIDED if decided else NOT_SENT})  # fmt: skip
                continue
            found = [self._readers(stats, zone, v) for v in variants]
            readers = [n for _, n in found]
            if not all(ready for ready, _ in found):
                groups.append({"group": group.name, "fetched": False, "why": NOT_READY})
                continue
            rows = []
            for v, n in zip(variants, readers, strict=True):
                saved = self._ports.campaigns.save(v.read_by(n))
                rows.append({"leg": v.key, "variant": v.variant, "sent": saved.sent,
                             "readers": n, "read_rate": saved.read_rate})  # fmt: skip
            groups.append({"group": group.name, "fetched": True, "variants": rows})
        return {"groups": groups}

    def _readers(self, stats: ReadStats, zone: ZoneInfo, v: LegState) -> tuple[bool, int | None]:
        """Whether WeChat has the reads, and the readers over the batches they can be attributed
        to (None when none can be: the same rule the winner decision uses, broadcast/reads.py)."""
        batches = self._ports.campaigns.batches(v.app_id, v.campaign_id, v.key)
        reads = leg_reads(stats, zone, v.key, batches)
        return reads.state is StatsState.READY, reads.readers
