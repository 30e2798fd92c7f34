"""Authentication and the access rule every route declares.

Every route depends on exactly one `allow(...)` rule (or `public()`): a test walks the app's
routes and fails for any route without one. 401 for missing or bad credentials, 403 for a valid
caller without the right; records of another tenant are 404 (services check that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth.keys import authenticate
from service.auth.models import Role
from service.auth.oidc import authenticate_jwt, looks_like_jwt
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import Forbidden, Unauthorized
from service.reference.repository import corporation_ids_by_code

bearer = HTTPBearer(auto_error=False, description="A personal API key: `ond_<prefix>_<secret>`.")
ACCESS_RULE_ATTRIBUTE = "__onderdak_access_rule__"


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`.")
    issuers = request.app.state.settings.oidc_issuers
    if issuers and looks_like_jwt(credentials.credentials):
        principal, _ = authenticate_jwt(
            credentials.credentials,
            issuers=issuers,
            corporation_ids=corporation_ids_by_code(session),
        )
    else:
        principal = authenticate(session, token=credentials.credentials)
    request.state.principal = principal
    return principal


def allow(*roles: Role, scope: str | None = None) -> Callable[..., Principal]:
    """The access rule of a route: these roles may call it; integrations need `scope`."""

    def rule(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role is Role.INTEGRATION:
            if scope is None or scope not in principal.scopes:
                raise Forbidden(f"This key lacks the scope {scope or 'for this operation'}.")
            return principal
        if principal.role not in roles and principal.role is not Role.ADMIN:
            allowed = ", ".join(sorted({r.value for r in (*roles, Role.ADMIN)}))
            raise Forbidden(f"This operation is for: {allowed}.")
        return principal

    setattr(rule, ACCESS_RULE_ATTRIBUTE, {"roles": [r.value for r in roles], "scope": scope})
    return rule


def public() -> Callable[..., None]:
    """The access rule of a route anyone may call (health probes)."""

    def rule() -> None:
        return None

    setattr(rule, ACCESS_RULE_ATTRIBUTE, {"roles": ["public"], "scope": None})
    return rule


def access_rule_of(dependency: Any) -> dict[str, Any] | None:
    return getattr(dependency, ACCESS_RULE_ATTRIBUTE, None)


# Access rules shared by several routers.
AdminOnly = Annotated[Principal, Depends(allow(scope="admin"))]
ReferenceReader = Annotated[
    Principal,
    Depends(allow(Role.DESK, Role.CORPORATION, Role.AUDITOR, scope="reference:read")),
]
SchoolReader = Annotated[Principal, Depends(allow(Role.DESK, Role.AUDITOR, scope="schools:read"))]
SchoolWriter = Annotated[Principal, Depends(allow(Role.DESK, scope="schools:write"))]
