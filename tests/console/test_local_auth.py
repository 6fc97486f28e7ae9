"""The local stack's sign-in and JWT check, and the template's authorizer they stand in for."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import TEMPLATE
from wxengage_local.console_auth import PROTECTED_PREFIX, LocalConsoleAuth
from wxengage_local.template import LocalTemplate


def _sign_in(auth: LocalConsoleAuth, username: str, password: str) -> str:
    verdict = auth.sign_in(json.dumps({"username": username, "password": password}).encode())
    assert verdict.status == 200, verdict.body
    return str(verdict.body["id_token"])


def test_a_signed_in_user_gets_the_claims_api_gateway_passes() -> None:
    # Given a local operator of one account
    auth = LocalConsoleAuth()
    password = auth.issuer.add_user("li", "operator", "wx0123456789abcdef")
    # When they sign in and call the API with the token
    token = _sign_in(auth, "li", password)
    verdict = auth.check("/console/api/me", {"authorization": f"Bearer {token}"})
    # Then the claims are strings, the groups flattened as API Gateway does
    assert verdict.status == 0 and verdict.claims is not None
    assert verdict.claims["cognito:groups"] == "[operator]"
    assert verdict.claims["custom:accounts"] == "wx0123456789abcdef"
    assert verdict.claims["cognito:username"] == "li" and verdict.claims["token_use"] == "id"


def test_a_wrong_password_gets_no_token() -> None:
    # Given a user
    auth = LocalConsoleAuth()
    auth.issuer.add_user("li", "viewer", password="right-password")
    # When someone signs in with the wrong password, or as nobody
    wrong = auth.sign_in(b'{"username": "li", "password": "wrong"}')
    nobody = auth.sign_in(b'{"username": "zz", "password": "right-password"}')
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
def test_a_missing_or_forged_token_is_401(make: object) -> None:
    # Given a signed-in viewer
    auth = LocalConsoleAuth()
    auth.issuer.add_user("li", "viewer", password="pw")
    token = _sign_in(auth, "li", "pw")
    # When the token is left out, mangled or re-signed
    header = make(token)  # type: ignore[operator]
    verdict = auth.check("/console/api/me", {"authorization": header} if header else {})
    # Then API Gateway's 401 answers
    assert verdict.status == 401 and verdict.body == {"message": "Unauthorized"}


def test_a_token_from_another_stack_is_401() -> None:
    # Given two local stacks' issuers (each its own key)
    ours, theirs = LocalConsoleAuth(), LocalConsoleAuth()
    theirs.issuer.add_user("li", "admin", password="pw")
    token = _sign_in(theirs, "li", "pw")
    # When their token comes to us
    verdict = ours.check("/console/api/me", {"authorization": f"Bearer {token}"})
    # Then it is refused
    assert verdict.status == 401


def test_an_expired_token_is_401(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a token signed an hour and a second ago
    auth = LocalConsoleAuth()
    auth.issuer.add_user("li", "viewer", password="pw")
    monkeypatch.setattr("wxengage_local.console_auth.time.time", lambda: 1_000_000.0)
    token = _sign_in(auth, "li", "pw")
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
