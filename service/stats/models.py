"""Pre-aggregated figures, kept current by triggers (migration 0005), never written by Python.

Evictions counted per calendar month, state, reason, landlord type and municipality: a year of
published figures reads a few thousand rows instead of a hundred thousand evictions joined to
their households.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base
from service.households.models import Household, Stay


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


# Who is in temporary housing on a day, and who lives in an Onderdak unit on a day: range
# containment on GiST finds them without reading every household or stay. The queries in
# `stats.repository` spell these expressions the same way, so the planner matches them.
Index(
    "ix_households_episode",
    func.daterange(Household.homeless_since, Household.closed_on, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Household.homeless_since.is_not(None),
)
Index(
    "ix_stays_own_unit_period",
    func.daterange(Stay.start_date, Stay.end_date, literal_column("'[)'")),
    postgresql_using="gist",
    postgresql_where=Stay.place_kind == literal_column("'onderdak_unit'"),
)
