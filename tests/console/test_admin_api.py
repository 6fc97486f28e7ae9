"""The console's admin routes: the pool's users and the accounts' settings, and who may call them."""

from __future__ import annotations

import json
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


# --- accounts ---------------------------------------------------------------------------


def test_an_admin_lists_the_settings_of_granted_accounts_only(
    console: Call, pool: dict[str, str]
) -> None:
    # Given two accounts; When lan (admin of one) and boss (every account) list them
    scoped = [a["app_id"] for a in console("GET", ACCOUNTS, SCOPED).json()]
    every = console("GET", ACCOUNTS, BOSS).json()
    # Then lan sees one, boss both, with every setting and no credential
    assert scoped == [APP_ID]
    assert [a["app_id"] for a in every] == sorted([APP_ID, OTHER_APP_ID])
    assert {"timezone", "plan", "quiet_hours", "recall", "mass"} <= set(every[0])
    assert "token" not in json.dumps(every) and "secret" not in json.dumps(every)


def test_an_account_edit_applies_as_accounts_set_does(
    console: Call, pool: dict[str, str], stack: Settings
) -> None:
    # Given APP_ID in Asia/Shanghai
    # When lan sets quiet hours and the mass budget
    edit = {"quiet_hours": {"start": "22:00", "end": "08:00"}, "mass_calls_per_day": 50}
    answer = console("PATCH", f"{ACCOUNTS}/{APP_ID}", SCOPED, edit)
    # Then they are stored, and the answer says from when they apply
    body = answer.json()
    stored = AccountStore(stack).read_settings(APP_ID)
    assert answer.status == 200 and body["applies_at"].endswith("Z")
    assert stored.quiet_hours is not None and stored.quiet_hours.start == "22:00"
    assert stored.mass.calls_per_day == 50 and stored.timezone == "Asia/Shanghai"
    # and quiet hours given as null are cleared
    console("PATCH", f"{ACCOUNTS}/{APP_ID}", SCOPED, {"quiet_hours": None})
    assert AccountStore(stack).read_settings(APP_ID).quiet_hours is None


@pytest.mark.parametrize(
    "edit",
    [
        {"timezone": "Mars/Olympus"},
        {"recalls_per_window": 9},
        {"quiet_hours": {"start": "25:00", "end": "08:00"}},
        {"plan": "gold"},
        {"colour": "red"},
    ],
)
def test_a_bad_account_edit_is_422_with_nothing_written(
    console: Call, pool: dict[str, str], stack: Settings, edit: dict[str, Any]
) -> None:
    # Given the stored settings
    before = AccountStore(stack).read_settings(APP_ID)
    # When an admin sends an invalid edit
    answer = console("PATCH", f"{ACCOUNTS}/{APP_ID}", BOSS, edit)
    # Then 422 with a field message, and nothing changed
    assert answer.status == 422 and answer.json()["errors"]
    assert AccountStore(stack).read_settings(APP_ID) == before


def test_an_admin_may_not_edit_an_account_not_granted(
    console: Call, pool: dict[str, str], stack: Settings
) -> None:
    # Given lan, admin of APP_ID only
    before = AccountStore(stack).read_settings(OTHER_APP_ID)
    # When lan edits the other account
    answer = console("PATCH", f"{ACCOUNTS}/{OTHER_APP_ID}", SCOPED, {"timezone": "Asia/Tokyo"})
    # Then 403 and it is unchanged
    assert answer.status == 403
    assert AccountStore(stack).read_settings(OTHER_APP_ID) == before


def test_adding_an_account_stores_credentials_write_only(
    console: Call, pool: dict[str, str], stack: Settings
) -> None:
    # Given a new account's credentials
    new = {
        "app_id": NEW_APP_ID,
        "mode": "safe",
        "token": "tok123",
        "aes_key": "a" * 43,
        "app_secret": "s" * 32,
    }
    # When lan (one account) and then boss (every account) add it
    refused = console("POST", ACCOUNTS, SCOPED, new)
    added = console("POST", ACCOUNTS, BOSS, new)
    again = console("POST", ACCOUNTS, BOSS, new)
    # Then only boss may; the credentials are stored as the CLI stores them, never answered
    assert refused.status == 403 and added.status == 201 and again.status == 409
    assert "tok123" not in added.text and "s" * 32 not in added.text
    secrets = AccountStore(stack).get_secrets(NEW_APP_ID)
    assert secrets.token.get_secret_value() == "tok123"
    assert secrets.app_secret.get_secret_value() == "s" * 32


def test_a_bad_new_account_is_422_without_echoing_the_secret(
    console: Call, pool: dict[str, str], stack: Settings
) -> None:
    # Given credentials of the wrong shape, and a safe-mode account without its AES key
    short = {"app_id": NEW_APP_ID, "mode": "plaintext", "token": "t!", "app_secret": "hush-" * 6}
    keyless = {"app_id": NEW_APP_ID, "mode": "safe", "token": "tok123", "app_secret": "s" * 32}
    # When boss adds them
    answers = [console("POST", ACCOUNTS, BOSS, body) for body in (short, keyless)]
    # Then 422 with messages, never the values, and no account was written
    assert [a.status for a in answers] == [422, 422]
    assert "hush-" not in answers[0].text and "t!" not in answers[0].text
    assert NEW_APP_ID not in [s.app_id for s in AccountStore(stack).list_settings()]


# --- sessions (Cognito) -----------------------------------------------------------------


def test_cognito_sign_in_answers_a_refresh_token_that_refreshes(
    console: Call, pool: dict[str, str]
) -> None:
    # Given li with a permanent password
    signed = console(
        "POST", "/console/auth/sign-in", None, {"username": "li", "password": "Their-password-1"}
    )
    refresh = signed.json()["refresh_token"]
    # When the page asks for a new ID token with it, and with one never issued
    fresh = console("POST", "/console/auth/refresh", None, {"refresh_token": refresh})
    bogus = console("POST", "/console/auth/refresh", None, {"refresh_token": "not-a-token"})
    empty = console("POST", "/console/auth/refresh", None, {})
    # Then a new ID token (REFRESH_TOKEN_AUTH), a plain 401, and 422
    assert signed.status == 200 and refresh
    assert fresh.status == 200 and fresh.json()["id_token"].count(".") == 2
    assert bogus.status == 401 and empty.status == 422


# --- the template, deployed and read back -------------------------------------------------


def _calls_in_store() -> set[str]:
    """The cognito-idp operations store/console_users.py makes, as IAM action names."""
    import re

    from tests.conftest import ROOT

    source = (ROOT / "layers/wxengage/wxengage/store/console_users.py").read_text()
    names = set(re.findall(r"\.(admin_[a-z_]+|list_[a-z_]+)\(", source))
    names |= set(re.findall(r'get_paginator\("([a-z_]+)"\)', source))
    return {"cognito-idp:" + "".join(p.title() for p in n.split("_")) for n in names}


def test_the_console_function_may_make_exactly_the_user_stores_calls_on_its_pool(
    stack: Settings,
) -> None:
    # Given template.yaml deployed (in moto)
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName="wxengage")["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    iam = boto3.client("iam", region_name="us-east-1")
    role = physical["ConsoleFunctionRole"]
    statements = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):  # moto keeps a CFN-made role's document as a Python repr
            import ast

            document = ast.literal_eval(document)
        statements += document["Statement"]
    # When its cognito-idp grants and its environment are read back
    cognito = [
        st for st in statements if any(str(a).startswith("cognito-idp:") for a in st["Action"])
    ]
    # (moto drops a variable whose Ref names a resource it skipped, as it skips Cognito's: the
    # local stack sets it from the pool it makes; here it is read from the template as written)
    env = LocalTemplate(TEMPLATE).functions()["ConsoleFunction"].environment
    # Then one statement allows exactly the operations the store makes, on the pool alone
    assert len(cognito) == 1
    assert set(cognito[0]["Action"]) == _calls_in_store()
    assert ":userpool/" in json.dumps(cognito[0]["Resource"])
    assert env["WXENGAGE_CONSOLE_USER_POOL_ID"] == {"Ref": "ConsoleUserPool"}
    assert "WXENGAGE_CONSOLE_INVITE" not in env  # on AWS Cognito mails temporary passwords


def test_the_template_routes_every_sign_in_path_the_console_serves() -> None:
    # Given the console's public auth routes and template.yaml's HttpApi events
    from wxengage.console import signin
    from wxengage_local import console_auth

    doc = LocalTemplate(TEMPLATE).document
    events = doc["Resources"]["ConsoleFunction"]["Properties"]["Events"].values()
    routed = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events}
    served = {
        signin.SIGN_IN_PATH,
        signin.NEW_PASSWORD_PATH,
        signin.REFRESH_PATH,
        signin.SIGN_OUT_PATH,
    }
    # Then each is a POST route of the function, and the local gateway answers the same paths
    assert {("POST", p) for p in served} <= routed
    assert set(console_auth._AUTH_ROUTES) == served
