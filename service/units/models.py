"""Emergency and transitional units posted by housing corporations."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.columns import Location, enum_check, version_column
from service.core.db import Base, TimestampMixin, new_id
from service.reference.models import Corporation


class UnitKind(enum.StrEnum):
    EMERGENCY = "emergency"
    TRANSITIONAL = "transitional"
    OTHER = "other"


class UnitStatus(enum.StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    WITHDRAWN = "withdrawn"


class Unit(TimestampMixin, Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("corporation_id", "reference"),
        enum_check("kind", UnitKind),
        enum_check("status", UnitStatus),
        CheckConstraint("bedrooms >= 1", name="bedrooms_positive"),
        CheckConstraint("max_occupants >= 1", name="max_occupants_positive"),
        CheckConstraint("rent_cents >= 0", name="rent_not_negative"),
        CheckConstraint(
            "available_until IS NULL OR available_until >= available_from",
            name="availability_window",
        ),
        CheckConstraint("max_stay_days IS NULL OR max_stay_days >= 1", name="max_stay_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    corporation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corporations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(100))
    municipality_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("municipalities.code"), index=True
    )
    location: Mapped[Any] = mapped_column(Location(), nullable=False)
    bedrooms: Mapped[int] = mapped_column(Integer)
    max_occupants: Mapped[int] = mapped_column(Integer)
    wheelchair_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    ground_floor: Mapped[bool] = mapped_column(Boolean, default=False)
    pets_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    available_from: Mapped[date] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    max_stay_days: Mapped[int | None] = mapped_column(Integer)
    rent_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = version_column()

    # Every read shows the corporation's code, so it always comes along (one join, many-to-one).
    corporation: Mapped[Corporation] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
