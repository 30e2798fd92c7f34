"""The figures' queries: every aggregate is computed in PostgreSQL, one query per table.

Each query returns the grouped rows and the total in one pass (`GROUPING SETS ((dims), ())`);
the total row is the one whose `is_total` is true. Rows come back exact; rounding and
suppression happen afterwards (`stats.publishing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    SQLColumnExpression,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from matching.policies import DEFAULT_POLICY
from service.households.models import Eviction, Household
from service.offers.models import Offer
from service.stats.models import Episode, EvictionMonth, Placement, PlacementTrip

# The default policy's school-trip limits by level (one source: the matching policy).
DEFAULT_TRIP_LIMIT_KM = {
    level: DEFAULT_POLICY.school_trip_limits.for_level(level)
    for level in ("primary", "secondary", "special")
}

# Time waited, in days: [lower, upper) and its label, in order.
WAIT_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 30, "0-29 days"),
    (30, 91, "30-90 days"),
    (91, 183, "91-182 days"),
    (183, 365, "183-364 days"),
    (365, None, "365+ days"),
)

Row = Mapping[str, Any]


def _grouped(query: Select[Any], dimensions: Mapping[str, SQLColumnExpression[Any]]) -> Select[Any]:
    """Add the dimension columns, an `is_total` flag, and the grouping sets."""
    if not dimensions:
        return query.add_columns(literal(True).label("is_total"))
    columns = list(dimensions.values())
    query = query.add_columns(
        *(column.label(name) for name, column in dimensions.items()),
        (func.grouping(*columns) > 0).label("is_total"),
    )
    return query.group_by(func.grouping_sets(tuple_(*columns), tuple_()))


def _rows(session: Session, query: Select[Any]) -> list[Row]:
    # The figures pick a few thousand rows out of a million through indexes, and those pages are
    # in memory; PostgreSQL's default random_page_cost (4, for spinning disks) makes the planner
    # hash whole tables instead. Transaction-local: nothing else in the request is affected.
    session.execute(text("SET LOCAL random_page_cost = 1.1"))
    # Core, not ORM, execution: a desk's ten-year table is tens of thousands of plain rows.
    result = session.connection().execute(query)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _in_municipalities(
    column: SQLColumnExpression[str], municipalities: Sequence[str] | None
) -> ColumnElement[bool]:
    return column.in_(municipalities) if municipalities is not None else literal(True)


def _percentile(fraction: float, expression: ColumnElement[Any]) -> ColumnElement[float]:
    return func.percentile_cont(fraction).within_group(expression)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _eviction_facts(*, date_from: date, date_to: date) -> Any:
    """Evictions in [date_from, date_to] as monthly facts: whole months from the pre-aggregated
    `stats_eviction_months`, the days of a month cut by the range from the evictions."""
    first_whole = date_from if date_from.day == 1 else _next_month(date_from)
    after_last_whole = _month_start(date_to + timedelta(days=1))
    partial_days: list[tuple[date, date]] = []
    parts: list[Select[Any]] = []
    if first_whole < after_last_whole:
        parts.append(
            select(
                EvictionMonth.month,
                EvictionMonth.state,
                EvictionMonth.reason,
                EvictionMonth.landlord_type,
                EvictionMonth.municipality_code,
                EvictionMonth.evictions,
                EvictionMonth.evictions_with_children,
                EvictionMonth.children_involved,
            ).where(EvictionMonth.month >= first_whole, EvictionMonth.month < after_last_whole)
        )
        if date_from < first_whole:
            partial_days.append((date_from, first_whole - timedelta(days=1)))
        if after_last_whole <= date_to:
            partial_days.append((after_last_whole, date_to))
    else:
        partial_days.append((date_from, date_to))
    if partial_days:
        parts.append(
            select(
                cast(func.date_trunc("month", Eviction.eviction_date), Date).label("month"),
                Eviction.state,
                Eviction.reason,
                Eviction.landlord_type,
                Household.municipality_code,
                literal(1).label("evictions"),
                cast(Eviction.children_involved > 0, Integer).label("evictions_with_children"),
                Eviction.children_involved,
            )
            .join(Household, Household.id == Eviction.household_id)
            .where(or_(*(Eviction.eviction_date.between(a, b) for a, b in partial_days)))
        )
    return union_all(*parts).subquery("facts") if len(parts) > 1 else parts[0].subquery("facts")


EVICTION_MEASURES = ("evictions", "evictions_with_children", "children_involved")


@dataclass(frozen=True)
class EvictionScope:
    """Which evictions a table counts, and how it groups them."""

    date_from: date
    date_to: date
    states: Sequence[str]
    municipalities: Sequence[str] | None
    group_by: Sequence[str]


def _eviction_query(scope: EvictionScope) -> Select[Any]:
    facts = _eviction_facts(date_from=scope.date_from, date_to=scope.date_to)
    by: dict[str, SQLColumnExpression[Any]] = {
        "year": func.to_char(facts.c.month, "YYYY"),
        "quarter": func.to_char(facts.c.month, 'YYYY-"Q"Q'),
        "month": func.to_char(facts.c.month, "YYYY-MM"),
        "reason": facts.c.reason,
        "landlord_type": facts.c.landlord_type,
        "municipality": facts.c.municipality_code,
    }
    query = (
        select(
            *(func.coalesce(func.sum(facts.c[name]), 0).label(name) for name in EVICTION_MEASURES)
        )
        .select_from(facts)
        .where(
            facts.c.state.in_(scope.states),
            _in_municipalities(facts.c.municipality_code, scope.municipalities),
        )
    )
    return _grouped(query, {name: by[name] for name in scope.group_by})


def eviction_counts(
    session: Session,
    *,
    scope: EvictionScope,
) -> list[Row]:
    """Evictions dated within [date_from, date_to], grouped; municipality is the household's."""
    rows = _rows(session, _eviction_query(scope))
    # Summary rows whose evictions were all deleted again hold zeros: not a group.
    return [row for row in rows if row["is_total"] or row["evictions"] > 0]


def eviction_counts_json(
    session: Session,
    *,
    scope: EvictionScope,
) -> tuple[str, Row]:
    """Exact figures as `eviction_counts`, the rows already as the table's JSON array, in the
    table's order (the total row apart).

    A desk's ten years by month, reason, landlord type and municipality is tens of thousands of
    rows; building them here costs milliseconds, one Python object per row costs a second on a
    busy machine. Exact rows need no publishing rule, so nothing is lost by skipping Python.
    """
    grouped = _eviction_query(scope).subquery("grouped")
    # Shaped as `schemas.EvictionsRow`: the group, nothing withheld, the counts.
    row = func.json_build_object(
        "group",
        func.json_build_object(
            *(part for name in scope.group_by for part in (name, grouped.c[name]))
        ),
        "withheld",
        literal_column("'[]'::json"),
        *(part for name in EVICTION_MEASURES for part in (name, grouped.c[name])),
    )
    # Ordered as `service._sorted` orders (by text, code point by code point).
    order = [grouped.c[name].collate("C") for name in scope.group_by]
    rows_json = func.coalesce(
        _json_array(row, order).filter(~grouped.c.is_total, grouped.c.evictions > 0),
        literal_column("'[]'::json"),
    )
    query = select(
        cast(rows_json, Text).label("rows"),
        *(
            func.max(grouped.c[name]).filter(grouped.c.is_total).label(name)
            for name in EVICTION_MEASURES
        ),
    ).select_from(grouped)
    result = _rows(session, query)[0]
    total = {name: result[name] or 0 for name in EVICTION_MEASURES}
    return str(result["rows"]), {**total, "is_total": True}


def _json_array(row: ColumnElement[Any], order: Sequence[Any]) -> Any:
    return func.json_agg(aggregate_order_by(row, *order)) if order else func.json_agg(row)


def _in_episode(on: date) -> ColumnElement[bool]:
    """The episode runs on `on`: it began on or before, and has not ended.

    Time in temporary housing runs from the episode's start whatever the family found in
    between (DOMAIN.md), so this reads the episode (homeless_since, closed_on), not the stays.
    """
    return and_(
        Episode.homeless_since.is_not(None),
        _contains(_daterange(Episode.homeless_since, Episode.closed_on), on),
    )


def _daterange(start: Any, end: Any) -> ColumnElement[Any]:
    # Spelled exactly as the GiST indexes of migration 0005, so the planner uses them.
    return func.daterange(start, end, literal_column("'[)'"))


def _contains(date_range: ColumnElement[Any], day: date) -> ColumnElement[bool]:
    return date_range.op("@>", return_type=Boolean)(cast(literal(day), Date))


def _placed_on(day: date) -> Any:
    """Households living in an Onderdak unit on `day` (end dates are exclusive), found through
    the GiST index of the narrow `stats_placements` once and materialised, so the planner hashes
    them instead of probing per row."""
    return (
        select(Placement.household_id)
        .where(_contains(_daterange(Placement.start_date, Placement.end_date), day))
        .cte("placed")
        .prefix_with("MATERIALIZED")
    )


def temporary_housing(
    session: Session,
    *,
    as_of: date,
    municipalities: Sequence[str] | None,
    group_by: Sequence[str],
) -> list[Row]:
    """Households and children in temporary housing on `as_of`, and how long they have been."""
    days = cast(literal(as_of, Date) - Episode.homeless_since, Integer)
    query = (
        select(
            func.count().label("households"),
            func.count().filter(Episode.children > 0).label("households_with_children"),
            func.coalesce(func.sum(Episode.children), 0).label("children"),
            _percentile(0.5, days).label("median_days"),
            _percentile(0.9, days).label("p90_days"),
            _percentile(0.95, days).label("p95_days"),
            func.max(days).label("max_days"),
        )
        .select_from(Episode)
        .where(
            _in_episode(as_of),
            _in_municipalities(Episode.municipality_code, municipalities),
        )
    )
    by: dict[str, SQLColumnExpression[Any]] = {"municipality": Episode.municipality_code}
    return _rows(session, _grouped(query, {name: by[name] for name in group_by}))


def school_trips(
    session: Session,
    *,
    as_of: date,
    municipalities: Sequence[str] | None,
    group_by: Sequence[str],
) -> list[Row]:
    """Trips of children placed in an Onderdak unit on `as_of`, from that unit to their school.

    Geodesic distance on the WGS84 ellipsoid (`geography`), as matching's hard rule measures it.
    """
    default_limit = case(
        *(
            (PlacementTrip.school_level == level, limit)
            for level, limit in DEFAULT_TRIP_LIMIT_KM.items()
        ),
        else_=DEFAULT_TRIP_LIMIT_KM["primary"],
    )
    # Each trip was measured when its stay, child, school, unit or household last changed
    # (migration 0007); only the limit is applied here, so the policy stays its one source.
    trips = (
        select(
            PlacementTrip.household_id,
            PlacementTrip.municipality_code.label("municipality"),
            PlacementTrip.school_level,
            PlacementTrip.trip_km,
            func.coalesce(PlacementTrip.personal_limit_km, default_limit).label("limit_km"),
        )
        .where(
            _contains(_daterange(PlacementTrip.start_date, PlacementTrip.end_date), as_of),
            _in_municipalities(PlacementTrip.municipality_code, municipalities),
        )
        .subquery("trips")
    )
    over = trips.c.trip_km > trips.c.limit_km
    query = select(
        func.count().label("children"),
        func.count(func.distinct(trips.c.household_id)).label("households"),
        func.count().filter(over).label("children_over_limit"),
        func.avg(trips.c.trip_km).label("mean_km"),
        _percentile(0.5, trips.c.trip_km).label("median_km"),
        _percentile(0.9, trips.c.trip_km).label("p90_km"),
        (cast(func.count().filter(over), Float) / func.nullif(func.count(), 0)).label(
            "share_over_limit"
        ),
        func.max(trips.c.trip_km).label("max_km"),
    ).select_from(trips)
    by: dict[str, SQLColumnExpression[Any]] = {
        "municipality": trips.c.municipality,
        "school_level": trips.c.school_level,
    }
    return _rows(session, _grouped(query, {name: by[name] for name in group_by}))


def _amsterdam_date(column: Any) -> ColumnElement[date]:
    return cast(func.timezone("Europe/Amsterdam", column), Date)


def unplaced(
    session: Session,
    *,
    as_of: date,
    municipalities: Sequence[str] | None,
    group_by: Sequence[str],
) -> list[Row]:
    """Households with children in temporary housing on `as_of`, with no offer holding a unit
    for them and not placed in an Onderdak unit, by how long they have waited."""
    days_waited = cast(literal(as_of, Date) - Episode.homeless_since, Integer)
    bucket = case(
        *(
            (
                days_waited < upper if upper is not None else literal(True),
                literal(label),
            )
            for _, upper, label in WAIT_BUCKETS
        ),
    )
    offered = (
        select(Offer.household_id)
        .where(
            _amsterdam_date(Offer.created_at) <= as_of,
            or_(
                Offer.unit_released_at.is_(None),
                _amsterdam_date(Offer.unit_released_at) > as_of,
            ),
        )
        .cte("offered")
        .prefix_with("MATERIALIZED")
    )
    placed = _placed_on(as_of)
    query = (
        select(
            func.count().label("households"),
            func.sum(Episode.children).label("children"),
            func.max(days_waited).label("max_days_waited"),
        )
        .select_from(Episode)
        .where(
            Episode.children > 0,
            _in_episode(as_of),
            _in_municipalities(Episode.municipality_code, municipalities),
            # NOT IN over small materialised sets: one hash each, not a probe per household.
            Episode.household_id.not_in(select(offered.c.household_id)),
            Episode.household_id.not_in(select(placed.c.household_id)),
        )
    )
    by: dict[str, SQLColumnExpression[Any]] = {
        "municipality": Episode.municipality_code,
        "waited": bucket,
    }
    return _rows(session, _grouped(query, {name: by[name] for name in (*group_by, "waited")}))
