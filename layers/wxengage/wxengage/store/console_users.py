"""The console's users in the Cognito user pool: list, create, role (groups), grants, enable, delete, reset."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from wxengage.console.users import (
    ConsoleUser,
    NewUser,
    PasswordReset,
    RoleName,
    UserCreated,
    UserInputError,
    UserNotFoundError,
    highest_role,
)
from wxengage.errors import ConflictError
from wxengage.store.aws import client

ACCOUNTS_ATTRIBUTE = "custom:accounts"
INVITE_EMAIL = "email"  # AWS: Cognito mails the temporary password
INVITE_SHOW = "show"  # the local stack: no mail; the admin is shown it once


@contextmanager
def _cognito(username: str) -> Iterator[None]:
    try:
        yield
    except ClientError as err:
        code = err.response["Error"]["Code"]
        if code == "UserNotFoundException":
            raise UserNotFoundError(f"no console user {username!r}") from None
        if code == "UsernameExistsException":
            raise ConflictError(f"a console user {username!r} exists already") from None
        if code in ("InvalidParameterException", "InvalidPasswordException"):
            # Cognito's message names the rule, never the value.
            raise UserInputError(str(err.response["Error"].get("Message", code))) from None
        raise


def temporary_password() -> str:
    """16 characters meeting the template's policy and Cognito's default (which adds a symbol)."""
    alphabet = string.ascii_letters + string.digits
    chars = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("-_+=!#%"),  # symbols Cognito accepts; none that a URL or shell mangles
    ] + [secrets.choice(alphabet) for _ in range(12)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


class CognitoConsoleUsers:
    """The ConsoleUsersPort on the template's user pool (groups are roles, custom:accounts grants)."""

    def __init__(self, pool_id: str, invite: str = INVITE_EMAIL) -> None:
        self._pool = pool_id
        self._invite = invite

    def _idp(self) -> Any:
        return client("cognito-idp")

    def all(self) -> list[ConsoleUser]:
        """Every user with their role (three ListUsersInGroup calls, not one call per user)."""
        idp = self._idp()
        groups: dict[str, list[str]] = {}
        for role in RoleName:
            for page in idp.get_paginator("list_users_in_group").paginate(
                UserPoolId=self._pool, GroupName=role.value
            ):
                for u in page["Users"]:
                    groups.setdefault(u["Username"], []).append(role.value)
        users = [
            _user(u, groups.get(u["Username"], []))
            for page in idp.get_paginator("list_users").paginate(UserPoolId=self._pool)
            for u in page["Users"]
        ]
        return sorted(users, key=lambda u: u.username)

    def get(self, username: str) -> ConsoleUser:
        """One user with their role."""
        idp = self._idp()
        with _cognito(username):
            raw = idp.admin_get_user(UserPoolId=self._pool, Username=username)
            groups = self._groups(username)
        raw["Attributes"] = raw.pop("UserAttributes", [])
        return _user(raw, groups)

    def _groups(self, username: str) -> list[str]:
        resp = self._idp().admin_list_groups_for_user(UserPoolId=self._pool, Username=username)
        return [g["GroupName"] for g in resp["Groups"]]

    def create(self, user: NewUser) -> UserCreated:
        """AdminCreateUser, then the role's group; the temporary password is mailed or returned once."""
        idp = self._idp()
        attributes = [
            {"Name": "email", "Value": user.email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": ACCOUNTS_ATTRIBUTE, "Value": ",".join(user.accounts)},
        ]
        password: str | None = None
        extra: dict[str, Any] = {"DesiredDeliveryMediums": ["EMAIL"]}
        if self._invite == INVITE_SHOW:
            password = temporary_password()
            extra = {"TemporaryPassword": password, "MessageAction": "SUPPRESS"}
        with _cognito(user.username):
            idp.admin_create_user(
                UserPoolId=self._pool,
                Username=user.username,
                UserAttributes=attributes,
                **extra,
            )
            # Until this succeeds the user has no role, and a user without a role may do nothing.
            idp.admin_add_user_to_group(
                UserPoolId=self._pool, Username=user.username, GroupName=user.role.value
            )
        return UserCreated(
            user=self.get(user.username),
            temporary_password=password,
            delivery="shown" if password else "email",
        )

    def set_role(self, username: str, role: RoleName) -> None:
        """Into the role's group first, then out of the others (never briefly without a role)."""
        idp = self._idp()
        with _cognito(username):
            current = self._groups(username)
            if role.value not in current:
                idp.admin_add_user_to_group(
                    UserPoolId=self._pool, Username=username, GroupName=role.value
                )
            for group in current:
                if group != role.value and group in RoleName.__members__.values():
                    idp.admin_remove_user_from_group(
                        UserPoolId=self._pool, Username=username, GroupName=group
                    )

    def set_accounts(self, username: str, accounts: list[str]) -> None:
        """The user's grants (their next token carries them)."""
        with _cognito(username):
            self._idp().admin_update_user_attributes(
                UserPoolId=self._pool,
                Username=username,
                UserAttributes=[{"Name": ACCOUNTS_ATTRIBUTE, "Value": ",".join(accounts)}],
            )

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Enable, or disable (a disabled user can neither sign in nor refresh a token)."""
        idp = self._idp()
        with _cognito(username):
            if enabled:
                idp.admin_enable_user(UserPoolId=self._pool, Username=username)
            else:
                idp.admin_disable_user(UserPoolId=self._pool, Username=username)
                idp.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)

    def delete(self, username: str) -> None:
        """Remove the user from the pool."""
        with _cognito(username):
            self._idp().admin_delete_user(UserPoolId=self._pool, Username=username)

    def reset_password(self, username: str) -> PasswordReset:
        """A new temporary password (shown once); refresh tokens are revoked; the user picks their own.

        AdminSetUserPassword (not permanent) rather than AdminResetUserPassword: the latter mails
        a code for a forgot-password form the console does not have; this reuses the first
        sign-in's new-password step, which it has.
        """
        password = temporary_password()
        idp = self._idp()
        with _cognito(username):
            idp.admin_set_user_password(
                UserPoolId=self._pool, Username=username, Password=password, Permanent=False
            )
            idp.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
        return PasswordReset(username=username, temporary_password=password)


def _user(raw: dict[str, Any], groups: list[str]) -> ConsoleUser:
    attrs = {a["Name"]: a.get("Value", "") for a in raw.get("Attributes", [])}
    grants = [a for a in attrs.get(ACCOUNTS_ATTRIBUTE, "").split(",") if a.strip()]
    created = raw.get("UserCreateDate")
    return ConsoleUser(
        username=str(raw["Username"]),
        email=attrs.get("email") or None,
        role=highest_role(groups),
        accounts=sorted(a.strip() for a in grants),
        enabled=bool(raw.get("Enabled", True)),
        status=str(raw.get("UserStatus", "UNKNOWN")),
        created=int(created.timestamp()) if created is not None else None,
    )
