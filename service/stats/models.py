"""Pre-aggregated figures, kept current by triggers (migration 0005), never written by Python.

Evictions counted per calendar month, state, reason, landlord type and municipality: a year of
published figures reads a few thousand rows instead of a hundred thousand evictions joined to
their households. Episodes: one narrow row per household with its number of children.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, Index, Integer, String, func, literal_column
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


# Who is in temporary housing on a day, and who lives in an Onderdak unit on a day: range
# containment on GiST finds them without reading every episode or stay. The queries in
# `stats.repository` spell these expressions the same way, so the planner matches them.
Index(
    "ix_stats_episodes_period",
    func.daterange(Episode.homeless_since, Episode.closed_on, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Episode.homeless_since.is_not(None),
)
Index(
    "ix_stays_own_unit_period",
    func.daterange(Stay.start_date, Stay.end_date, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Stay.place_kind == literal_column("'onderdak_unit'"),
)
