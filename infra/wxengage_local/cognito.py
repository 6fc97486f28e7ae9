"""The template's console user pool, app client and groups, created in moto through the Cognito API.

moto's CloudFormation has no model for AWS::Cognito::* (it skips them), so the local stack
creates them itself from the template's own properties; the console function then manages
users in this pool exactly as it does in the real one (store/console_users.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wxengage_local.template import LocalTemplate

POOL_ENV = "WXENGAGE_CONSOLE_USER_POOL_ID"
CLIENT_ENV = "WXENGAGE_CONSOLE_CLIENT_ID"
INVITE_ENV = "WXENGAGE_CONSOLE_INVITE"
# Property names the local pool takes from the template as written (all literal there).
_POOL_PROPS = ("Policies", "Schema", "AdminCreateUserConfig", "AccountRecoverySetting")
_CLIENT_PROPS = (
    "GenerateSecret",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "ReadAttributes",
    "WriteAttributes",
    "IdTokenValidity",
    "AccessTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "EnableTokenRevocation",
)


@dataclass(frozen=True)
class LocalPool:
    """The ids moto gave the pool and its client."""

    pool_id: str
    client_id: str

    def environment(self) -> dict[str, str]:
        """What the console function reads; no mail locally, so temporary passwords are shown."""
        return {POOL_ENV: self.pool_id, CLIENT_ENV: self.client_id, INVITE_ENV: "show"}


def _one(template: LocalTemplate, kind: str) -> dict[str, Any]:
    found = template.resources(kind)
    if len(found) != 1:
        raise ValueError(f"the local stack expects one {kind} in the template, found {len(found)}")
    props: dict[str, Any] = next(iter(found.values())).get("Properties") or {}
    return props


def create_console_pool(idp: Any, template: LocalTemplate, stack_name: str) -> LocalPool | None:
    """Create the template's pool, client and groups in moto; None when the template has no pool."""
    if not template.resources("AWS::Cognito::UserPool"):
        return None
    pool_props = _one(template, "AWS::Cognito::UserPool")
    pool = idp.create_user_pool(
        PoolName=f"{stack_name}-console",
        **{k: pool_props[k] for k in _POOL_PROPS if k in pool_props},
    )["UserPool"]
    client_props = _one(template, "AWS::Cognito::UserPoolClient")
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{stack_name}-console",
        **{k: client_props[k] for k in _CLIENT_PROPS if k in client_props},
    )["UserPoolClient"]
    for group in template.resources("AWS::Cognito::UserPoolGroup").values():
        props = group.get("Properties") or {}
        idp.create_group(
            UserPoolId=pool["Id"],
            GroupName=props["GroupName"],
            Description=props.get("Description", ""),
            Precedence=int(props.get("Precedence", 0)),
        )
    return LocalPool(pool_id=pool["Id"], client_id=client["ClientId"])
