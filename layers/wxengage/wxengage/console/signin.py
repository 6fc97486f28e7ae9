"""Sign-in: user name and password for an ID and a refresh token (Cognito on AWS; the local gateway locally).

The page keeps the token in memory and session storage and sends it as a bearer token;
no cookie is ever set, so a cross-site request carries no credentials (CSRF-safe).
"""

from __future__ import annotations

from typing import Annotated, Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

SIGN_IN_PATH = "/console/auth/sign-in"
NEW_PASSWORD_PATH = "/console/auth/new-password"  # noqa: S105 (a path, not a password)
REFRESH_PATH = "/console/auth/refresh"
SIGN_OUT_PATH = "/console/auth/sign-out"


class SignInRequest(BaseModel):
    """What the sign-in form sends (SecretStr: Powertools logs handler arguments at DEBUG)."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=128)]
    password: Annotated[SecretStr, Field(min_length=1, max_length=256)]


class NewPasswordRequest(BaseModel):
    """The first sign-in of an administrator-created user sets a new password."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=128)]
    session: Annotated[SecretStr, Field(min_length=1, max_length=4096)]
    new_password: Annotated[SecretStr, Field(min_length=8, max_length=256)]


class RefreshRequest(BaseModel):
    """A new ID token for the refresh token sign-in answered (kept in session storage only)."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[SecretStr, Field(min_length=1, max_length=8192)]


class SignInResult(BaseModel):
    """A token, or the challenge to answer first (NEW_PASSWORD_REQUIRED)."""

    id_token: str | None = None
    expires_in: int | None = None
    # Sign-in answers one; a refresh answers none (the same refresh token stays valid).
    refresh_token: str | None = None
    challenge: str | None = None
    session: str | None = None


class SignInRefusedError(PermissionError):
    """Wrong user name or password (the message never says which)."""


class SignInPort(Protocol):
    """The identity provider."""

    def sign_in(self, username: str, password: str) -> SignInResult: ...
    def new_password(self, username: str, session: str, new_password: str) -> SignInResult: ...
    def refresh(self, refresh_token: str) -> SignInResult: ...
    def sign_out(self, refresh_token: str) -> None: ...


def register(app: APIGatewayHttpResolver, provider: SignInPort) -> None:
    """The public sign-in routes: sign in, first password, refresh, sign out."""

    @app.exception_handler(SignInRefusedError)  # type: ignore[untyped-decorator]
    def refused(err: SignInRefusedError) -> Response[str]:
        return Response(401, "application/json", '{"message": "wrong user name or password"}')

    @app.post(SIGN_IN_PATH, include_in_schema=False)
    def sign_in(body: SignInRequest) -> SignInResult:
        return provider.sign_in(body.username, body.password.get_secret_value())

    @app.post(NEW_PASSWORD_PATH, include_in_schema=False)
    def new_password(body: NewPasswordRequest) -> SignInResult:
        return provider.new_password(
            body.username, body.session.get_secret_value(), body.new_password.get_secret_value()
        )

    @app.post(REFRESH_PATH, include_in_schema=False)
    def refresh(body: RefreshRequest) -> SignInResult:
        return provider.refresh(body.refresh_token.get_secret_value())

    @app.post(SIGN_OUT_PATH, include_in_schema=False)
    def sign_out(body: RefreshRequest) -> Response[str]:
        # Revokes the refresh token; the ID token in hand lapses at its expiry (<= 60 min).
        provider.sign_out(body.refresh_token.get_secret_value())
        return Response(200, "application/json", '{"signed_out": true}')
