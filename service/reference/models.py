"""Reference data: municipalities (with aliases for merged ones) and housing corporations."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, TimestampMixin, new_id

corporation_municipalities = Table(
    "corporation_municipalities",
    Base.metadata,
    Column(
        "corporation_id",
        UUID(as_uuid=True),
        ForeignKey("corporations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "municipality_code",
        String(6),
        ForeignKey("municipalities.code"),
        primary_key=True,
    ),
)


class Municipality(TimestampMixin, Base):
    """A municipality by its CBS code (`GM0363`); a merged one points to its successor."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    # Set when this municipality merged into another: its code stays valid as an alias.
    merged_into_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("municipalities.code")
    )


class Corporation(TimestampMixin, Base):
    __tablename__ = "corporations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=corporation_municipalities, lazy="selectin", order_by=Municipality.code
    )
