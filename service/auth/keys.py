"""Personal API keys: random, high-entropy, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import ApiKey, Role
from service.auth.principal import Principal
from service.core.errors import Invalid, NotFound, Unauthorized
from service.core.time import utc_now
from service.reference.models import Corporation
from service.reference.service import get_corporation, resolve_municipality

TOKEN_PREFIX = "ond"
DEFAULT_ROTATION_GRACE = timedelta(days=7)


def _hash(secret: str) -> str:
    # The secret carries 256 bits of randomness, so a fast hash is enough (no brute force).
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    # The secret is URL-safe base64, which may itself contain "_": split twice only.
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    return parts[1], parts[2]


def create_key(
    session: Session,
    *,
    person: str,
    role: Role,
    municipalities: Sequence[str] = (),
    corporation_code: str | None = None,
    scopes: Sequence[str] = (),
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the token, which is never stored or shown again."""
    if role is Role.DESK and not municipalities:
        raise Invalid("A desk key needs at least one municipality.")
    if role is Role.CORPORATION and not corporation_code:
        raise Invalid("A corporation key needs its corporation.")
    if role is Role.INTEGRATION and not scopes:
        raise Invalid("An integration key needs explicit scopes, e.g. units:write.")
    if role is Role.INTEGRATION and not (municipalities or corporation_code):
        raise Invalid("An integration key acts within one tenant: a municipality or corporation.")
    resolved = sorted(
        {resolve_municipality(session, code, field="municipalities") for code in municipalities}
    )
    corporation = get_corporation(session, code=corporation_code) if corporation_code else None
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        prefix=prefix,
        secret_hash=_hash(secret),
        person=person,
        role=role.value,
        municipalities=resolved,
        corporation_id=corporation.id if corporation else None,
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def authenticate(session: Session, *, token: str, now: datetime | None = None) -> Principal:
    """The principal behind a token; Unauthorized for a missing, unknown, revoked or expired one."""
    now = now or utc_now()
    parts = _split(token)
    key = (
        session.scalars(select(ApiKey).where(ApiKey.prefix == parts[0])).one_or_none()
        if parts
        else None
    )
    if parts is None or key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[1])):
        raise Unauthorized("The API key is not valid.")
    if key.revoked_at is not None:
        raise Unauthorized("The API key has been revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized("The API key has expired; ask for a new one.")
    return principal_of(key)


def principal_of(key: ApiKey) -> Principal:
    return Principal(
        person=key.person,
        role=Role(key.role),
        key_id=key.id,
        municipalities=frozenset(key.municipalities),
        corporation_id=key.corporation_id,
        scopes=frozenset(key.scopes),
    )


def list_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at)).all()


def _get(session: Session, key_id: uuid.UUID) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} does not exist.")
    return key


def revoke_key(session: Session, *, key_id: uuid.UUID) -> ApiKey:
    key = _get(session, key_id)
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.flush()
    return key


def rotate_key(
    session: Session, *, key_id: uuid.UUID, grace: timedelta = DEFAULT_ROTATION_GRACE
) -> tuple[ApiKey, str]:
    """A new key for the same person and rights; the old one works until the grace ends."""
    old = _get(session, key_id)
    if old.revoked_at is not None:
        raise Invalid("A revoked key cannot be rotated; create a new one.")
    corporation = session.get(Corporation, old.corporation_id) if old.corporation_id else None
    new, token = create_key(
        session,
        person=old.person,
        role=Role(old.role),
        municipalities=old.municipalities,
        corporation_code=corporation.code if corporation else None,
        scopes=old.scopes,
        expires_at=old.expires_at,
    )
    grace_end = utc_now() + grace
    old.expires_at = min(old.expires_at, grace_end) if old.expires_at else grace_end
    old.replaced_by_id = new.id
    session.flush()
    return new, token
