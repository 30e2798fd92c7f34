"""The figures: evictions, temporary housing, school trips, households left unplaced.

JSON by default; `Accept: text/csv` for CSV, `Accept: image/svg+xml` for a bar chart.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from service.auth.dependencies import allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.stats import service
from service.stats.render import CSV_MEDIA_TYPE, JSON_MEDIA_TYPE, SVG_MEDIA_TYPE, to_csv, to_svg
from service.stats.schemas import (
    EvictionsTable,
    EvictionState,
    SchoolTripsTable,
    TemporaryHousingTable,
    UnplacedTable,
)

router = APIRouter(prefix="/v1/stats", tags=["stats"])

StatsReader = Annotated[Principal, Depends(allow(Role.AUDITOR, Role.DESK, scope="stats:read"))]

Period = Annotated[
    str | None,
    Query(
        description="A calendar period: a year `2025`, a quarter `2025-Q3` or a month `2025-03`. "
        "Published figures need one that has ended (default: the last ended year for "
        "evictions, the last ended month for the others).",
        max_length=10,
    ),
]
AsOf = Annotated[
    date | None,
    Query(description="Desks only: the day to count (default: today). Not with `period`."),
]
Municipalities = Annotated[
    list[str],
    Query(
        alias="municipality",
        description="Only these municipalities (repeat the parameter). A desk may name only "
        "its own (403 otherwise) and defaults to all of them.",
    ),
]


def _group_by(description: str) -> Any:
    return Query(description=description + " Repeat the parameter or separate with commas.")


_FORMATS = (JSON_MEDIA_TYPE, CSV_MEDIA_TYPE, SVG_MEDIA_TYPE)


def _chosen_format(request: Request) -> str:
    """The best of JSON, CSV and SVG for the Accept header; JSON when nothing matches."""
    best, best_quality = JSON_MEDIA_TYPE, 0.0
    for part in request.headers.get("accept", "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.lower() in _FORMATS and quality > best_quality:
            best, best_quality = media.lower(), quality
    return best


def _respond(request: Request, answer: service.Answer[Any]) -> Any:
    chosen = _chosen_format(request)
    headers = {"Vary": "Accept"}
    if chosen == CSV_MEDIA_TYPE:
        name = f"{answer.table.figure}.csv"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        csv = to_csv(answer.complete())
        return Response(csv, media_type="text/csv; charset=utf-8", headers=headers)
    if chosen == SVG_MEDIA_TYPE:
        return Response(to_svg(answer.complete()), media_type=SVG_MEDIA_TYPE, headers=headers)
    return Response(answer.to_json(), media_type=JSON_MEDIA_TYPE, headers=headers)


def _responses(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description + " JSON, CSV (`Accept: text/csv`) or an SVG bar chart "
            "(`Accept: image/svg+xml`).",
            "content": {
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                SVG_MEDIA_TYPE: {"schema": {"type": "string"}},
            },
        },
        **problem_responses(401, 403, 422),
    }


@router.get(
    "/evictions",
    response_model=EvictionsTable,
    responses=_responses("Evictions, grouped."),
)
def eviction_stats(
    request: Request,
    session: SessionDep,
    principal: StatsReader,
    period: Period = None,
    date_from: Annotated[
        date | None, Query(alias="from", description="Desks only: first day (inclusive).")
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="Desks only: last day (inclusive).")
    ] = None,
    group_by: Annotated[
        list[str],
        _group_by("Any of `month`, `quarter`, `year`, `reason`, `landlord_type`, `municipality`."),
    ] = [],  # noqa: B006 - FastAPI copies defaults
    state: Annotated[
        EvictionState, Query(description="Executed (default), planned, or all evictions.")
    ] = EvictionState.EXECUTED,
    municipality: Municipalities = [],  # noqa: B006
) -> Any:
    """Evictions by month, quarter or year, reason, landlord type and municipality (any
    combination), with the evictions that involved children and the children involved."""
    answer = service.evictions(
        session,
        principal=principal,
        period=period,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        state=state,
        municipalities=municipality,
    )
    return _respond(request, answer)


@router.get(
    "/temporary-housing",
    response_model=TemporaryHousingTable,
    responses=_responses("Households and children in temporary housing."),
)
def temporary_housing_stats(
    request: Request,
    session: SessionDep,
    principal: StatsReader,
    period: Period = None,
    as_of: AsOf = None,
    group_by: Annotated[list[str], _group_by("`municipality`, or nothing.")] = [],  # noqa: B006
    municipality: Municipalities = [],  # noqa: B006
) -> Any:
    """Households and children in temporary housing at the end of a period; time in temporary
    housing (median, 90th and 95th percentile; the longest for desks)."""
    answer = service.temporary_housing(
        session,
        principal=principal,
        period=period,
        as_of=as_of,
        group_by=group_by,
        municipalities=municipality,
    )
    return _respond(request, answer)


@router.get(
    "/school-trips",
    response_model=SchoolTripsTable,
    responses=_responses("Placed children's school trips."),
)
def school_trip_stats(
    request: Request,
    session: SessionDep,
    principal: StatsReader,
    period: Period = None,
    as_of: AsOf = None,
    group_by: Annotated[list[str], _group_by("Any of `municipality`, `school_level`.")] = [],  # noqa: B006
    municipality: Municipalities = [],  # noqa: B006
) -> Any:
    """School trips of children placed in an Onderdak unit at the end of a period: mean, median,
    90th percentile, share over their limit."""
    answer = service.school_trips(
        session,
        principal=principal,
        period=period,
        as_of=as_of,
        group_by=group_by,
        municipalities=municipality,
    )
    return _respond(request, answer)


@router.get(
    "/unplaced",
    response_model=UnplacedTable,
    responses=_responses("Households with children without an offer."),
)
def unplaced_stats(
    request: Request,
    session: SessionDep,
    principal: StatsReader,
    period: Period = None,
    as_of: AsOf = None,
    group_by: Annotated[
        list[str], _group_by("`municipality`, or nothing; time waited is always a group.")
    ] = [],  # noqa: B006
    municipality: Municipalities = [],  # noqa: B006
) -> Any:
    """Households with children in temporary housing at the end of a period without an offer,
    by time waited."""
    answer = service.unplaced(
        session,
        principal=principal,
        period=period,
        as_of=as_of,
        group_by=group_by,
        municipalities=municipality,
    )
    return _respond(request, answer)
