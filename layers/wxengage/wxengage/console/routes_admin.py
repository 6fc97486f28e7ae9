"""Admin routes: the pool's users (role, grants, enable, delete, reset) and the accounts' settings."""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from wxengage.account_edits import SettingsEdit
from wxengage.accounts import (
    Account,
    AccountSecrets,
    AccountSettings,
    AccountType,
    AppId,
    MessageMode,
    Plan,
)
from wxengage.clock import iso_z
from wxengage.console.api import API, current_caller, path_param
from wxengage.console.auth import Caller, ForbiddenError, Role
from wxengage.console.ports import AccountAdminPort, AccountsPort, ConsoleUsersPort
from wxengage.console.users import (
    ConsoleUser,
    NewUser,
    PasswordReset,
    UserCreated,
    UserEdit,
    UserInputError,
    UserNotFoundError,
    check_grant,
    check_manageable,
    check_not_locking_out,
    may_manage,
)

ADMIN = f"{API}/admin"


class SettingsSaved(BaseModel):
    """An account's settings after an edit and from when they apply (as `accounts set` prints)."""

    settings: AccountSettings
    applies_at: str  # UTC, ...Z; the page shows it in the account's zone
    applies_at_epoch: int
    next_sweep_at: int
    replanned: dict[str, int]  # pending recalls moved, by rule name


class NewAccount(BaseModel):
    """`wxengage accounts add` as a form; the credentials are write-only (never answered, never logged)."""

    model_config = ConfigDict(extra="forbid")

    app_id: AppId
    mode: MessageMode = MessageMode.SAFE
    type: AccountType = AccountType.SERVICE
    plan: Plan = Plan.PROFESSIONAL
    timezone: Annotated[str, Field(max_length=64)] = "Asia/Shanghai"
    freshness_seconds: int = 300
    token: Annotated[SecretStr, Field(max_length=64)]
    aes_key: Annotated[SecretStr | None, Field(max_length=64)] = None
    app_secret: Annotated[SecretStr, Field(max_length=64)]


class AdminInputError(ValueError):
    """The edit makes invalid settings; one message per field, no value echoed (422)."""

    def __init__(self, err: ValidationError) -> None:
        super().__init__("invalid input")
        self.errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": str(e.get("msg", "invalid")),
                "type": str(e.get("type", "")),
            }
            for e in err.errors()
        ]


def _json(status: int, body: object) -> Response[str]:
    return Response(status, "application/json", json.dumps(body, ensure_ascii=False))


def _errors(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(UserNotFoundError)  # type: ignore[untyped-decorator]
    def no_user(err: UserNotFoundError) -> Response[str]:
        return _json(404, {"message": str(err)})

    @app.exception_handler(UserInputError)  # type: ignore[untyped-decorator]
    def refused_input(err: UserInputError) -> Response[str]:
        return _json(422, {"message": str(err), "errors": []})

    @app.exception_handler(AdminInputError)  # type: ignore[untyped-decorator]
    def invalid(err: AdminInputError) -> Response[str]:
        return _json(422, {"message": "invalid input", "errors": err.errors})

    @app.exception_handler(FileExistsError)  # type: ignore[untyped-decorator]
    def exists(err: FileExistsError) -> Response[str]:
        return _json(409, {"message": "that account is registered already"})


def register_users(app: APIGatewayHttpResolver, users: ConsoleUsersPort) -> None:
    """The users page's routes (admins only; grants within the admin's own)."""

    def admin() -> Caller:
        caller = current_caller(app)
        caller.require(Role.ADMIN)
        return caller

    def target(caller: Caller, username: str) -> ConsoleUser:
        user = users.get(path_param(username))
        check_manageable(caller, user)
        return user

    @app.get(f"{ADMIN}/users", summary="The pool's users the caller may manage")
    def list_users() -> list[ConsoleUser]:
        caller = admin()
        return [u for u in users.all() if may_manage(caller, u.accounts)]

    @app.post(f"{ADMIN}/users", summary="Create a user (Cognito mails the temporary password)")
    def create_user(body: NewUser) -> Response[str]:
        caller = admin()
        check_grant(caller, body.accounts)
        created: UserCreated = users.create(body)
        return _json(201, created.model_dump(mode="json"))

    @app.patch(f"{ADMIN}/users/<username>", summary="Change a user's role, accounts or enabled")
    def edit_user(username: str, body: UserEdit) -> ConsoleUser:
        caller = admin()
        user = target(caller, username)
        check_not_locking_out(caller, user.username, body)
        if body.accounts is not None:
            check_grant(caller, body.accounts)
            users.set_accounts(user.username, body.accounts)
        if body.role is not None:
            users.set_role(user.username, body.role)
        if body.enabled is not None:
            users.set_enabled(user.username, body.enabled)
        return users.get(user.username)

    @app.delete(f"{ADMIN}/users/<username>", summary="Delete a user")
    def delete_user(username: str) -> Response[str]:
        caller = admin()
        user = target(caller, username)
        check_not_locking_out(caller, user.username, None)
        users.delete(user.username)
        return _json(200, {"deleted": user.username})

    @app.post(
        f"{ADMIN}/users/<username>/reset-password",
        summary="A new temporary password, shown once; the user sets their own at sign-in",
    )
    def reset_password(username: str) -> PasswordReset:
        caller = admin()
        user = target(caller, username)
        return users.reset_password(user.username)


def register_accounts(
    app: APIGatewayHttpResolver, accounts: AccountsPort, admin_port: AccountAdminPort
) -> None:
    """The accounts page's routes: settings of granted accounts, edits, and adding an account."""

    def admin() -> Caller:
        caller = current_caller(app)
        caller.require(Role.ADMIN)
        return caller

    @app.get(f"{ADMIN}/accounts", summary="Every setting of the accounts granted to the caller")
    def list_accounts() -> list[AccountSettings]:
        caller = admin()
        return [s for s in accounts.list_settings() if caller.may_see(s.app_id)]

    @app.patch(
        f"{ADMIN}/accounts/<app_id>",
        summary="Change settings as `wxengage accounts set` does; answers from when they apply",
    )
    def edit_account(app_id: str, body: SettingsEdit) -> SettingsSaved:
        caller = admin()
        app_id = path_param(app_id)
        caller.require_account(app_id)
        try:
            done = admin_port.update(app_id, body)
        except ValidationError as err:
            raise AdminInputError(err) from None
        return SettingsSaved(
            settings=done.settings,
            applies_at=iso_z(done.applies_at),
            applies_at_epoch=done.applies_at,
            next_sweep_at=done.next_sweep_at,
            replanned=done.replanned,
        )

    @app.post(f"{ADMIN}/accounts", summary="Register an account as `wxengage accounts add` does")
    def add_account(body: NewAccount) -> Response[str]:
        caller = admin()
        if not caller.all_accounts:
            # A new account is granted to nobody yet: only an admin of every account adds one.
            raise ForbiddenError("only an admin of every account (*) may add an account")
        try:
            account = Account(
                settings=AccountSettings(
                    app_id=body.app_id,
                    mode=body.mode,
                    type=body.type,
                    plan=body.plan,
                    timezone=body.timezone,
                    freshness_seconds=body.freshness_seconds,
                ),
                secrets=AccountSecrets(
                    token=body.token, aes_key=body.aes_key, app_secret=body.app_secret
                ),
            )
        except ValidationError as err:
            raise AdminInputError(err) from None
        admin_port.add(account)
        return _json(201, account.settings.model_dump(mode="json"))


def register(
    app: APIGatewayHttpResolver,
    accounts: AccountsPort,
    users: ConsoleUsersPort | None,
    admin_port: AccountAdminPort | None,
) -> None:
    """Whichever admin routes this deployment has the ports for."""
    _errors(app)
    if users is not None:
        register_users(app, users)
    if admin_port is not None:
        register_accounts(app, accounts, admin_port)
