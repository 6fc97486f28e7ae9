"""Who is calling the console: roles and granted accounts, read from the JWT claims API Gateway verified."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

GROUPS_CLAIM = "cognito:groups"
ACCOUNTS_CLAIM = "custom:accounts"
ALL_ACCOUNTS = "*"


class Role(IntEnum):
    """Each role may do everything the ones below it may."""

    VIEWER = 1  # read
    OPERATOR = 2  # rules, campaigns
    ADMIN = 3  # accounts, users


class NotSignedInError(PermissionError):
    """No verified identity came with the request (401)."""


class ForbiddenError(PermissionError):
    """The caller is known but may not do this (403)."""


class Caller(BaseModel):
    """The signed-in user as the console sees them."""

    model_config = ConfigDict(frozen=True)

    username: str
    email: str | None = None
    role: Role | None
    accounts: frozenset[str]

    @property
    def all_accounts(self) -> bool:
        return ALL_ACCOUNTS in self.accounts

    def may_see(self, app_id: str) -> bool:
        """Granted this account (or every account), with at least the viewer role."""
        return self.role is not None and (self.all_accounts or app_id in self.accounts)

    def require(self, role: Role) -> None:
        """ForbiddenError unless the caller holds `role` or a higher one."""
        if self.role is None or self.role < role:
            raise ForbiddenError(f"this needs the {role.name.lower()} role")

    def require_account(self, app_id: str) -> None:
        """ForbiddenError unless the account is granted to the caller."""
        if not self.may_see(app_id):
            raise ForbiddenError("this account is not granted to you")


def claim_list(value: Any) -> list[str]:
    """A list claim as API Gateway passes it: a JSON list, or flattened to "[a b]" / "a,b"."""
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    if not isinstance(value, str):
        return []
    return [part for part in re.split(r"[\s,]+", value.strip().strip("[]")) if part]


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """The caller; NotSignedInError when API Gateway passed no verified claims."""
    if not claims or not claims.get("sub"):
        raise NotSignedInError("sign in first")
    roles = [
        Role[g.upper()]
        for g in claim_list(claims.get(GROUPS_CLAIM))
        if g.upper() in Role.__members__
    ]
    return Caller(
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        email=str(claims["email"]) if claims.get("email") else None,
        role=max(roles) if roles else None,
        accounts=frozenset(claim_list(claims.get(ACCOUNTS_CLAIM))),
    )
