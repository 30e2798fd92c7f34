"""The figures of the desk's municipalities (published figures for auditors and admins): the
stats service's tables, with the charts its own SVG renderer draws."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import Invalid, NotFound
from service.reference import service as reference
from service.stats import service as stats
from service.stats.render import SVG_MEDIA_TYPE, to_svg
from service.stats.schemas import EvictionState, StatsTable
from service.web.dependencies import page_for
from service.web.desk_view import own_municipalities
from service.web.errors import WEB_PREFIX
from service.web.figures_view import FIGURES, cells, chart_query, measures, rows
from service.web.forms import FormErrors, errors_of_domain
from service.web.sessions import WebUser
from service.web.templating import SECURITY_HEADERS, render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)

FiguresPage = Annotated[WebUser, Depends(page_for(Role.DESK, Role.AUDITOR))]


def _table(
    session: Session,
    principal: Principal,
    name: str,
    *,
    period: str | None,
    municipality: str | None,
) -> StatsTable:
    """One figure from the stats service, as the API would answer it."""
    figure = FIGURES.get(name)
    if figure is None:
        raise NotFound(f"There is no figure {name!r}.")
    chosen = [municipality] if municipality else []
    group_by = list(figure.group_by)
    if name == "evictions":
        return stats.evictions(
            session,
            principal=principal,
            period=period,
            date_from=None,
            date_to=None,
            group_by=group_by,
            state=EvictionState.EXECUTED,
            municipalities=chosen,
        ).complete()
    # The three snapshot figures take the same arguments.
    snapshots: dict[str, Callable[..., stats.Answer[Any]]] = {
        "temporary-housing": stats.temporary_housing,
        "school-trips": stats.school_trips,
        "unplaced": stats.unplaced,
    }
    answer: StatsTable = snapshots[name](
        session,
        principal=principal,
        period=period,
        as_of=None,
        group_by=group_by,
        municipalities=chosen,
    ).complete()
    return answer


def _choices(session: Session, user: WebUser) -> list[tuple[str, str]]:
    return own_municipalities(session, user.principal)


@router.get("/figures")
def figures(
    request: Request,
    session: SessionDep,
    user: FiguresPage,
    period: str | None = None,
    municipality: str | None = None,
) -> Response:
    period = (period or "").strip() or None
    municipalities = _choices(session, user)
    if municipality not in {code for code, _ in municipalities}:
        municipality = None
    tables: list[StatsTable] = []
    errors = FormErrors()
    try:
        for name in FIGURES:
            tables.append(
                _table(session, user.principal, name, period=period, municipality=municipality)
            )
    except Invalid as exc:
        errors = errors_of_domain(exc)
        errors.fields = {
            name.removeprefix("query."): message for name, message in errors.fields.items()
        }
        tables = []
    return render(
        request,
        "figures/figures.html",
        nav="figures",
        status_code=422 if errors else 200,
        tables=tables,
        errors=errors,
        period=period,
        municipality=municipality,
        municipalities=municipalities,
        chart_query=chart_query(period=period, municipality=municipality),
        measures=measures,
        rows=rows,
        cells=cells,
        figures=FIGURES,
        municipality_names={m.code: m.name for m in reference.list_municipalities(session)},
    )


@router.get("/figures/{name}.svg")
def figure_chart(
    session: SessionDep,
    user: FiguresPage,
    name: str,
    period: str | None = None,
    municipality: str | None = None,
) -> Response:
    """The figure's bar chart, drawn by the stats endpoints' own renderer."""
    table = _table(
        session,
        user.principal,
        name,
        period=(period or "").strip() or None,
        municipality=municipality or None,
    )
    return Response(to_svg(table), media_type=SVG_MEDIA_TYPE, headers=SECURITY_HEADERS)
