"""Cognito user-pool sign-in for the console (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, RevokeToken)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from wxengage.console.signin import SignInRefusedError, SignInResult
from wxengage.store.aws import client

_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException"}


class CognitoSignIn:
    """Signs users in against the template's user pool; the ID token carries groups and grants."""

    def __init__(self, client_id: str) -> None:
        self._client_id = client_id

    def sign_in(self, username: str, password: str) -> SignInResult:
        """A token, or NEW_PASSWORD_REQUIRED for an administrator-created user's first sign-in."""
        try:
            resp = client("cognito-idp").initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] in _REFUSED:
                raise SignInRefusedError from None
            raise
        return _result(resp)

    def new_password(self, username: str, session: str, new_password: str) -> SignInResult:
        """Answer the first sign-in's challenge with the user's own password."""
        try:
            resp = client("cognito-idp").respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] in _REFUSED | {"InvalidPasswordException"}:
                raise SignInRefusedError from None
            raise
        return _result(resp)

    def refresh(self, refresh_token: str) -> SignInResult:
        """REFRESH_TOKEN_AUTH: a new ID token (refused once revoked, expired or the user disabled)."""
        try:
            resp = client("cognito-idp").initiate_auth(
                ClientId=self._client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] in _REFUSED | {"ResourceNotFoundException"}:
                raise SignInRefusedError from None
            raise
        return _result(resp)

    def sign_out(self, refresh_token: str) -> None:
        """RevokeToken: the refresh token and the tokens it issued stop working."""
        try:
            client("cognito-idp").revoke_token(Token=refresh_token, ClientId=self._client_id)
        except ClientError as err:
            # Already revoked or unknown: signed out either way.
            if err.response["Error"]["Code"] not in {
                "UnauthorizedException",
                "NotAuthorizedException",
            }:
                raise


def _result(resp: dict[str, object]) -> SignInResult:
    auth = resp.get("AuthenticationResult")
    if isinstance(auth, dict):
        refresh = auth.get("RefreshToken")
        return SignInResult(
            id_token=str(auth["IdToken"]),
            expires_in=int(auth.get("ExpiresIn", 3600)),
            refresh_token=str(refresh) if refresh else None,
        )
    return SignInResult(challenge=str(resp.get("ChallengeName")), session=str(resp.get("Session")))
