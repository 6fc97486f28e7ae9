"""The local stack's sign-in and JWT check, and the template's authorizer they stand in for."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws

from tests.conftest import TEMPLATE
from wxengage_local.cognito import create_console_pool
from wxengage_local.console_auth import PROTECTED_PREFIX, LocalConsoleAuth
from wxengage_local.template import LocalTemplate

PW = "Right-password-1"


@pytest.fixture
def make_auth(aws_env: None) -> Iterator[Callable[[], LocalConsoleAuth]]:
    """Local authorizers on the template's user pool, created in moto as the local stack does."""
    with mock_aws():
        idp = boto3.client("cognito-idp")
        pool = create_console_pool(idp, LocalTemplate(TEMPLATE), "wxengage")
        assert pool is not None

        def make() -> LocalConsoleAuth:
            auth = LocalConsoleAuth()
            auth.issuer.use_pool(pool.pool_id, pool.client_id)
            return auth

        yield make


def _sign_in(auth: LocalConsoleAuth, username: str, password: str) -> str:
    verdict = auth.sign_in(json.dumps({"username": username, "password": password}).encode())
    assert verdict.status == 200, verdict.body
    return str(verdict.body["id_token"])


def test_a_signed_in_user_gets_the_claims_api_gateway_passes(
    make_auth: Callable[[], LocalConsoleAuth],
) -> None:
    # Given a local operator of one account
    auth = make_auth()
    password = auth.issuer.add_user("li", "operator", "wx0123456789abcdef")
    # When they sign in and call the API with the token
    token = _sign_in(auth, "li", password)
    verdict = auth.check("/console/api/me", {"authorization": f"Bearer {token}"})
    # Then the claims are strings, the groups flattened as API Gateway does
    assert verdict.status == 0 and verdict.claims is not None
    assert verdict.claims["cognito:groups"] == "[operator]"
    assert verdict.claims["custom:accounts"] == "wx0123456789abcdef"
    assert verdict.claims["cognito:username"] == "li" and verdict.claims["token_use"] == "id"


def test_a_wrong_password_gets_no_token(make_auth: Callable[[], LocalConsoleAuth]) -> None:
    # Given a user
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", password=PW)
    # When someone signs in with the wrong password, or as nobody
    wrong = auth.sign_in(b'{"username": "li", "password": "wrong"}')
    nobody = auth.sign_in(json.dumps({"username": "zz", "password": PW}).encode())
    garbled = auth.sign_in(b"not json")
    # Then no token is handed out, and the message does not say which was wrong
    assert (wrong.status, nobody.status, garbled.status) == (401, 401, 422)
    assert wrong.body == nobody.body


def _forged(token: str, change: dict[str, object], alg: str = "HS256") -> str:
    _header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return ".".join([enc({"alg": alg, "typ": "JWT"}), enc(claims | change), signature])


@pytest.mark.parametrize(
    "make",
    [
        lambda t: "",
        lambda t: "Basic " + t,
        lambda t: "Bearer " + t[:-2] + "xx",
        lambda t: "Bearer " + _forged(t, {"cognito:groups": ["admin"]}),
        lambda t: "Bearer " + _forged(t, {}, alg="none"),
        lambda t: "Bearer x.y.z",
    ],
)
def test_a_missing_or_forged_token_is_401(
    make: object, make_auth: Callable[[], LocalConsoleAuth]
) -> None:
    # Given a signed-in viewer
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", password=PW)
    token = _sign_in(auth, "li", PW)
    # When the token is left out, mangled or re-signed
    header = make(token)  # type: ignore[operator]
    verdict = auth.check("/console/api/me", {"authorization": header} if header else {})
    # Then API Gateway's 401 answers
    assert verdict.status == 401 and verdict.body == {"message": "Unauthorized"}


def test_a_token_from_another_stack_is_401(make_auth: Callable[[], LocalConsoleAuth]) -> None:
    # Given two local stacks' issuers (each its own key)
    ours, theirs = make_auth(), make_auth()
    theirs.issuer.add_user("li", "admin", password=PW)
    token = _sign_in(theirs, "li", PW)
    # When their token comes to us
    verdict = ours.check("/console/api/me", {"authorization": f"Bearer {token}"})
    # Then it is refused
    assert verdict.status == 401


def test_an_expired_token_is_401(
    monkeypatch: pytest.MonkeyPatch, make_auth: Callable[[], LocalConsoleAuth]
) -> None:
    # Given a token signed an hour and a second ago
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", password=PW)
    monkeypatch.setattr("wxengage_local.console_auth.time.time", lambda: 1_000_000.0)
    token = _sign_in(auth, "li", PW)
    monkeypatch.setattr("wxengage_local.console_auth.time.time", lambda: 1_003_601.0)
    # When it is used
    verdict = auth.check("/console/api/me", {"authorization": f"Bearer {token}"})
    # Then it is refused
    assert verdict.status == 401


def test_public_routes_need_no_token() -> None:
    # Given the local authorizer
    auth = LocalConsoleAuth()
    # When the page, its assets or the webhook are asked for without a token
    verdicts = [auth.check(p, {}) for p in ("/console", "/console/static/app.js", "/wechat/wx1")]
    # Then they pass, without claims
    assert all(v.status == 0 and v.claims is None for v in verdicts)


def test_the_template_guards_exactly_the_console_api_with_the_jwt_authorizer() -> None:
    # Given template.yaml
    doc = LocalTemplate(TEMPLATE).document
    # When its HttpApi routes are read with their authorizers
    guarded, open_ = set(), set()
    for res in doc["Resources"].values():
        for event in (res.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event["Properties"]
            authorizer = (props.get("Auth") or {}).get("Authorizer")
            (guarded if authorizer else open_).add(props["Path"])
    # Then every /console/api/ route (and only those) is behind ConsoleJwt, as the local
    # gateway assumes; the JWT authorizer is configured from the user pool and its client
    assert guarded == {"/console/api/{proxy+}"}
    assert all(p.startswith(PROTECTED_PREFIX) for p in guarded)
    assert not any(p.startswith(PROTECTED_PREFIX) for p in open_)
    api = doc["Resources"]["WebhookApi"]["Properties"]
    assert "DefaultAuthorizer" not in api["Auth"]  # the webhook stays open to WeChat
    jwt = api["Auth"]["Authorizers"]["ConsoleJwt"]["JwtConfiguration"]
    assert jwt["audience"] == [{"Ref": "ConsoleUserPoolClient"}]
    pool = doc["Resources"]["ConsoleUserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    client = doc["Resources"]["ConsoleUserPoolClient"]["Properties"]
    assert "custom:accounts" not in client["WriteAttributes"]  # nobody grants themselves
    groups = {
        r["Properties"]["GroupName"]
        for r in doc["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    assert groups == {"viewer", "operator", "admin"}
    # and nothing of the local issuer is in it
    assert "HS256" not in TEMPLATE.read_text() and "console_auth" not in TEMPLATE.read_text()


def _post(auth: LocalConsoleAuth, path: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
    verdict = auth.gate("POST", path, {}, json.dumps(body).encode())
    return verdict.status, verdict.body


def _claims(auth: LocalConsoleAuth, token: object) -> dict[str, str] | None:
    return auth.check("/console/api/me", {"authorization": f"Bearer {token}"}).claims


def test_a_refresh_token_gives_a_new_id_token_with_the_pools_current_grants(
    make_auth: Callable[[], LocalConsoleAuth],
) -> None:
    # Given a signed-in viewer whose grants an admin then changes in the pool
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", "wx0123456789abcdef", password=PW)
    status, first = _post(auth, "/console/auth/sign-in", {"username": "li", "password": PW})
    assert status == 200 and first["refresh_token"]
    boto3.client("cognito-idp").admin_update_user_attributes(
        UserPoolId=auth.issuer._pool[0],  # type: ignore[index]
        Username="li",
        UserAttributes=[{"Name": "custom:accounts", "Value": "*"}],
    )
    # When the page refreshes its ID token
    status, again = _post(
        auth, "/console/auth/refresh", {"refresh_token": str(first["refresh_token"])}
    )
    # Then a new, valid ID token carries the new grant; no new refresh token is handed out
    assert status == 200 and "refresh_token" not in again
    claims = _claims(auth, again["id_token"])
    assert claims is not None and claims["custom:accounts"] == "*"


def test_a_revoked_or_unknown_refresh_token_is_refused(
    make_auth: Callable[[], LocalConsoleAuth],
) -> None:
    # Given a signed-in user who signs out
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", password=PW)
    _, first = _post(auth, "/console/auth/sign-in", {"username": "li", "password": PW})
    refresh = str(first["refresh_token"])
    assert _post(auth, "/console/auth/sign-out", {"refresh_token": refresh})[0] == 200
    # When the refresh token (or one never issued) is used
    revoked = _post(auth, "/console/auth/refresh", {"refresh_token": refresh})
    unknown = _post(auth, "/console/auth/refresh", {"refresh_token": "x" * 43})
    garbled = auth.gate("POST", "/console/auth/refresh", {}, b"[]")
    # Then no token is handed out
    assert (revoked[0], unknown[0], garbled.status) == (401, 401, 422)


def test_an_expired_refresh_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, make_auth: Callable[[], LocalConsoleAuth]
) -> None:
    # Given a refresh token handed out a day and a second ago
    auth = make_auth()
    auth.issuer.add_user("li", "viewer", password=PW)
    monkeypatch.setattr("wxengage_local.console_auth.time.time", lambda: 1_000_000.0)
    _, first = _post(auth, "/console/auth/sign-in", {"username": "li", "password": PW})
    monkeypatch.setattr("wxengage_local.console_auth.time.time", lambda: 1_086_401.0)
    # When it is used
    status, _ = _post(auth, "/console/auth/refresh", {"refresh_token": str(first["refresh_token"])})
    # Then it is refused
    assert status == 401


def test_a_disabled_user_can_neither_refresh_nor_sign_in(
    make_auth: Callable[[], LocalConsoleAuth],
) -> None:
    # Given a signed-in user an admin then disables in the pool
    auth = make_auth()
    auth.issuer.add_user("li", "operator", password=PW)
    _, first = _post(auth, "/console/auth/sign-in", {"username": "li", "password": PW})
    idp = boto3.client("cognito-idp")
    idp.admin_disable_user(UserPoolId=auth.issuer._pool[0], Username="li")  # type: ignore[index]
    # When they refresh, or sign in again
    refreshed = _post(auth, "/console/auth/refresh", {"refresh_token": str(first["refresh_token"])})
    again = _post(auth, "/console/auth/sign-in", {"username": "li", "password": PW})
    # Then both are refused
    assert (refreshed[0], again[0]) == (401, 401)


def test_an_admin_created_user_sets_a_password_at_first_sign_in(
    make_auth: Callable[[], LocalConsoleAuth],
) -> None:
    # Given a user an admin created with a temporary password (as the users page does locally)
    auth = make_auth()
    idp = boto3.client("cognito-idp")
    pool = auth.issuer._pool[0]  # type: ignore[index]
    idp.admin_create_user(
        UserPoolId=pool,
        Username="zhou",
        TemporaryPassword="Temporary-pass-1",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "custom:accounts", "Value": "wx0123456789abcdef"}],
    )
    idp.admin_add_user_to_group(UserPoolId=pool, Username="zhou", GroupName="viewer")
    # When they sign in with it, then answer the challenge with their own password
    status, challenge = _post(
        auth, "/console/auth/sign-in", {"username": "zhou", "password": "Temporary-pass-1"}
    )
    assert status == 200 and challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    status, tokens = _post(
        auth,
        "/console/auth/new-password",
        {
            "username": "zhou",
            "session": str(challenge["session"]),
            "new_password": "Own-password-22",
        },
    )
    # Then they hold a token with their group and grant, and the new password signs them in
    assert status == 200
    claims = _claims(auth, tokens["id_token"])
    assert claims is not None and claims["cognito:groups"] == "[viewer]"
    assert claims["custom:accounts"] == "wx0123456789abcdef"
    assert (
        _post(auth, "/console/auth/sign-in", {"username": "zhou", "password": "Own-password-22"})[0]
        == 200
    )
