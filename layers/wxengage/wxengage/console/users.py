"""Console users as admins manage them: the model, the requests, and who may grant what (pure policy)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from wxengage.console.auth import ALL_ACCOUNTS, Caller, ForbiddenError, Role

# Cognito allows more; the console keeps names a person can type and read back unambiguously.
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")]
ACCOUNTS_MAX_CHARS = 2048  # template.yaml: custom:accounts' MaxLength


class UserNotFoundError(LookupError):
    """No such user in the pool (404)."""


class UserInputError(ValueError):
    """The identity provider refused the input (a password or attribute rule); nothing written (422)."""


class RoleName(StrEnum):
    """The pool's groups (template.yaml: ConsoleViewerGroup, ...)."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def role(self) -> Role:
        return Role[self.name]


def _grant_list(value: list[str]) -> list[str]:
    """`["*"]` or distinct AppIDs, sorted; never both, never empty, within the attribute's size."""
    items = sorted(set(value))
    if not items:
        raise ValueError("grant at least one account (or * for every account)")
    if ALL_ACCOUNTS in items and len(items) > 1:
        raise ValueError("* already means every account: give * alone")
    for item in items:
        if item != ALL_ACCOUNTS and not _is_app_id(item):
            raise ValueError(f"{item!r} is not an AppID (wx + 16 letters or digits) or *")
    if len(",".join(items)) > ACCOUNTS_MAX_CHARS:
        raise ValueError(
            f"too many accounts for one user (at most {ACCOUNTS_MAX_CHARS} characters)"
        )
    return items


def _is_app_id(text: str) -> bool:
    return len(text) == 18 and text.startswith("wx") and text[2:].isascii() and text[2:].isalnum()


Grants = Annotated[list[str], Field(max_length=200), AfterValidator(_grant_list)]


class ConsoleUser(BaseModel):
    """One user of the pool as the users page lists them (never a password)."""

    model_config = ConfigDict(frozen=True)

    username: str
    email: str | None
    role: RoleName | None  # the highest of the user's groups
    accounts: list[str]
    enabled: bool
    status: str  # Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, ...
    created: int | None  # epoch seconds


class NewUser(BaseModel):
    """POST /console/api/admin/users."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    email: Email
    role: RoleName
    accounts: Grants


class UserEdit(BaseModel):
    """PATCH /console/api/admin/users/{username}: any of role, accounts, enabled."""

    model_config = ConfigDict(extra="forbid")

    role: RoleName | None = None
    accounts: Grants | None = None
    enabled: bool | None = None


class UserCreated(BaseModel):
    """The new user; `temporary_password` only where no mail carries it (the local stack)."""

    user: ConsoleUser
    temporary_password: str | None = None
    delivery: str  # "email" (Cognito mails it) or "shown" (shown here once)


class PasswordReset(BaseModel):
    """A new temporary password, shown to the admin once; the user sets their own on sign-in."""

    username: str
    temporary_password: str


def highest_role(groups: Iterable[str]) -> RoleName | None:
    """The role a user's groups give (the console checks `cognito:groups` the same way)."""
    roles = [RoleName(g) for g in groups if g in RoleName.__members__.values()]
    return max(roles, key=lambda r: r.role) if roles else None


def may_manage(caller: Caller, user_accounts: Iterable[str]) -> bool:
    """An admin manages a user only if every account of theirs is the admin's too."""
    if caller.role is None or caller.role < Role.ADMIN:
        return False
    if caller.all_accounts:
        return True
    accounts = set(user_accounts)
    return ALL_ACCOUNTS not in accounts and accounts <= caller.accounts


def check_grant(caller: Caller, accounts: Iterable[str]) -> None:
    """ForbiddenError unless the caller may grant each account (only an admin of * grants *)."""
    caller.require(Role.ADMIN)
    if not may_manage(caller, accounts):
        raise ForbiddenError("you may grant only accounts granted to you")


def check_manageable(caller: Caller, user: ConsoleUser) -> None:
    """ForbiddenError for a user with accounts outside the caller's grant."""
    caller.require(Role.ADMIN)
    if not may_manage(caller, user.accounts):
        raise ForbiddenError("this user has accounts not granted to you")


def check_not_locking_out(caller: Caller, username: str, edit: UserEdit | None) -> None:
    """Nobody removes their own admin role, disables or deletes themselves (`edit` None: delete)."""
    if username != caller.username:
        return
    if edit is None:
        raise ForbiddenError("you cannot delete yourself; ask another admin")
    if edit.enabled is False:
        raise ForbiddenError("you cannot disable yourself; ask another admin")
    if edit.role is not None and edit.role is not RoleName.ADMIN:
        raise ForbiddenError("you cannot remove your own admin role; ask another admin")
