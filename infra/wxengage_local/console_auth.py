"""The local stack's stand-in for Cognito and API Gateway's JWT authorizer (never in the AWS template).

`wxengage local up` creates the template's user pool in moto (cognito.py) and makes an HS256
key of its own; the sign-in routes check the password against that pool and mint a token from
the user's groups and custom:accounts, and every /console/api/ route has its token verified,
handing the console function `requestContext.authorizer.jwt.claims` flattened the way API
Gateway passes them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from wxengage.store.console_users import temporary_password

PROTECTED_PREFIX = "/console/api/"  # template.yaml: the ConsoleJwt authorizer guards exactly these
SIGN_IN_PATH = "/console/auth/sign-in"
NEW_PASSWORD_PATH = "/console/auth/new-password"  # noqa: S105 (a path)
REFRESH_PATH = "/console/auth/refresh"
SIGN_OUT_PATH = "/console/auth/sign-out"
AUDIENCE = "wxengage-local-console"
TOKEN_SECONDS = 3600  # the template's IdTokenValidity (60 minutes)
REFRESH_SECONDS = 86400  # the template's RefreshTokenValidity (1 day)
_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException"}
ROLES = ("viewer", "operator", "admin")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LocalIssuer:
    """Sign-in against the local user pool (moto's Cognito), ID tokens signed with this run's key.

    The password, the first-password challenge, disabled users and group membership are all
    Cognito's (moto's) answers; only the token is minted here (HS256, from the user's groups and
    custom:accounts) because the local authorizer verifies it. Refresh tokens are this issuer's
    own, revocable, and refused once the user is disabled or must set a new password (as
    Cognito's global sign-out does after an admin's reset).
    """

    def __init__(
        self,
        issuer: str = "http://127.0.0.1/local-console-auth",
        token_seconds: int = TOKEN_SECONDS,
        refresh_seconds: int = REFRESH_SECONDS,
    ) -> None:
        self.issuer = issuer
        self.token_seconds = token_seconds  # tests shorten it to see the page refresh
        self.refresh_seconds = refresh_seconds
        self._key = secrets.token_bytes(32)
        # sha256(refresh token) -> (username, expires at): the token itself is never kept.
        self._refresh: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._pool: tuple[str, str] | None = None

    def use_pool(self, pool_id: str, client_id: str) -> None:
        """The user pool (and app client) to sign users in against."""
        self._pool = (pool_id, client_id)

    def _idp(self) -> tuple[Any, str, str]:
        if self._pool is None:
            raise RuntimeError("the local console has no user pool (use_pool first)")
        return boto3.client("cognito-idp"), self._pool[0], self._pool[1]

    def add_user(
        self, username: str, role: str, accounts: str = "*", password: str | None = None
    ) -> str:
        """Create (or reset) a user in the pool with a permanent password; returns the password."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        idp, pool, _ = self._idp()
        password = password or temporary_password()
        attributes = [
            {"Name": "email", "Value": f"{username}@local"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:accounts", "Value": accounts},
        ]
        try:
            idp.admin_create_user(
                UserPoolId=pool,
                Username=username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
                TemporaryPassword=password,
            )
        except idp.exceptions.UsernameExistsException:
            idp.admin_update_user_attributes(
                UserPoolId=pool, Username=username, UserAttributes=attributes
            )
        idp.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=password, Permanent=True
        )
        for group in idp.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]:
            idp.admin_remove_user_from_group(
                UserPoolId=pool, Username=username, GroupName=group["GroupName"]
            )
        idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role)
        return password

    def sign_in(self, username: str, password: str) -> dict[str, Any] | None:
        """Tokens, a NEW_PASSWORD_REQUIRED challenge, or None for a wrong user name or password."""
        idp, _, client_id = self._idp()
        try:
            resp = idp.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] in _REFUSED:
                return None
            raise
        return self._answer(username, resp)

    def new_password(self, username: str, session: str, new_password: str) -> dict[str, Any] | None:
        """Answer the first sign-in's challenge with the user's own password."""
        idp, _, client_id = self._idp()
        try:
            resp = idp.respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] in _REFUSED | {"InvalidPasswordException"}:
                return None
            raise
        return self._answer(username, resp)

    def _answer(self, username: str, resp: Mapping[str, Any]) -> dict[str, Any] | None:
        if "AuthenticationResult" not in resp:
            return {
                "challenge": str(resp.get("ChallengeName")),
                "session": str(resp.get("Session")),
            }
        refresh = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[_digest(refresh)] = (username, time.time() + self.refresh_seconds)
        token = self._mint(username)
        if token is None:
            return None
        return {"id_token": token, "expires_in": self.token_seconds, "refresh_token": refresh}

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """A new ID token; None when the refresh token is unknown, revoked or expired."""
        with self._lock:
            entry = self._refresh.get(_digest(refresh_token))
        if entry is None or entry[1] <= time.time():
            return None
        token = self._mint(entry[0], signed_in=True)
        if token is None:  # disabled, deleted or reset since: that session is over
            self.revoke(refresh_token)
            return None
        return {"id_token": token, "expires_in": self.token_seconds}

    def revoke(self, refresh_token: str) -> None:
        """Sign-out: the refresh token stops working (the ID token lapses at its expiry)."""
        with self._lock:
            self._refresh.pop(_digest(refresh_token), None)

    def _mint(self, username: str, signed_in: bool = False) -> str | None:
        """An ID token from the pool's current view of the user (groups, custom:accounts)."""
        idp, pool, _ = self._idp()
        try:
            user = idp.admin_get_user(UserPoolId=pool, Username=username)
            groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username=username)
        except idp.exceptions.UserNotFoundException:
            return None
        if not user.get("Enabled", True) or (signed_in and user["UserStatus"] != "CONFIRMED"):
            return None
        attrs = {a["Name"]: a.get("Value", "") for a in user.get("UserAttributes", [])}
        now = int(time.time())  # real time: under --warp the engine's clock leaps days
        return self._sign(
            {
                "sub": attrs.get("sub") or username,
                "iss": self.issuer,
                "aud": AUDIENCE,
                "token_use": "id",
                "iat": now,
                "exp": now + self.token_seconds,
                "cognito:username": username,
                "cognito:groups": [g["GroupName"] for g in groups["Groups"]],
                "custom:accounts": attrs.get("custom:accounts", ""),
                "email": attrs.get("email", ""),
            }
        )

    def _sign(self, claims: Mapping[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The token's claims if this issuer signed it and it is current; else None."""
        try:
            header, payload, signature = token.split(".")
            if json.loads(_unb64(header)).get("alg") != "HS256":
                return None  # "none" and every other algorithm are refused
            expected = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                return None
            claims = json.loads(_unb64(payload))
        except (ValueError, TypeError, AttributeError):
            return None
        if not isinstance(claims, dict):
            return None
        now = time.time()
        if claims.get("iss") != self.issuer or claims.get("aud") != AUDIENCE:
            return None
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
            return None
        return claims


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's JWT authorizer passes them: strings, lists flattened to "[a b]"."""
    out: dict[str, str] = {}
    for key, value in claims.items():
        if isinstance(value, list):
            out[key] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            out[key] = str(value)
    return out


@dataclass(frozen=True)
class Verdict:
    """What the local authorizer decided for one request."""

    status: int  # 0: let it through (with `claims` when the route is protected)
    body: dict[str, Any]
    claims: dict[str, str] | None = None


_AUTH_ROUTES = (SIGN_IN_PATH, NEW_PASSWORD_PATH, REFRESH_PATH, SIGN_OUT_PATH)


class LocalConsoleAuth:
    """Sign-in route and JWT check, as Cognito and the HttpApi's authorizer do them on AWS."""

    def __init__(self, issuer: LocalIssuer | None = None) -> None:
        self.issuer = issuer or LocalIssuer()

    def answers(self, method: str, path: str) -> bool:
        """True for the sign-in routes, which the local stack answers itself."""
        return method == "POST" and path in _AUTH_ROUTES

    def sign_in(self, body: bytes) -> Verdict:
        """POST /console/auth/sign-in: {username, password} -> {id_token, expires_in, refresh_token}."""
        return self._auth(SIGN_IN_PATH, body)

    def _auth(self, path: str, body: bytes) -> Verdict:
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise TypeError
            if path == SIGN_IN_PATH:
                answer = self.issuer.sign_in(str(data["username"]), str(data["password"]))
            elif path == NEW_PASSWORD_PATH:
                answer = self.issuer.new_password(
                    str(data["username"]), str(data["session"]), str(data["new_password"])
                )
            elif path == REFRESH_PATH:
                answer = self.issuer.refresh(str(data["refresh_token"]))
            else:
                self.issuer.revoke(str(data["refresh_token"]))
                return Verdict(200, {"signed_out": True})
        except (ValueError, KeyError, TypeError):
            return Verdict(422, {"message": "invalid input"})
        if answer is None:
            return Verdict(401, {"message": "wrong user name or password"})
        return Verdict(200, answer)

    def check(self, path: str, headers: Mapping[str, str]) -> Verdict:
        """A protected route needs a valid bearer token (401 otherwise, as API Gateway answers)."""
        if not path.startswith(PROTECTED_PREFIX):
            return Verdict(0, {})
        scheme, _, token = headers.get("authorization", "").partition(" ")
        claims = self.issuer.verify(token.strip()) if scheme.lower() == "bearer" else None
        if claims is None:
            return Verdict(401, {"message": "Unauthorized"})
        return Verdict(0, {}, gateway_claims(claims))

    def gate(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Verdict:
        """The gateway's one call: answer the sign-in, or check the token of a protected route."""
        if self.answers(method, path):
            return self._auth(path, body)
        return self.check(path, headers)
