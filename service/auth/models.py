"""Personal API keys: one named person, one role, bound to their organisation."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.columns import enum_check
from service.core.db import Base, TimestampMixin, new_id


class Role(enum.StrEnum):
    ADMIN = "admin"
    DESK = "desk"
    CORPORATION = "corporation"
    INTEGRATION = "integration"
    AUDITOR = "auditor"


class ApiKey(TimestampMixin, Base):
    __tablename__ = "api_keys"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # The public part of the token, to find the row; the secret part is only stored hashed.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    person: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    municipalities: Mapped[list[str]] = mapped_column(ARRAY(String(6)), default=list)
    corporation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corporations.id"))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set on the old key when it is rotated: it keeps working until its (shortened) expiry.
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
