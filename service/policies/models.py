"""A policy version: the matching parameters and tiers, frozen under a name and number."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, new_id


class PolicyVersion(Base):
    """Never updated: a change is a new version, so every run's policy stays reproducible."""

    __tablename__ = "policies"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("offer_valid_hours >= 1", name="offer_valid_hours_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    # The engine's `matching.Policy`, as JSON: hard-rule parameters and objective tiers.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # How long an offer made under this policy holds its unit before it expires.
    offer_valid_hours: Mapped[int] = mapped_column(Integer, default=72)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def reference(self) -> str:
        return f"{self.name}@{self.version}"
