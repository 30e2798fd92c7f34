"""Pre-aggregated figures, kept current by triggers (migration 0005), never written by Python.

Evictions counted per calendar month, state, reason, landlord type and municipality: a year of
published figures reads a few thousand rows instead of a hundred thousand evictions joined to
their households. Episodes: one narrow row per household with its number of children.
Placements (migration 0006): every stay in an Onderdak unit, and every placed child's school
trip computed once when the stay, child, school, unit or household changes, not per request.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, Float, Index, Integer, String, func, literal_column
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base
from service.households.models import Stay


class EvictionMonth(Base):
    __tablename__ = "stats_eviction_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20), primary_key=True)
    landlord_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    evictions: Mapped[int] = mapped_column(Integer)
    evictions_with_children: Mapped[int] = mapped_column(Integer)
    children_involved: Mapped[int] = mapped_column(Integer)


class Episode(Base):
    """A household's episode, municipality and number of children, narrow for snapshot figures."""

    __tablename__ = "stats_episodes"

    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    homeless_since: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    children: Mapped[int] = mapped_column(Integer)


class Placement(Base):
    """A stay in an Onderdak unit: who lived in one on a day, without reading all stays."""

    __tablename__ = "stats_placements"

    stay_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class PlacementTrip(Base):
    """A placed child's school trip from the unit of one stay, with what the figure groups by."""

    __tablename__ = "stats_placement_trips"

    stay_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    school_level: Mapped[str] = mapped_column(String(20))
    # Geodesic, WGS84 ellipsoid (`geography`), as matching's hard rule measures it.
    trip_km: Mapped[float] = mapped_column(Float)
    # The child's personal limit; the school level's default comes from the policy at query time.
    personal_limit_km: Mapped[float | None] = mapped_column(Float)


# Who is in temporary housing on a day, and who lives in an Onderdak unit on a day: range
# containment on GiST finds them without reading every episode or stay. The queries in
# `stats.repository` spell these expressions the same way, so the planner matches them.
Index(
    "ix_stats_episodes_period",
    func.daterange(Episode.homeless_since, Episode.closed_on, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Episode.homeless_since.is_not(None),
    # Migration 0008: snapshot figures read running episodes from the index alone.
    postgresql_include=[
        "municipality_code",
        "children",
        "household_id",
        "homeless_since",
        "closed_on",
    ],
)
Index(
    "ix_stays_own_unit_period",
    func.daterange(Stay.start_date, Stay.end_date, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Stay.place_kind == literal_column("'onderdak_unit'"),
)
Index(
    "ix_stats_placements_period",
    func.daterange(Placement.start_date, Placement.end_date, literal_column("'[)'")),
    postgresql_using="gist",
)
Index(
    "ix_stats_placement_trips_period",
    func.daterange(PlacementTrip.start_date, PlacementTrip.end_date, literal_column("'[)'")),
    postgresql_using="gist",
)
