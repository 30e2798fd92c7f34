"""The figures' queries: every aggregate is computed in PostgreSQL, one query per table.

Each query returns the grouped rows and the total in one pass (`GROUPING SETS ((dims), ())`);
the total row is the one whose `is_total` is true. Rows come back exact; rounding and
suppression happen afterwards (`stats.publishing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from service.households.models import Child, Eviction, Household, PlaceKind, Stay
from service.offers.models import Offer
from service.schools.models import School
from service.units.models import Unit

# Default school-trip limits by school level, km (DOMAIN.md, hard rule 6).
DEFAULT_TRIP_LIMIT_KM = {"primary": 15.0, "secondary": 25.0, "special": 40.0}

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
    return [dict(row._mapping) for row in session.execute(query)]


def _in_municipalities(
    column: SQLColumnExpression[str], municipalities: Sequence[str] | None
) -> ColumnElement[bool]:
    return column.in_(municipalities) if municipalities is not None else literal(True)


def _percentile(fraction: float, expression: ColumnElement[Any]) -> ColumnElement[float]:
    return func.percentile_cont(fraction).within_group(expression)


def eviction_counts(
    session: Session,
    *,
    date_from: date,
    date_to: date,
    states: Sequence[str],
    municipalities: Sequence[str] | None,
    group_by: Sequence[str],
) -> list[Row]:
    """Evictions dated within [date_from, date_to], grouped; municipality is the household's."""
    by: dict[str, SQLColumnExpression[Any]] = {
        "year": func.to_char(Eviction.eviction_date, "YYYY"),
        "quarter": func.to_char(Eviction.eviction_date, 'YYYY-"Q"Q'),
        "month": func.to_char(Eviction.eviction_date, "YYYY-MM"),
        "reason": Eviction.reason,
        "landlord_type": Eviction.landlord_type,
        "municipality": Household.municipality_code,
    }
    query = (
        select(
            func.count().label("evictions"),
            func.count().filter(Eviction.children_involved > 0).label("evictions_with_children"),
            func.coalesce(func.sum(Eviction.children_involved), 0).label("children_involved"),
        )
        .select_from(Eviction)
        .join(Household, Household.id == Eviction.household_id)
        .where(
            Eviction.eviction_date.between(date_from, date_to),
            Eviction.state.in_(states),
            _in_municipalities(Household.municipality_code, municipalities),
        )
    )
    return _rows(session, _grouped(query, {name: by[name] for name in group_by}))


def _children_per_household() -> Any:
    return (
        select(Child.household_id, func.count().label("children"))
        .group_by(Child.household_id)
        .subquery("children_count")
    )


def _in_episode(on: date) -> ColumnElement[bool]:
    """The household is in temporary housing on `on`: its episode began and has not ended.

    Time in temporary housing runs from the episode's start whatever the family found in
    between (DOMAIN.md), so this reads the episode (homeless_since, closed_on), not the stays.
    """
    return and_(
        Household.homeless_since <= on,
        or_(Household.closed_on.is_(None), Household.closed_on > on),
    )


def temporary_housing(
    session: Session,
    *,
    as_of: date,
    municipalities: Sequence[str] | None,
    group_by: Sequence[str],
) -> list[Row]:
    """Households and children in temporary housing on `as_of`, and how long they have been."""
    children = _children_per_household()
    child_count = func.coalesce(children.c.children, 0)
    days = cast(literal(as_of, Date) - Household.homeless_since, Integer)
    query = (
        select(
            func.count().label("households"),
            func.count().filter(child_count > 0).label("households_with_children"),
            func.coalesce(func.sum(child_count), 0).label("children"),
            _percentile(0.5, days).label("median_days"),
            _percentile(0.9, days).label("p90_days"),
            _percentile(0.95, days).label("p95_days"),
            func.max(days).label("max_days"),
        )
        .select_from(Household)
        .outerjoin(children, children.c.household_id == Household.id)
        .where(
            _in_episode(as_of),
            _in_municipalities(Household.municipality_code, municipalities),
        )
    )
    by: dict[str, SQLColumnExpression[Any]] = {"municipality": Household.municipality_code}
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
    trip_km = func.ST_Distance(Unit.location, School.location) / 1000.0
    default_limit = case(
        *((School.level == level, limit) for level, limit in DEFAULT_TRIP_LIMIT_KM.items()),
        else_=DEFAULT_TRIP_LIMIT_KM["primary"],
    )
    limit_km = func.coalesce(Child.school_trip_limit_km, default_limit)
    trips = (
        select(
            Household.id.label("household_id"),
            Household.municipality_code.label("municipality"),
            School.level.label("school_level"),
            cast(trip_km, Float).label("trip_km"),
            limit_km.label("limit_km"),
        )
        .select_from(Stay)
        .join(Household, Household.id == Stay.household_id)
        .join(Unit, Unit.id == Stay.unit_id)
        .join(Child, Child.household_id == Household.id)
        .join(School, School.id == Child.school_id)
        .where(
            Stay.place_kind == PlaceKind.ONDERDAK_UNIT.value,
            Stay.unit_id.is_not(None),
            Stay.start_date <= as_of,
            or_(Stay.end_date.is_(None), Stay.end_date > as_of),
            _in_municipalities(Household.municipality_code, municipalities),
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
    children = _children_per_household()
    days_waited = cast(literal(as_of, Date) - Household.homeless_since, Integer)
    bucket = case(
        *(
            (
                days_waited < upper if upper is not None else literal(True),
                literal(label),
            )
            for _, upper, label in WAIT_BUCKETS
        ),
    )
    offer_open = exists().where(
        Offer.household_id == Household.id,
        _amsterdam_date(Offer.created_at) <= as_of,
        or_(Offer.unit_released_at.is_(None), _amsterdam_date(Offer.unit_released_at) > as_of),
    )
    placed = exists().where(
        Stay.household_id == Household.id,
        Stay.place_kind == PlaceKind.ONDERDAK_UNIT.value,
        Stay.start_date <= as_of,
        or_(Stay.end_date.is_(None), Stay.end_date > as_of),
    )
    query = (
        select(
            func.count().label("households"),
            func.sum(children.c.children).label("children"),
            func.max(days_waited).label("max_days_waited"),
        )
        .select_from(Household)
        .join(children, children.c.household_id == Household.id)
        .where(
            _in_episode(as_of),
            _in_municipalities(Household.municipality_code, municipalities),
            ~offer_open,
            ~placed,
        )
    )
    by: dict[str, SQLColumnExpression[Any]] = {
        "municipality": Household.municipality_code,
        "waited": bucket,
    }
    return _rows(session, _grouped(query, {name: by[name] for name in (*group_by, "waited")}))
