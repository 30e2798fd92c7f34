"""The desk's households: a sortable, filterable list, a detail page, and the forms to register
a household, an eviction and a stay — on the households service, validated by the API's models."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from service.audit.service import record_reads
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.time import utc_now
from service.households import service
from service.households.models import HouseholdStatus
from service.households.schemas import (
    EvictionCreate,
    HouseholdCreate,
    StayCreate,
)
from service.offers import service as offers
from service.reference import service as reference
from service.schools import service as schools
from service.web.dependencies import DeskPage
from service.web.desk_view import own_municipalities, unit_references_of
from service.web.errors import WEB_PREFIX
from service.web.forms import FormErrors, attempt, form_values, validate
from service.web.households_view import (
    PAGE_SIZE,
    SORT_COLUMNS,
    ChildrenFilter,
    ListQuery,
    child_row_count,
    errors_on_form,
    household_body,
)
from service.web.offers_view import expires_soon
from service.web.templating import render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)


def _schools(
    session: Session, principal: Principal, municipalities: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The schools of the desk's municipalities as select options: BRIN code → name (place)."""
    names = dict(municipalities)
    # An admin sees every municipality: one list of schools rather than one query per place.
    codes: list[str | None] = [None] if principal.is_admin else list(names)
    options: list[tuple[str, str]] = []
    for code in codes:
        found, _ = schools.list_schools(
            session, municipality=code, level=None, updated_since=None, cursor=None, limit=500
        )
        options += [
            (s.brin_code, f"{s.name} ({s.brin_code}, {names.get(s.municipality_code, '')})")
            for s in found
        ]
    return sorted(options, key=lambda option: option[1])


@router.get("/households")
def household_list(request: Request, session: SessionDep, user: DeskPage) -> Response:
    municipalities = own_municipalities(session, user.principal)
    query = ListQuery.parse(
        request.query_params, municipalities=[code for code, _ in municipalities]
    )
    found, next_cursor = service.list_households(
        session,
        municipality=query.municipality,
        status=query.status,
        has_children=query.has_children,
        needed_from_min=query.needed_from_min,
        needed_from_max=query.needed_from_max,
        updated_since=None,
        sort=query.sort,
        cursor=query.cursor,
        limit=PAGE_SIZE,
        principal=user.principal,
        min_days_in_temporary_housing=query.min_days,
    )
    record_reads(
        session,
        actor=user.principal.actor,
        entity_type="household",
        entity_ids=[h.id for h in found],
        what="list",
    )
    return render(
        request,
        "households/list.html",
        nav="households",
        households=service.to_reads(session, found),
        query=query,
        next_url=query.url(cursor=next_cursor) if next_cursor else None,
        first_url=query.url(cursor=None) if query.cursor else None,
        sort_columns=SORT_COLUMNS,
        statuses=list(HouseholdStatus),
        children_filters=list(ChildrenFilter),
        municipalities=municipalities,
        municipality_names=dict(municipalities),
    )


def _new_form(
    request: Request,
    session: Session,
    user: Any,
    *,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    municipalities = own_municipalities(session, user.principal)
    return render(
        request,
        "households/new.html",
        nav="households",
        status_code=status_code,
        values=values,
        errors=errors,
        municipalities=municipalities,
        schools=_schools(session, user.principal, municipalities),
        child_rows=child_row_count(values),
    )


@router.get("/households/new")
def household_new(request: Request, session: SessionDep, user: DeskPage) -> Response:
    municipalities = own_municipalities(session, user.principal)
    values = {"adults": "1"}
    if len(municipalities) == 1:
        values["municipality"] = municipalities[0][0]
    return _new_form(request, session, user, values=values, errors=FormErrors())


@router.post("/households/new")
async def household_register(request: Request, session: SessionDep, user: DeskPage) -> Response:
    values = form_values(await request.form())
    body, rows = household_body(values)
    data, errors = validate(HouseholdCreate, body)
    if data is not None:
        valid = data
        household, errors = attempt(
            session,
            lambda: service.register_household(session, data=valid, principal=user.principal),
        )
        if household is not None:
            return RedirectResponse(
                f"{WEB_PREFIX}/households/{household.id}?done=registered", status_code=303
            )
    return _new_form(
        request,
        session,
        user,
        values=values,
        errors=errors_on_form(errors, rows),
        status_code=errors.status,
    )


def _detail(
    request: Request,
    session: Session,
    user: Any,
    household_id: uuid.UUID,
    *,
    done: str | None = None,
    eviction_values: dict[str, str] | None = None,
    eviction_errors: FormErrors | None = None,
    stay_values: dict[str, str] | None = None,
    stay_errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    principal = user.principal
    household = service.get_household(session, household_id=household_id, principal=principal)
    record_reads(
        session,
        actor=principal.actor,
        entity_type="household",
        entity_ids=[household.id],
        what="record",
    )
    read = service.to_read(session, household)
    evictions, _ = service.list_evictions(
        session, household=household, updated_since=None, cursor=None, limit=100
    )
    stays, _ = service.list_stays(
        session, household=household, updated_since=None, cursor=None, limit=100
    )
    with offers.conflicts_as_409():
        offers.expire_due_offers(session, actor=offers.EXPIRY_ACTOR)
    found_offers, _ = offers.list_offers(
        session,
        principal=principal,
        status=None,
        household_id=household.id,
        unit_id=None,
        run_id=None,
        cursor=None,
        limit=50,
    )
    unit_ids = {o.unit_id for o in found_offers} | {s.unit_id for s in stays if s.unit_id}
    unit_references = unit_references_of(session, principal, unit_ids)
    school_ids = [c.school_id for c in household.children if c.school_id]
    school_of = {
        school_id: schools.get_school(session, school_id=school_id) for school_id in school_ids
    }
    children = [
        {"read": child_read, "school": school_of.get(child.school_id) if child.school_id else None}
        for child, child_read in zip(household.children, read.children, strict=True)
    ]
    municipality = reference.get_municipality(session, code=read.municipality)
    return render(
        request,
        "households/detail.html",
        nav="households",
        status_code=status_code,
        household=read,
        municipality_name=municipality.name,
        children=children,
        evictions=[service.eviction_to_read(e) for e in evictions],
        stays=[service.stay_to_read(s) for s in stays],
        offers=[offers.to_read(o, principal=principal) for o in found_offers],
        unit_references=unit_references,
        expires_soon=expires_soon,
        now=utc_now(),
        done=done,
        eviction_values=eviction_values or {},
        eviction_errors=eviction_errors or FormErrors(),
        stay_values=stay_values or {},
        stay_errors=stay_errors or FormErrors(),
    )


@router.get("/households/{household_id}")
def household_detail(
    request: Request,
    household_id: uuid.UUID,
    session: SessionDep,
    user: DeskPage,
    done: str | None = None,
) -> Response:
    return _detail(request, session, user, household_id, done=done)


@router.post("/households/{household_id}/evictions")
async def household_eviction(
    request: Request, household_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    household = service.get_household(session, household_id=household_id, principal=user.principal)
    values = form_values(await request.form())
    data, errors = validate(EvictionCreate, values)
    if data is not None:
        valid = data
        eviction, errors = attempt(
            session, lambda: service.record_eviction(session, household=household, data=valid)
        )
        if eviction is not None:
            return RedirectResponse(
                f"{WEB_PREFIX}/households/{household_id}?done=eviction#evictions", status_code=303
            )
    return _detail(
        request,
        session,
        user,
        household_id,
        eviction_values=values,
        eviction_errors=errors,
        status_code=errors.status,
    )


@router.post("/households/{household_id}/stays")
async def household_stay(
    request: Request, household_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    household = service.get_household(session, household_id=household_id, principal=user.principal)
    values = form_values(await request.form())
    data, errors = validate(StayCreate, values)
    if data is not None:
        valid = data
        stay, errors = attempt(
            session, lambda: service.record_stay(session, household=household, data=valid)
        )
        if stay is not None:
            return RedirectResponse(
                f"{WEB_PREFIX}/households/{household_id}?done=stay#stays", status_code=303
            )
    return _detail(
        request,
        session,
        user,
        household_id,
        stay_values=values,
        stay_errors=errors,
        status_code=errors.status,
    )
