"""Signed-in browser sessions: the cookie holds a random token, the database only its hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.columns import enum_check
from service.core.db import Base, new_id
from service.web.i18n import Language


class WebSession(Base):
    __tablename__ = "web_sessions"
    __table_args__ = (enum_check("language", Language),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The synchronizer token every form of this session must send back (CSRF protection).
    csrf_token: Mapped[str] = mapped_column(String(64))
    # The personal key the person signed in with: revoking or expiring it ends the session too.
    api_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
