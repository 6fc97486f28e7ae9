"""The Cognito user store (moto's Cognito) and the Cognito sign-out (RevokeToken, which moto lacks)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.conftest import TEMPLATE
from wxengage.console.users import NewUser, RoleName, UserNotFoundError
from wxengage.errors import ConflictError
from wxengage.store.cognito import CognitoSignIn
from wxengage.store.console_users import INVITE_SHOW, CognitoConsoleUsers, temporary_password
from wxengage_local.cognito import LocalPool, create_console_pool
from wxengage_local.template import LocalTemplate

APP_ID = "wx0123456789abcdef"


@pytest.fixture
def pool(aws_env: None) -> Iterator[LocalPool]:
    """The template's pool, client and groups in moto."""
    with mock_aws():
        made = create_console_pool(boto3.client("cognito-idp"), LocalTemplate(TEMPLATE), "wx")
        assert made is not None
        yield made


def _new(name: str = "zhou", role: RoleName = RoleName.VIEWER) -> NewUser:
    return NewUser(username=name, email=f"{name}@example.com", role=role, accounts=[APP_ID])


def test_the_local_pool_is_the_templates(pool: LocalPool) -> None:
    # Given the pool made from template.yaml
    idp = boto3.client("cognito-idp")
    # When it is described
    described = idp.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    groups = idp.list_groups(UserPoolId=pool.pool_id)["Groups"]
    # Then it has the template's password policy, admin-only sign-up, groups and attribute
    policy = described["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12 and policy["RequireUppercase"] is True
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert {g["GroupName"] for g in groups} == {"viewer", "operator", "admin"}
    assert any(a["Name"] == "custom:accounts" for a in described["SchemaAttributes"])


def test_a_created_user_is_listed_with_role_grants_and_status(pool: LocalPool) -> None:
    # Given the store in the AWS setting (Cognito mails the temporary password)
    users = CognitoConsoleUsers(pool.pool_id)
    # When an operator is created and the pool listed
    created = users.create(_new(role=RoleName.OPERATOR))
    listed = {u.username: u for u in users.all()}
    # Then the user is an operator of one account, to set a password at first sign-in
    assert created.temporary_password is None and created.delivery == "email"
    zhou = listed["zhou"]
    assert (zhou.role, zhou.accounts, zhou.status) == (
        RoleName.OPERATOR,
        [APP_ID],
        "FORCE_CHANGE_PASSWORD",
    )
    assert zhou.enabled is True and zhou.email == "zhou@example.com"


def test_creating_a_user_twice_is_a_conflict(pool: LocalPool) -> None:
    # Given an existing user
    users = CognitoConsoleUsers(pool.pool_id, INVITE_SHOW)
    users.create(_new())
    # When the same name is created again
    # Then ConflictError (409), and the first is unchanged
    with pytest.raises(ConflictError):
        users.create(_new(role=RoleName.ADMIN))
    assert users.get("zhou").role is RoleName.VIEWER


def test_changing_the_role_moves_the_user_between_groups(pool: LocalPool) -> None:
    # Given a viewer
    users = CognitoConsoleUsers(pool.pool_id, INVITE_SHOW)
    users.create(_new())
    # When they become an admin
    users.set_role("zhou", RoleName.ADMIN)
    # Then they are in the admin group only
    groups = boto3.client("cognito-idp").admin_list_groups_for_user(
        UserPoolId=pool.pool_id, Username="zhou"
    )["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]
    assert users.get("zhou").role is RoleName.ADMIN


def test_an_unknown_user_is_not_found(pool: LocalPool) -> None:
    # Given an empty pool; When a missing user is read, changed or deleted; Then 404's error
    users = CognitoConsoleUsers(pool.pool_id)
    for act in (
        lambda: users.get("ghost"),
        lambda: users.set_enabled("ghost", False),
        lambda: users.delete("ghost"),
        lambda: users.reset_password("ghost"),
    ):
        with pytest.raises(UserNotFoundError):
            act()


def test_a_reset_password_meets_the_pools_policy_and_asks_for_a_new_one(pool: LocalPool) -> None:
    # Given a user who has set their password
    users = CognitoConsoleUsers(pool.pool_id, INVITE_SHOW)
    users.create(_new())
    idp = boto3.client("cognito-idp")
    idp.admin_set_user_password(
        UserPoolId=pool.pool_id, Username="zhou", Password="Their-password-1", Permanent=True
    )
    # When an admin resets it
    reset = users.reset_password("zhou")
    # Then the temporary password (accepted by moto's policy check) leads to the new-password step
    first = idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "zhou", "PASSWORD": reset.temporary_password},
    )
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert users.get("zhou").status == "FORCE_CHANGE_PASSWORD"


def test_temporary_passwords_differ_and_hold_every_required_class() -> None:
    # Given the generator; When it makes many passwords
    made = [temporary_password() for _ in range(200)]
    # Then each has upper, lower, digit and symbol, 16 characters, and none repeats
    assert len(set(made)) == 200
    assert all(
        len(p) == 16
        and any(c.isupper() for c in p)
        and any(c.islower() for c in p)
        and any(c.isdigit() for c in p)
        and any(c in "-_+=!#%" for c in p)
        for p in made
    )


def test_sign_out_revokes_the_refresh_token(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Cognito's RevokeToken (moto has none: botocore's Stubber checks the call instead)
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    stub = Stubber(idp)
    stub.add_response("revoke_token", {}, {"Token": "refresh-1", "ClientId": "client-1"})
    stub.add_client_error("revoke_token", service_error_code="UnauthorizedException")
    monkeypatch.setattr("wxengage.store.cognito.client", lambda name: idp)
    signin = CognitoSignIn("client-1")
    # When the user signs out, and signs out again with a token already revoked
    with stub:
        signin.sign_out("refresh-1")
        signin.sign_out("refresh-1")
    # Then RevokeToken was called with the token and the app client, and the second is quiet
    stub.assert_no_pending_responses()
