"""The figures as tables: one row per group, a total row, and which cells were withheld."""

from __future__ import annotations

import enum
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, Field


class EvictionDimension(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    REASON = "reason"
    LANDLORD_TYPE = "landlord_type"
    MUNICIPALITY = "municipality"


class TemporaryHousingDimension(enum.StrEnum):
    MUNICIPALITY = "municipality"


class SchoolTripDimension(enum.StrEnum):
    MUNICIPALITY = "municipality"
    SCHOOL_LEVEL = "school_level"


class UnplacedDimension(enum.StrEnum):
    MUNICIPALITY = "municipality"


class EvictionState(enum.StrEnum):
    EXECUTED = "executed"
    PLANNED = "planned"
    ALL = "all"


class StatsRow(BaseModel):
    """One cell group of a table. `group` is empty on the total row."""

    # Count measures: additive, rounded to 5 and suppressed below 5 when published.
    COUNTS: ClassVar[tuple[str, ...]] = ()
    # Distribution measures: published only for groups of at least 10 households.
    DISTRIBUTIONS: ClassVar[tuple[str, ...]] = ()
    # Measures that describe one family (maxima): never published, exact for desks.
    SINGLE_FAMILY: ClassVar[tuple[str, ...]] = ()
    # A figure computed from a count: withheld wherever that count is.
    DERIVED: ClassVar[dict[str, str]] = {}
    # The measure a chart draws.
    CHART: ClassVar[str] = ""

    group: dict[str, str] = Field(
        description='The group\'s values, e.g. `{"month": "2025-03", "reason": '
        '"rent_arrears"}`; empty on the total row.'
    )
    withheld: list[str] = Field(
        default_factory=list,
        description="Measures of this row withheld (null) to protect small groups.",
    )


class EvictionsRow(StatsRow):
    COUNTS = ("evictions", "evictions_with_children", "children_involved")
    CHART = "evictions"

    evictions: int | None
    evictions_with_children: int | None = Field(description="Evictions with children involved.")
    children_involved: int | None = Field(description="Children involved, summed.")


class TemporaryHousingRow(StatsRow):
    COUNTS = ("households", "households_with_children", "children")
    DISTRIBUTIONS = ("median_days", "p90_days", "p95_days")
    SINGLE_FAMILY = ("max_days",)
    CHART = "households"

    households: int | None = Field(description="Households in temporary housing on `as_of`.")
    households_with_children: int | None
    children: int | None
    median_days: float | None = Field(description="Median time in temporary housing, days.")
    p90_days: float | None
    p95_days: float | None
    max_days: int | None = Field(None, description="Longest episode, days (desks only).")


class SchoolTripsRow(StatsRow):
    COUNTS = ("children", "households", "children_over_limit")
    DISTRIBUTIONS = ("mean_km", "median_km", "p90_km", "share_over_limit")
    SINGLE_FAMILY = ("max_km",)
    DERIVED: ClassVar[dict[str, str]] = {"share_over_limit": "children_over_limit"}
    CHART = "median_km"

    children: int | None = Field(description="Placed children with a known school.")
    households: int | None
    children_over_limit: int | None = Field(description="Children whose trip exceeds its limit.")
    mean_km: float | None
    median_km: float | None
    p90_km: float | None
    share_over_limit: float | None = Field(description="Fraction of children over their limit.")
    max_km: float | None = Field(None, description="Longest trip, km (desks only).")


class UnplacedRow(StatsRow):
    COUNTS = ("households", "children")
    SINGLE_FAMILY = ("max_days_waited",)
    CHART = "households"

    households: int | None = Field(description="Households with children without an offer.")
    children: int | None
    max_days_waited: int | None = Field(None, description="Longest wait, days (desks only).")


class StatsTable(BaseModel):
    figure: str
    published: bool = Field(
        description="True: counts rounded to 5, small cells withheld, no maxima (auditors, "
        "admins). False: exact figures for a desk's own municipalities."
    )
    period: str | None = Field(description="The calendar period, e.g. `2025`, `2025-Q3`.")
    date_from: date | None = Field(description="First day counted (evictions).")
    date_to: date = Field(description="Last day counted; snapshot figures are as of this day.")
    municipalities: list[str] | None = Field(
        description="The municipalities counted; null means all."
    )
    group_by: list[str]
    notes: list[str] = Field(default_factory=list)


class EvictionsTable(StatsTable):
    rows: list[EvictionsRow]
    total: EvictionsRow


class TemporaryHousingTable(StatsTable):
    rows: list[TemporaryHousingRow]
    total: TemporaryHousingRow


class SchoolTripsTable(StatsTable):
    rows: list[SchoolTripsRow]
    total: SchoolTripsRow


class UnplacedTable(StatsTable):
    rows: list[UnplacedRow]
    total: UnplacedRow
