"""The local stack's stand-in for Cognito and API Gateway's JWT authorizer (never in the AWS template).

`wxengage local up` makes an HS256 key of its own, signs users in at the console's sign-in
route and verifies their tokens on every /console/api/ route, handing the console function
`requestContext.authorizer.jwt.claims` flattened the way API Gateway passes them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROTECTED_PREFIX = "/console/api/"  # template.yaml: the ConsoleJwt authorizer guards exactly these
SIGN_IN_PATH = "/console/auth/sign-in"
AUDIENCE = "wxengage-local-console"
TOKEN_SECONDS = 3600
ROLES = ("viewer", "operator", "admin")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


@dataclass(frozen=True)
class LocalUser:
    """A console user of the local stack."""

    username: str
    role: str
    accounts: str  # comma-separated app ids, or *
    salt: bytes
    password_hash: bytes
    sub: str


class LocalIssuer:
    """Users, and HS256 ID tokens signed with a key made when the local stack starts."""

    def __init__(self, issuer: str = "http://127.0.0.1/local-console-auth") -> None:
        self.issuer = issuer
        self._key = secrets.token_bytes(32)
        self._users: dict[str, LocalUser] = {}
        self._lock = threading.Lock()

    def add_user(
        self, username: str, role: str, accounts: str = "*", password: str | None = None
    ) -> str:
        """Create or replace a user; returns the password (a random one unless given)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        password = password or secrets.token_urlsafe(12)
        salt = secrets.token_bytes(16)
        user = LocalUser(username, role, accounts, salt, _hash(password, salt), str(uuid.uuid4()))
        with self._lock:
            self._users[username] = user
        return password

    def sign_in(self, username: str, password: str) -> str | None:
        """An ID token, or None for a wrong user name or password."""
        with self._lock:
            user = self._users.get(username)
        if user is None or not hmac.compare_digest(_hash(password, user.salt), user.password_hash):
            return None
        now = int(time.time())  # real time: under --warp the engine's clock leaps days
        return self._sign(
            {
                "sub": user.sub,
                "iss": self.issuer,
                "aud": AUDIENCE,
                "token_use": "id",
                "iat": now,
                "exp": now + TOKEN_SECONDS,
                "cognito:username": user.username,
                "cognito:groups": [user.role],
                "custom:accounts": user.accounts,
                "email": f"{user.username}@local",
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


class LocalConsoleAuth:
    """Sign-in route and JWT check, as Cognito and the HttpApi's authorizer do them on AWS."""

    def __init__(self, issuer: LocalIssuer | None = None) -> None:
        self.issuer = issuer or LocalIssuer()

    def answers(self, method: str, path: str) -> bool:
        """True for the sign-in route, which the local stack answers itself."""
        return method == "POST" and path == SIGN_IN_PATH

    def sign_in(self, body: bytes) -> Verdict:
        """POST /console/auth/sign-in: {username, password} -> {id_token, expires_in}."""
        try:
            data = json.loads(body or b"{}")
            username, password = str(data["username"]), str(data["password"])
        except (ValueError, KeyError, TypeError):
            return Verdict(422, {"message": "send username and password"})
        token = self.issuer.sign_in(username, password)
        if token is None:
            return Verdict(401, {"message": "wrong user name or password"})
        return Verdict(200, {"id_token": token, "expires_in": TOKEN_SECONDS})

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
            return self.sign_in(body)
        return self.check(path, headers)
