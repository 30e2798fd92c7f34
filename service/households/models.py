"""Households in need, their children, safety exclusions, evictions and stays.

Children are data subjects: only what matching needs is stored — birth year, school, needs.
No names, no citizen numbers, no free text about a child.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.columns import Location, enum_check, version_column
from service.core.db import Base, TimestampMixin, new_id


class HouseholdStatus(enum.StrEnum):
    AT_RISK = "at_risk"
    HOMELESS = "homeless"
    OFFERED = "offered"
    PLACED = "placed"
    CLOSED = "closed"


class EvictionState(enum.StrEnum):
    PLANNED = "planned"
    EXECUTED = "executed"


class EvictionReason(enum.StrEnum):
    RENT_ARREARS = "rent_arrears"
    NUISANCE = "nuisance"
    DRUGS_CRIME = "drugs_crime"
    OTHER = "other"


class LandlordType(enum.StrEnum):
    SOCIAL = "social"
    PRIVATE = "private"


class PlaceKind(enum.StrEnum):
    SHELTER = "shelter"
    HOTEL = "hotel"
    FAMILY_OR_FRIENDS = "family_or_friends"
    HOLIDAY_PARK = "holiday_park"
    OTHER = "other"
    # Created by an accepted offer (Workflow), never by hand.
    ONDERDAK_UNIT = "onderdak_unit"


class Household(TimestampMixin, Base):
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("municipality_code", "case_reference"),
        enum_check("status", HouseholdStatus),
        CheckConstraint("adults >= 0", name="adults_not_negative"),
        CheckConstraint(
            "declared_min_bedrooms IS NULL OR declared_min_bedrooms >= 1",
            name="declared_min_bedrooms_positive",
        ),
        CheckConstraint("expected_stay_days >= 1", name="expected_stay_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    municipality_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("municipalities.code"), index=True
    )
    case_reference: Mapped[str] = mapped_column(String(60))
    adults: Mapped[int] = mapped_column(Integer)
    # NULL: derived from the composition when read (see households.service).
    declared_min_bedrooms: Mapped[int | None] = mapped_column(Integer)
    needs_wheelchair: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_ground_floor: Mapped[bool] = mapped_column(Boolean, default=False)
    has_pets: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_medical: Mapped[bool] = mapped_column(Boolean, default=False)
    # Start of the current episode without a home of its own; NULL while only at risk.
    homeless_since: Mapped[date | None] = mapped_column(Date, index=True)
    needed_from: Mapped[date] = mapped_column(Date)
    expected_stay_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = version_column()

    children: Mapped[list[Child]] = relationship(
        back_populates="household",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="Child.birth_year",
    )
    safety_exclusions: Mapped[list[SafetyExclusion]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Child(Base):
    __tablename__ = "children"
    __table_args__ = (
        CheckConstraint(
            "school_trip_limit_km IS NULL OR school_trip_limit_km > 0",
            name="school_trip_limit_positive",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    birth_year: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("schools.id"), index=True)
    needs_wheelchair: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_medical: Mapped[bool] = mapped_column(Boolean, default=False)
    # A personal limit that replaces the school level's default.
    school_trip_limit_km: Mapped[float | None] = mapped_column(Float)

    household: Mapped[Household] = relationship(back_populates="children", lazy="raise")


class SafetyExclusion(Base):
    """An area the household must stay away from (e.g. domestic violence): point and radius."""

    __tablename__ = "safety_exclusions"
    __table_args__ = (CheckConstraint("min_distance_m > 0", name="min_distance_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    location: Mapped[Any] = mapped_column(Location(), nullable=False)
    min_distance_m: Mapped[int] = mapped_column(Integer)


class Eviction(TimestampMixin, Base):
    __tablename__ = "evictions"
    __table_args__ = (
        enum_check("state", EvictionState),
        enum_check("reason", EvictionReason),
        enum_check("landlord_type", LandlordType),
        CheckConstraint("children_involved >= 0", name="children_involved_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    eviction_date: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    landlord_type: Mapped[str] = mapped_column(String(20))
    children_involved: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Stay(TimestampMixin, Base):
    """Where a household has been during its episode. Overlaps are refused by the database."""

    __tablename__ = "stays"
    __table_args__ = (
        enum_check("place_kind", PlaceKind),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "(place_kind = 'onderdak_unit') = (unit_id IS NOT NULL)", name="unit_iff_own_unit"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    # Exclusive: moving out and in on the same day is not an overlap. NULL while ongoing.
    end_date: Mapped[date | None] = mapped_column(Date)
    place_kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"), index=True)
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
