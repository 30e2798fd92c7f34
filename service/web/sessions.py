"""Sign-in sessions for the web pages, on top of the personal API keys.

A person signs in with their key once; the browser then holds only a random session token in an
HttpOnly, SameSite cookie. The key is checked again on every page, so revoking or expiring it
ends its sessions at once; signing out ends the session in the database, not just the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from service.audit.service import record_event
from service.auth.keys import authenticate, principal_of
from service.auth.models import ApiKey, Role
from service.auth.principal import Principal
from service.core.errors import Forbidden
from service.core.time import utc_now
from service.web.i18n import Language
from service.web.models import WebSession


@dataclass(frozen=True)
class WebUser:
    """The signed-in person of one page request."""

    principal: Principal
    session_id: str
    csrf_token: str
    language: str
    municipality_names: tuple[str, ...] = ()

    @property
    def role(self) -> str:
        return self.principal.role.value


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Integration keys belong to machines; they use the API, never a browser.
FORGET_ENDED_SESSIONS_AFTER = timedelta(days=30)
SIGN_IN_ROLES = frozenset({Role.DESK, Role.CORPORATION, Role.ADMIN, Role.AUDITOR})


def sign_in(
    session: Session, *, api_key: str, language: Language, lifetime: timedelta
) -> tuple[WebSession, str]:
    """A new session for a valid key; returns it and the cookie value (never stored)."""
    principal = authenticate(session, token=api_key.strip())
    if principal.role not in SIGN_IN_ROLES:
        raise Forbidden("The web pages are for desks and housing corporations.")
    assert principal.key_id is not None
    cookie = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=_hash(cookie),
        csrf_token=secrets.token_urlsafe(32),
        api_key_id=principal.key_id,
        language=language.value,
        expires_at=utc_now() + lifetime,
    )
    session.add(web_session)
    _forget_old_sessions(session, api_key_id=principal.key_id)
    session.flush()
    record_event(
        session,
        actor=principal.actor,
        action="web_session.signed_in",
        entity_type="web_session",
        entity_id=web_session.id,
        before=None,
        after={"expires_at": web_session.expires_at, "language": web_session.language},
    )
    return web_session, cookie


def _forget_old_sessions(session: Session, *, api_key_id: uuid.UUID) -> None:
    # Sessions are only needed while they can be used; the audit trail keeps the sign-ins.
    horizon = utc_now() - FORGET_ENDED_SESSIONS_AFTER
    session.execute(
        delete(WebSession).where(
            WebSession.api_key_id == api_key_id,
            or_(WebSession.expires_at < horizon, WebSession.ended_at < horizon),
        )
    )


def resume(
    session: Session, *, cookie: str, now: datetime | None = None
) -> tuple[WebSession, Principal] | None:
    """The session and person behind a cookie, or None when it ended, expired or its key did."""
    now = now or utc_now()
    row = session.execute(
        select(WebSession, ApiKey)
        .join(ApiKey, ApiKey.id == WebSession.api_key_id)
        .where(WebSession.token_hash == _hash(cookie))
    ).one_or_none()
    if row is None:
        return None
    web_session, key = row
    if web_session.ended_at is not None or web_session.expires_at <= now:
        return None
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    return web_session, principal_of(key)


def sign_out(session: Session, *, web_session_id: str, actor: str) -> None:
    web_session = session.get(WebSession, web_session_id)
    if web_session is not None and web_session.ended_at is None:
        web_session.ended_at = utc_now()
        session.flush()
        record_event(
            session,
            actor=actor,
            action="web_session.signed_out",
            entity_type="web_session",
            entity_id=web_session.id,
            before=None,
            after={"ended_at": web_session.ended_at},
        )


def set_language(session: Session, *, web_session_id: str, language: Language) -> None:
    web_session = session.get(WebSession, web_session_id)
    if web_session is not None:
        web_session.language = language.value
        session.flush()
