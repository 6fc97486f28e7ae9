"""The console's admin routes for accounts (settings as `accounts set`, `accounts add`), Cognito
sessions, and the template's grant for the user store, deployed in moto and read back."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.conftest import TEMPLATE
from tests.console.conftest import OTHER_APP_ID, Call
from tests.console.test_admin_api import ACCOUNTS, BOSS, NEW_APP_ID, SCOPED, pool
from tests.support.callbacks import APP_ID
from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage_local.template import LocalTemplate

__all__ = ["pool"]  # the fixture, shared with test_admin_api.py


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
