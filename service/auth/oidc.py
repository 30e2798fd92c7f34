"""Single sign-on: OIDC bearer tokens (JWTs) from configured issuers.

Each issuer names its signing keys (a JWKS file or URL) and how its claims map to a person, a
role and a tenant. A token from an unknown issuer, with a bad signature, the wrong audience or
past its expiry is a 401, like a bad API key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.auth.models import Role
from service.auth.principal import Principal
from service.core.errors import Unauthorized

ALGORITHMS = ["RS256", "ES256"]


class OidcIssuer(BaseModel):
    """One trusted identity provider (set in OIDC_ISSUERS as a JSON list)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    audience: str
    jwks_file: Path | None = None
    jwks_url: str | None = None
    person_claim: str = "name"
    role_claim: str = "onderdak_role"
    # e.g. {"woonloket-medewerker": "desk"}; a claim value that maps to nothing is refused.
    role_map: dict[str, Role] = Field(default_factory=dict)
    municipalities_claim: str = "onderdak_municipalities"
    corporation_claim: str = "onderdak_corporation"

    @model_validator(mode="after")
    def _one_key_source(self) -> OidcIssuer:
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks_file and jwks_url")
        return self


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


@lru_cache(maxsize=16)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, timeout=5)


def _signing_key(issuer: OidcIssuer, token: str) -> Any:
    if issuer.jwks_url:
        return _jwks_client(issuer.jwks_url).get_signing_key_from_jwt(token).key
    assert issuer.jwks_file is not None
    key_id = jwt.get_unverified_header(token).get("kid")
    keys = jwt.PyJWKSet.from_json(issuer.jwks_file.read_text())
    for key in keys.keys:
        if key_id is None or key.key_id == key_id:
            return key.key
    raise Unauthorized("The token's signing key is not one of its issuer's keys.")


def authenticate_jwt(
    token: str, *, issuers: list[OidcIssuer], corporation_ids: dict[str, Any]
) -> tuple[Principal, str | None]:
    """Verify a JWT and map its claims; returns the principal and its corporation code."""
    try:
        unverified_issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise Unauthorized("The bearer token is not a valid JWT.") from exc
    issuer = next((i for i in issuers if i.issuer == unverified_issuer), None)
    if issuer is None:
        raise Unauthorized("The token's issuer is not trusted here.")
    try:
        claims = jwt.decode(
            token,
            _signing_key(issuer, token),
            algorithms=ALGORITHMS,
            audience=issuer.audience,
            issuer=issuer.issuer,
            options={"require": ["exp", "iss", "aud"]},
        )
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        raise Unauthorized(f"The token was refused: {exc}.") from exc
    raw_role = claims.get(issuer.role_claim)
    role = issuer.role_map.get(str(raw_role)) if issuer.role_map else None
    if role is None:
        try:
            role = Role(str(raw_role))
        except ValueError:
            raise Unauthorized(f"The token's role {raw_role!r} means nothing here.") from None
    municipalities = claims.get(issuer.municipalities_claim) or []
    if isinstance(municipalities, str):
        municipalities = [municipalities]
    corporation_code = claims.get(issuer.corporation_claim)
    corporation_id = corporation_ids.get(corporation_code) if corporation_code else None
    if role is Role.DESK and not municipalities:
        raise Unauthorized("A desk token must name its municipalities.")
    if role is Role.CORPORATION and corporation_id is None:
        raise Unauthorized("A corporation token must name a known corporation.")
    person = str(claims.get(issuer.person_claim) or claims.get("sub") or "unknown")
    principal = Principal(
        person=f"{person} (sso)",
        role=role,
        municipalities=frozenset(str(m).upper() for m in municipalities),
        corporation_id=corporation_id,
    )
    return principal, corporation_code
