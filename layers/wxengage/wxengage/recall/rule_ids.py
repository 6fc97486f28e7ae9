"""Rule identity: ids are generated at creation; rules stored before ids existed derive theirs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wxengage.recall.rules import StoredRule

# A rule's identity (issue 11): pending recalls, stats and holds name the id, never the name.
RULE_ID_PREFIX = "r-"
# Rules stored before ids existed get one derived from their name, the same in every reader, so
# their pending recalls (filed under the name) and stats (kept under the name) stay theirs.
LEGACY_RULE_ID_PREFIX = "legacy-"


def new_rule_id() -> str:
    """A fresh ASCII id for a rule being created (never reused, whatever its name)."""
    return f"{RULE_ID_PREFIX}{uuid.uuid4().hex[:20]}"


def legacy_rule_id(name: str) -> str:
    """The id a rule stored before ids existed goes by: its name, hex-encoded (ASCII, reversible)."""
    return f"{LEGACY_RULE_ID_PREFIX}{name.encode().hex()}"


def rule_key(rule_id: str) -> str:
    """What recall ids and stats keys carry for a rule: the id; a legacy rule's name, as before."""
    if rule_id.startswith(LEGACY_RULE_ID_PREFIX):
        return bytes.fromhex(rule_id.removeprefix(LEGACY_RULE_ID_PREFIX)).decode()
    return rule_id


def names_by_key(live: list[StoredRule], deleted: list[StoredRule] | None = None) -> dict[str, str]:
    """Rule key (as recall marks and stats hold it) -> the name an operator knows; a deleted
    rule's name is marked so, and a live rule wins over a deleted one of the same key."""
    names = {r.stats_key: f"{r.rule.name} [deleted]" for r in deleted or []}
    return names | {r.stats_key: r.rule.name for r in live}
