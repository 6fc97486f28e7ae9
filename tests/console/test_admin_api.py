"""The console's admin routes: the pool's users and the accounts' settings, and who may call them."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.conftest import TEMPLATE
from tests.console.conftest import OTHER_APP_ID, Call, claims
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage_local.cognito import create_console_pool
from wxengage_local.template import LocalTemplate

USERS = "/console/api/admin/users"
ACCOUNTS = "/console/api/admin/accounts"
NEW_APP_ID = "wx1111111111111111"
ROUTES = [
    ("GET", USERS, None),
    (
        "POST",
        USERS,
        {"username": "zhou", "email": "z@example.com", "role": "viewer", "accounts": [APP_ID]},
    ),
    ("PATCH", f"{USERS}/li", {"role": "viewer"}),
    ("DELETE", f"{USERS}/li", None),
    ("POST", f"{USERS}/li/reset-password", None),
    ("GET", ACCOUNTS, None),
    ("PATCH", f"{ACCOUNTS}/{APP_ID}", {"timezone": "Asia/Tokyo"}),
    (
        "POST",
        ACCOUNTS,
        {"app_id": NEW_APP_ID, "mode": "plaintext", "token": "tok123", "app_secret": "s" * 32},
    ),
]
BOSS = claims("admin", "*", user="boss")
SCOPED = claims("admin", APP_ID, user="lan")


@pytest.fixture
def pool(stack: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The template's user pool in moto (as the local stack makes it), with boss, lan, li and wang."""
    import wxengage.wiring.console as wiring

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    made = create_console_pool(idp, LocalTemplate(TEMPLATE), "wxengage")
    assert made is not None
    for key, value in made.environment().items():
        monkeypatch.setenv(key, value)
    for name, role, grants in [
        ("boss", "admin", "*"),
        ("lan", "admin", APP_ID),
        ("li", "operator", APP_ID),
        ("wang", "viewer", OTHER_APP_ID),
    ]:
        idp.admin_create_user(
            UserPoolId=made.pool_id,
            Username=name,
            TemporaryPassword="Temporary-pass-1",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:accounts", "Value": grants},
            ],
        )
        idp.admin_set_user_password(
            UserPoolId=made.pool_id, Username=name, Password="Their-password-1", Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=made.pool_id, Username=name, GroupName=role)
    wiring.get_console.cache_clear()
    return {"pool": made.pool_id, "client_id": made.client_id}


def _pool_users(pool: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The pool as Cognito holds it: user -> enabled, status, groups, accounts."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    out = {}
    for u in idp.list_users(UserPoolId=pool["pool"])["Users"]:
        attrs = {a["Name"]: a["Value"] for a in u["Attributes"]}
        groups = idp.admin_list_groups_for_user(UserPoolId=pool["pool"], Username=u["Username"])
        out[u["Username"]] = {
            "enabled": u["Enabled"],
            "status": u["UserStatus"],
            "groups": sorted(g["GroupName"] for g in groups["Groups"]),
            "accounts": attrs.get("custom:accounts"),
        }
    return out


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_no_token_is_401(
    console: Call, pool: dict[str, str], method: str, path: str, body: object
) -> None:
    # Given no token; When an admin route is called; Then 401 and the pool is unchanged
    before = _pool_users(pool)
    assert console(method, path, None, body).status == 401
    assert _pool_users(pool) == before


@pytest.mark.parametrize("role", ["viewer", "operator"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_only_admins_use_admin_routes(
    console: Call,
    pool: dict[str, str],
    stack: Settings,
    role: str,
    method: str,
    path: str,
    body: object,
) -> None:
    # Given a viewer or operator of every account
    before = (_pool_users(pool), AccountStore(stack).list_settings())
    # When they call an admin route
    answer = console(method, path, claims(role, "*", user="li"), body)
    # Then 403, and neither the pool nor the accounts changed
    assert answer.status == 403
    assert (_pool_users(pool), AccountStore(stack).list_settings()) == before


def test_an_admin_lists_users_with_role_grants_and_status(
    console: Call, pool: dict[str, str]
) -> None:
    # Given the pool; When the admin of every account lists users
    answer = console("GET", USERS, BOSS)
    # Then every user with role, grants, enabled and status
    rows = {u["username"]: u for u in answer.json()}
    assert answer.status == 200 and set(rows) == {"boss", "lan", "li", "wang"}
    assert rows["li"]["role"] == "operator" and rows["li"]["accounts"] == [APP_ID]
    assert rows["wang"]["status"] == "CONFIRMED" and rows["wang"]["enabled"] is True
    assert isinstance(rows["boss"]["created"], int) and rows["boss"]["email"] == "boss@example.com"
    assert "password" not in answer.text.lower()


def test_a_scoped_admin_sees_and_manages_only_users_within_their_accounts(
    console: Call, pool: dict[str, str]
) -> None:
    # Given lan, admin of one account only
    # When lan lists users and tries to change wang (another account) and boss (every account)
    listed = {u["username"] for u in console("GET", USERS, SCOPED).json()}
    before = _pool_users(pool)
    wang = console("PATCH", f"{USERS}/wang", SCOPED, {"enabled": False})
    boss = console("POST", f"{USERS}/boss/reset-password", SCOPED)
    # Then only users of lan's account are listed, and the others are refused, unchanged
    assert listed == {"lan", "li"}
    assert (wang.status, boss.status) == (403, 403)
    assert _pool_users(pool) == before


def test_an_admin_creates_a_user_shown_the_temporary_password_once_locally(
    console: Call, pool: dict[str, str]
) -> None:
    # Given the local stack's setting (no mail: the temporary password is shown)
    # When the admin creates an operator of one account
    new = {
        "username": "zhou",
        "email": "zhou@example.com",
        "role": "operator",
        "accounts": [APP_ID],
    }
    answer = console("POST", USERS, SCOPED, new)
    # Then the user is in the pool, in the operator group, with that grant, to set a password
    body = answer.json()
    assert answer.status == 201 and body["delivery"] == "shown"
    assert body["user"]["status"] == "FORCE_CHANGE_PASSWORD" and body["user"]["role"] == "operator"
    assert _pool_users(pool)["zhou"] == {
        "enabled": True,
        "status": "FORCE_CHANGE_PASSWORD",
        "groups": ["operator"],
        "accounts": APP_ID,
    }
    # and the temporary password signs them in to the first-password step
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    first = idp.initiate_auth(
        ClientId=pool["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "zhou", "PASSWORD": body["temporary_password"]},
    )
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    # and listing never shows it again
    assert body["temporary_password"] not in console("GET", USERS, BOSS).text


def test_on_aws_cognito_mails_the_temporary_password(
    console: Call, pool: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the AWS setting (the template sets no WXENGAGE_CONSOLE_INVITE)
    import wxengage.wiring.console as wiring

    monkeypatch.delenv("WXENGAGE_CONSOLE_INVITE")
    wiring.get_console.cache_clear()
    # When a user is created
    new = {"username": "zhou", "email": "zhou@example.com", "role": "viewer", "accounts": ["*"]}
    answer = console("POST", USERS, BOSS, new)
    # Then no password is answered: Cognito delivers it by mail
    assert answer.status == 201
    assert answer.json()["delivery"] == "email" and answer.json()["temporary_password"] is None


@pytest.mark.parametrize(
    ("who", "grants"),
    [(SCOPED, [OTHER_APP_ID]), (SCOPED, ["*"]), (SCOPED, [APP_ID, OTHER_APP_ID])],
)
def test_an_admin_grants_only_accounts_of_their_own(
    console: Call, pool: dict[str, str], who: dict[str, Any], grants: list[str]
) -> None:
    # Given lan, admin of APP_ID only
    before = _pool_users(pool)
    # When lan creates a user with, or gives li, an account lan may not see (or *)
    new = {"username": "zhou", "email": "zhou@example.com", "role": "viewer", "accounts": grants}
    created = console("POST", USERS, who, new)
    edited = console("PATCH", f"{USERS}/li", who, {"accounts": grants})
    # Then both are refused and nothing was written
    assert (created.status, edited.status) == (403, 403)
    assert _pool_users(pool) == before


@pytest.mark.parametrize(
    "body",
    [
        {"username": "has space", "email": "a@example.com", "role": "viewer", "accounts": [APP_ID]},
        {"username": "zhou", "email": "not-an-email", "role": "viewer", "accounts": [APP_ID]},
        {"username": "zhou", "email": "a@example.com", "role": "root", "accounts": [APP_ID]},
        {"username": "zhou", "email": "a@example.com", "role": "viewer", "accounts": []},
        {"username": "zhou", "email": "a@example.com", "role": "viewer", "accounts": ["*", APP_ID]},
        {"username": "zhou", "email": "a@example.com", "role": "viewer", "accounts": ["wx1"]},
        {
            "username": "zhou",
            "email": "a@example.com",
            "role": "viewer",
            "accounts": [APP_ID],
            "x": 1,
        },
    ],
)
def test_bad_user_input_is_422_with_nothing_written(
    console: Call, pool: dict[str, str], body: dict[str, Any]
) -> None:
    # Given the pool; When an admin sends a bad new user
    before = _pool_users(pool)
    answer = console("POST", USERS, BOSS, body)
    # Then 422 with field messages, and the pool is unchanged
    assert answer.status == 422 and answer.json()["errors"]
    assert _pool_users(pool) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", f"{USERS}/boss", {"role": "operator"}),
        ("PATCH", f"{USERS}/boss", {"enabled": False}),
        ("DELETE", f"{USERS}/boss", None),
    ],
)
def test_nobody_locks_themselves_out(
    console: Call, pool: dict[str, str], method: str, path: str, body: object
) -> None:
    # Given boss, an admin
    before = _pool_users(pool)
    # When boss demotes, disables or deletes themselves
    answer = console(method, path, BOSS, body)
    # Then it is refused, and boss is still an enabled admin
    assert answer.status == 403
    assert "yourself" in answer.json()["message"] or "your own" in answer.json()["message"]
    assert _pool_users(pool) == before


def test_an_admin_changes_role_grants_enabled_resets_and_deletes(
    console: Call, pool: dict[str, str]
) -> None:
    # Given li, operator of APP_ID
    # When boss makes li a viewer of every account, disables, enables again, resets and deletes
    edited = console("PATCH", f"{USERS}/li", BOSS, {"role": "viewer", "accounts": ["*"]})
    after_edit = _pool_users(pool)["li"]
    disabled = console("PATCH", f"{USERS}/li", BOSS, {"enabled": False})
    after_disable = _pool_users(pool)["li"]["enabled"]
    console("PATCH", f"{USERS}/li", BOSS, {"enabled": True})
    reset = console("POST", f"{USERS}/li/reset-password", BOSS)
    after_reset = _pool_users(pool)["li"]["status"]
    deleted = console("DELETE", f"{USERS}/li", BOSS)
    missing = console("PATCH", f"{USERS}/li", BOSS, {"enabled": True})
    # Then each shows in the pool
    assert edited.status == 200 and edited.json()["role"] == "viewer"
    assert after_edit["groups"] == ["viewer"] and after_edit["accounts"] == "*"
    assert disabled.status == 200 and after_disable is False
    assert reset.status == 200 and len(reset.json()["temporary_password"]) >= 12
    assert after_reset == "FORCE_CHANGE_PASSWORD"
    assert deleted.status == 200 and "li" not in _pool_users(pool)
    assert missing.status == 404
