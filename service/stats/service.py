"""The figures: who sees what (published or exact), which days they cover, and the tables.

Published figures (auditors, admins, integrations) cover one fixed calendar period that has
ended (`2025`, `2025-Q3`, `2025-03`) and are made safe by `stats.publishing`. Desks see exact
figures, maxima and free date ranges, for their own municipalities only: asking for another
municipality is refused (403) rather than silently narrowed, so a desk never mistakes a part for
the whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.principal import Principal
from service.core.errors import FieldError, Forbidden, Invalid
from service.core.schemas import EARLIEST_DATE, LATEST_DATE
from service.core.time import today_amsterdam
from service.stats import repository
from service.stats.publishing import ExactRow, protect, published_values
from service.stats.repository import EvictionScope
from service.stats.schemas import (
    EvictionDimension,
    EvictionsRow,
    EvictionsTable,
    EvictionState,
    SchoolTripDimension,
    SchoolTripsRow,
    SchoolTripsTable,
    StatsRow,
    StatsTable,
    TemporaryHousingDimension,
    TemporaryHousingRow,
    TemporaryHousingTable,
    UnplacedDimension,
    UnplacedRow,
    UnplacedTable,
)

RowT = TypeVar("RowT", bound=StatsRow)
TableT = TypeVar("TableT", bound=StatsTable)

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")
_MUNICIPALITY = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class Period:
    label: str | None
    first_day: date
    last_day: date


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(value: str) -> Period:
    """`2025` (a year), `2025-Q3` (a quarter) or `2025-03` (a month)."""
    match = _PERIOD.match(value.strip().upper())
    if match is None:
        raise _invalid("query.period", "a year (2025), quarter (2025-Q3) or month (2025-03)")
    year = int(match["year"])
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year - 1:
        raise _invalid(
            "query.period",
            f"the year must lie between {EARLIEST_DATE.year} and {LATEST_DATE.year - 1}",
        )
    if match["quarter"]:
        first_month, months = (int(match["quarter"]) - 1) * 3 + 1, 3
    elif match["month"]:
        first_month, months = int(match["month"]), 1
    else:
        first_month, months = 1, 12
    first_day = date(year, first_month, 1)
    last_day = _month_start(year, first_month + months) - timedelta(days=1)
    return Period(label=match.group(0), first_day=first_day, last_day=last_day)


def _last_ended(*, today: date, months: int) -> Period:
    """The last calendar year (months=12) or month (months=1) that has ended."""
    if months == 12:
        return parse_period(str(today.year - 1))
    previous = today.replace(day=1) - timedelta(days=1)
    return parse_period(f"{previous.year}-{previous.month:02d}")


@dataclass(frozen=True)
class Answer(Generic[TableT]):
    """A figure's table; for a desk's exact evictions, its rows as JSON made by PostgreSQL.

    Those rows can number tens of thousands (ten years by month, reason, landlord type and
    municipality), and one Python object per row costs more than the 500 ms the whole call may
    take on a busy machine. JSON answers splice the ready-made rows in; CSV and SVG, which draw
    from the rows, get them as objects (`complete`).
    """

    table: TableT  # without its rows when `rows_json` is given
    rows_json: str | None = None

    def complete(self) -> TableT:
        if self.rows_json is None:
            return self.table
        rows_type = type(self.table).model_fields["rows"].annotation  # list[XRow]
        assert rows_type is not None
        rows = TypeAdapter(rows_type).validate_json(self.rows_json)
        return self.table.model_copy(update={"rows": rows})

    def to_json(self) -> str:
        if self.rows_json is None:
            return self.table.model_dump_json()
        head = self.table.model_dump_json(exclude={"rows"})
        return f'{head[:-1]},"rows":{self.rows_json}}}'


# ---------------------------------------------------------------------------------------------
# Who sees what


@dataclass(frozen=True)
class Audience:
    """Published figures for everyone but desks; a desk's exact figures for its municipalities."""

    exact: bool
    municipalities: list[str] | None


def audience(principal: Principal, *, municipalities: Sequence[str]) -> Audience:
    requested: list[str] = []
    for index, code in enumerate(municipalities):
        normalised = code.strip().upper()
        if not _MUNICIPALITY.match(normalised):
            raise _invalid(f"query.municipality.{index}", "a CBS code: GM + 4 digits")
        if normalised not in requested:
            requested.append(normalised)
    if principal.role is not Role.DESK:
        return Audience(exact=False, municipalities=requested or None)
    own = sorted(principal.municipalities)
    if not own:
        raise Forbidden("This desk key covers no municipality.")
    others = [code for code in requested if code not in principal.municipalities]
    if others:
        raise Forbidden(
            f"A desk sees the figures of its own municipalities ({', '.join(own)}) only; "
            f"not {', '.join(others)}."
        )
    return Audience(exact=True, municipalities=requested or own)


def _dimensions(values: Sequence[str], allowed: type[Any]) -> list[str]:
    """`group_by` as repeated parameters or comma-separated, in the order asked, no repeats."""
    names: list[str] = []
    choices = [member.value for member in allowed]
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in choices:
                raise _invalid("query.group_by", f"{name!r} is not one of: {', '.join(choices)}")
            if name not in names:
                names.append(name)
    return names


def _published_period(period: str | None, *, today: date, default_months: int) -> Period:
    chosen = parse_period(period) if period else _last_ended(today=today, months=default_months)
    if chosen.last_day >= today:
        raise _invalid(
            "query.period",
            f"{chosen.label} has not ended; published figures cover ended periods only",
        )
    return chosen


def _refuse_free_dates(audience_: Audience, **given: date | None) -> None:
    named = [name for name, value in given.items() if value is not None]
    if named and not audience_.exact:
        raise Forbidden(
            f"Free dates ({', '.join(named)}) are for desks; published figures take `period`."
        )


# ---------------------------------------------------------------------------------------------
# Tables


def _table_rows(
    exact_rows: Sequence[Mapping[str, Any]],
    *,
    row_type: type[RowT],
    dimensions: Sequence[str],
    members: str,
    households: str,
    publish: bool,
) -> tuple[list[RowT], RowT]:
    """Turn the query's rows into table rows, published or exact."""
    counts = row_type.COUNTS
    others = (*row_type.DISTRIBUTIONS, *row_type.SINGLE_FAMILY)
    rows: list[ExactRow] = []
    total: ExactRow | None = None
    for raw in exact_rows:
        values: dict[str, Any] = {
            name: None if raw[name] is None else int(raw[name]) for name in counts
        }
        for name in others:
            values[name] = _number(raw[name], whole=False)
        row = ExactRow(
            group={} if raw["is_total"] else {name: str(raw[name]) for name in dimensions},
            members=int(raw[members] or 0),
            households=int(raw[households] or 0),
            values=values,
        )
        if raw["is_total"]:
            total = row
        else:
            rows.append(row)
    if total is None:  # no rows at all: an empty table still has its total
        total = ExactRow(
            group={},
            members=0,
            households=0,
            values={**dict.fromkeys(counts, 0), **dict.fromkeys(others)},
        )
    if publish:
        protect(
            rows,
            total,
            counts=counts,
            distributions=row_type.DISTRIBUTIONS,
            single_family=row_type.SINGLE_FAMILY,
            derived=row_type.DERIVED,
        )

    def fields(row: ExactRow) -> dict[str, Any]:
        values = published_values(row, counts=counts) if publish else row.values
        return {"group": row.group, "withheld": sorted(row.withheld), **values}

    # One validation of the whole list, in pydantic's compiled core: the rows are exactly what
    # the response schema says, at about half the cost of a Python `model_construct` per row.
    built = _row_list(row_type).validate_python([fields(row) for row in (*rows, total)])
    return built[:-1], built[-1]


@cache
def _row_list(row_type: type[RowT]) -> TypeAdapter[list[RowT]]:
    return TypeAdapter(list[row_type])  # type: ignore[valid-type]


def _number(value: Any, *, whole: bool) -> int | float | None:
    """Counts as int (PostgreSQL sums integers as numeric), other figures to 3 decimals."""
    if value is None:
        return None
    if whole or isinstance(value, int):
        return int(value)
    return round(float(value), 3)


def _sorted(rows: Sequence[Mapping[str, Any]], dimensions: Sequence[str]) -> list[Any]:
    order = {label: index for index, (_, _, label) in enumerate(repository.WAIT_BUCKETS)}

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            order.get(row[name], 0) if name == "waited" else str(row[name]) for name in dimensions
        )

    return sorted((row for row in rows if not row["is_total"]), key=key) + [
        row for row in rows if row["is_total"]
    ]


def evictions(
    session: Session,
    *,
    principal: Principal,
    period: str | None,
    date_from: date | None,
    date_to: date | None,
    group_by: Sequence[str],
    state: EvictionState,
    municipalities: Sequence[str],
    today: date | None = None,
) -> Answer[EvictionsTable]:
    """Evictions by calendar bins, reason, landlord type and municipality, children involved."""
    today = today or today_amsterdam()
    dimensions = _dimensions(group_by, EvictionDimension)
    who = audience(principal, municipalities=municipalities)
    _refuse_free_dates(who, **{"from": date_from, "to": date_to})
    if who.exact and (date_from or date_to):
        if period:
            raise _invalid("query.period", "give either `period` or `from`/`to`, not both")
        first_day = date_from or EARLIEST_DATE
        last_day = date_to or LATEST_DATE
        for field, day in (("query.from", first_day), ("query.to", last_day)):
            if not EARLIEST_DATE <= day <= LATEST_DATE:
                raise _invalid(field, f"a day between {EARLIEST_DATE} and {LATEST_DATE}")
        if first_day > last_day:
            raise _invalid("query.to", "before `from`")
        chosen = Period(label=None, first_day=first_day, last_day=last_day)
    elif who.exact:
        chosen = parse_period(period) if period else _last_ended(today=today, months=12)
    else:
        chosen = _published_period(period, today=today, default_months=12)
    states = ["executed", "planned"] if state is EvictionState.ALL else [state.value]
    scope = EvictionScope(
        date_from=chosen.first_day,
        date_to=chosen.last_day,
        states=states,
        municipalities=who.municipalities,
        group_by=dimensions,
    )
    if who.exact:
        # Exact rows come ready-made from the database (they can be tens of thousands, and need
        # no publishing rule); only the total passes through Python. See `Answer`.
        rows_json, exact_total = repository.eviction_counts_json(session, scope=scope)
        rows: list[EvictionsRow] = []
        _, total = _table_rows(
            [exact_total],
            row_type=EvictionsRow,
            dimensions=dimensions,
            members="evictions",
            households="evictions",
            publish=False,
        )
    else:
        rows_json = None
        rows, total = _table_rows(
            _sorted(repository.eviction_counts(session, scope=scope), dimensions),
            row_type=EvictionsRow,
            dimensions=dimensions,
            members="evictions",
            # An eviction is one household's: the count of evictions bounds the households.
            households="evictions",
            publish=True,
        )
    table = EvictionsTable(
        figure="evictions",
        published=not who.exact,
        period=chosen.label,
        date_from=chosen.first_day,
        date_to=chosen.last_day,
        municipalities=who.municipalities,
        group_by=dimensions,
        rows=rows,
        total=total,
        notes=_notes(who, extra=[f"Evictions in state: {', '.join(states)}."]),
    )
    return Answer(table, rows_json=rows_json)


def _notes(who: Audience, *, extra: Sequence[str] = ()) -> list[str]:
    if who.exact:
        base = ["Exact figures for your own municipalities; not for publication."]
    else:
        base = [
            "Counts rounded to a multiple of 5; counts below 5, and cells that would let one "
            "be recomputed, are withheld (null, named in `withheld`).",
            "Medians and percentiles only for groups of at least 10 households; no maxima.",
        ]
    return [*base, *extra]


def _snapshot_day(
    who: Audience, *, period: str | None, as_of: date | None, today: date
) -> tuple[str | None, date]:
    """The day a snapshot figure describes: the last day of an ended period, or a desk's day."""
    _refuse_free_dates(who, as_of=as_of)
    if as_of is not None:
        if period:
            raise _invalid("query.period", "give either `period` or `as_of`, not both")
        if not EARLIEST_DATE <= as_of <= today:
            raise _invalid("query.as_of", f"a day between {EARLIEST_DATE} and today ({today})")
        return None, as_of
    if who.exact:
        if period is None:
            return None, today
        chosen = parse_period(period)
        if chosen.first_day > today:
            raise _invalid("query.period", f"{chosen.label} has not begun")
        return chosen.label, min(chosen.last_day, today)
    chosen = _published_period(period, today=today, default_months=1)
    return chosen.label, chosen.last_day


def temporary_housing(
    session: Session,
    *,
    principal: Principal,
    period: str | None,
    as_of: date | None,
    group_by: Sequence[str],
    municipalities: Sequence[str],
    today: date | None = None,
) -> Answer[TemporaryHousingTable]:
    """Households and children in temporary housing at the end of a period, and for how long."""
    today = today or today_amsterdam()
    dimensions = _dimensions(group_by, TemporaryHousingDimension)
    who = audience(principal, municipalities=municipalities)
    label, day = _snapshot_day(who, period=period, as_of=as_of, today=today)
    raw = repository.temporary_housing(
        session, as_of=day, municipalities=who.municipalities, group_by=dimensions
    )
    rows, total = _table_rows(
        _sorted(raw, dimensions),
        row_type=TemporaryHousingRow,
        dimensions=dimensions,
        members="households",
        households="households",
        publish=not who.exact,
    )
    table = TemporaryHousingTable(
        figure="temporary-housing",
        published=not who.exact,
        period=label,
        date_from=None,
        date_to=day,
        municipalities=who.municipalities,
        group_by=dimensions,
        rows=rows,
        total=total,
        notes=_notes(
            who,
            extra=[
                "Time in temporary housing runs from the start of the episode (the executed "
                "eviction or first night without a home) to the day counted, wherever the "
                "family stayed in between."
            ],
        ),
    )
    return Answer(table)


def school_trips(
    session: Session,
    *,
    principal: Principal,
    period: str | None,
    as_of: date | None,
    group_by: Sequence[str],
    municipalities: Sequence[str],
    today: date | None = None,
) -> Answer[SchoolTripsTable]:
    """Placed children's school trips: mean, median, 90th percentile, share over their limit."""
    today = today or today_amsterdam()
    dimensions = _dimensions(group_by, SchoolTripDimension)
    who = audience(principal, municipalities=municipalities)
    label, day = _snapshot_day(who, period=period, as_of=as_of, today=today)
    raw = repository.school_trips(
        session, as_of=day, municipalities=who.municipalities, group_by=dimensions
    )
    rows, total = _table_rows(
        _sorted(raw, dimensions),
        row_type=SchoolTripsRow,
        dimensions=dimensions,
        members="households",
        households="households",
        publish=not who.exact,
    )
    limits = ", ".join(
        f"{level} {km:g} km" for level, km in repository.DEFAULT_TRIP_LIMIT_KM.items()
    )
    table = SchoolTripsTable(
        figure="school-trips",
        published=not who.exact,
        period=label,
        date_from=None,
        date_to=day,
        municipalities=who.municipalities,
        group_by=dimensions,
        rows=rows,
        total=total,
        notes=_notes(
            who,
            extra=[
                "Children of households living in an Onderdak unit on the day counted; geodesic "
                "distance from the unit to the child's school.",
                f"Limits: the child's own, else by school level ({limits}).",
            ],
        ),
    )
    return Answer(table)


def unplaced(
    session: Session,
    *,
    principal: Principal,
    period: str | None,
    as_of: date | None,
    group_by: Sequence[str],
    municipalities: Sequence[str],
    today: date | None = None,
) -> Answer[UnplacedTable]:
    """Households with children in temporary housing without an offer, by time waited."""
    today = today or today_amsterdam()
    dimensions = _dimensions(group_by, UnplacedDimension)
    who = audience(principal, municipalities=municipalities)
    label, day = _snapshot_day(who, period=period, as_of=as_of, today=today)
    raw = repository.unplaced(
        session, as_of=day, municipalities=who.municipalities, group_by=dimensions
    )
    all_dimensions = [*dimensions, "waited"]
    rows, total = _table_rows(
        _sorted(raw, all_dimensions),
        row_type=UnplacedRow,
        dimensions=all_dimensions,
        members="households",
        households="households",
        publish=not who.exact,
    )
    table = UnplacedTable(
        figure="unplaced",
        published=not who.exact,
        period=label,
        date_from=None,
        date_to=day,
        municipalities=who.municipalities,
        group_by=all_dimensions,
        rows=rows,
        total=total,
        notes=_notes(
            who,
            extra=[
                "Households with children in temporary housing on the day counted, with no "
                "offer holding a unit for them and not living in an Onderdak unit; waited = "
                "days since the episode began."
            ],
        ),
    )
    return Answer(table)
