"""Households with their children and needs, and their evictions and stays."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from service.audit.service import record_reads
from service.auth.dependencies import allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.bulk import BULK_REQUEST_BODY, BulkReport, Partial, read_rows
from service.core.concurrency import IfMatch, check_if_match, etag_of, set_etag
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.idempotency import IdempotencyKey, idempotent
from service.core.pagination import Cursor, Limit, Page, UpdatedSince
from service.households import service
from service.households.models import HouseholdStatus
from service.households.schemas import (
    EvictionCreate,
    EvictionRead,
    EvictionUpdate,
    HouseholdClose,
    HouseholdCreate,
    HouseholdRead,
    HouseholdSort,
    HouseholdUpdate,
    StayCreate,
    StayRead,
    StayUpdate,
)

router = APIRouter(prefix="/v1", tags=["households"])

# Desks work on their own municipalities' households; corporations and auditors never see them.
HouseholdReader = Annotated[Principal, Depends(allow(Role.DESK, scope="households:read"))]
HouseholdWriter = Annotated[Principal, Depends(allow(Role.DESK, scope="households:write"))]


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdRead,
    responses=problem_responses(401, 403, 409, 422),
)
def create_household(
    data: HouseholdCreate,
    session: SessionDep,
    principal: HouseholdWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a household: `at_risk`, or `homeless` when `homeless_since` is given."""

    def create() -> tuple[int, HouseholdRead, dict[str, str]]:
        household = service.register_household(session, data=data, principal=principal)
        return 201, service.to_read(session, household), {"ETag": etag_of(household)}

    return idempotent(
        session,
        caller=principal,
        scope="POST /v1/households",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get(
    "/households", response_model=Page[HouseholdRead], responses=problem_responses(401, 403, 422)
)
def list_households(
    session: SessionDep,
    principal: HouseholdReader,
    municipality: Annotated[
        str | None,
        Query(pattern=r"^[Gg][Mm]\d{4}$", description="Merged municipalities' codes resolve."),
    ] = None,
    status: HouseholdStatus | None = None,
    has_children: bool | None = None,
    needed_from_min: Annotated[date | None, Query(description="needed_from on or after")] = None,
    needed_from_max: Annotated[date | None, Query(description="needed_from on or before")] = None,
    updated_since: UpdatedSince = None,
    sort: Annotated[
        HouseholdSort,
        Query(description="`-days_in_temporary_housing` puts the longest episodes first."),
    ] = HouseholdSort.CREATED,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[HouseholdRead]:
    """Households a page at a time, in a stable order (the sort key, then the id)."""
    households, next_page = service.list_households(
        session,
        municipality=municipality,
        status=status,
        has_children=has_children,
        needed_from_min=needed_from_min,
        needed_from_max=needed_from_max,
        updated_since=updated_since,
        sort=sort,
        cursor=cursor,
        limit=limit,
        principal=principal,
    )
    record_reads(
        session,
        actor=principal.actor,
        entity_type="household",
        entity_ids=[h.id for h in households],
        what="list",
    )
    return Page(items=service.to_reads(session, households), next_cursor=next_page)


@router.post(
    "/households/import",
    response_model=BulkReport,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra=BULK_REQUEST_BODY,
)
async def import_households(
    request: Request, session: SessionDep, principal: HouseholdWriter, partial: Partial = False
) -> Any:
    """Register households from a JSON array (bodies as for create) or CSV (`text/csv`).

    CSV columns: `case_reference,municipality,adults,children,min_bedrooms,wheelchair,
    ground_floor,pets,medical,safety_exclusions,homeless_since,needed_from,expected_stay_days`.
    `children` holds every child in one cell, entries split by `;`, each
    `birth_year[:BRIN][:wheelchair][:medical][:limit_km=N]`, e.g. `2015:00AB01;2018::medical`.
    `safety_exclusions` likewise: `lon:lat:metres` or `rd:x:y:metres`.
    A row already registered with the same data is `unchanged`; with other data it fails.
    """
    rows = await read_rows(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return service.import_households(
        session,
        rows=rows,
        csv_rows=content_type == "text/csv",
        partial=partial,
        principal=principal,
    )


@router.get(
    "/households/{household_id}",
    response_model=HouseholdRead,
    responses=problem_responses(401, 403, 404),
)
def get_household(
    household_id: uuid.UUID, session: SessionDep, principal: HouseholdReader, response: Response
) -> HouseholdRead:
    household = service.get_household(session, household_id=household_id, principal=principal)
    record_reads(
        session,
        actor=principal.actor,
        entity_type="household",
        entity_ids=[household.id],
        what="record",
    )
    set_etag(response, household)
    return service.to_read(session, household)


@router.patch(
    "/households/{household_id}",
    response_model=HouseholdRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
def update_household(
    household_id: uuid.UUID,
    data: HouseholdUpdate,
    session: SessionDep,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdRead:
    household = service.get_household(session, household_id=household_id, principal=principal)
    check_if_match(if_match, household)
    household = service.update_household(
        session, household=household, data=data, principal=principal
    )
    set_etag(response, household)
    return service.to_read(session, household)


@router.post(
    "/households/{household_id}/close",
    response_model=HouseholdRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
def close_household(
    household_id: uuid.UUID,
    data: HouseholdClose,
    session: SessionDep,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdRead:
    """Close the case with a reason (status `closed`); ongoing stays end on the closing day."""
    household = service.get_household(session, household_id=household_id, principal=principal)
    check_if_match(if_match, household)
    household = service.close_case(
        session, household=household, reason=data.reason, closed_on=data.closed_on
    )
    set_etag(response, household)
    return service.to_read(session, household)


@router.post(
    "/households/{household_id}/evictions",
    status_code=201,
    response_model=EvictionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_eviction(
    household_id: uuid.UUID,
    data: EvictionCreate,
    session: SessionDep,
    principal: HouseholdWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a planned or executed eviction; an executed one makes the household `homeless`."""

    def create() -> tuple[int, EvictionRead, dict[str, str]]:
        household = service.get_household(session, household_id=household_id, principal=principal)
        eviction = service.record_eviction(session, household=household, data=data)
        return 201, service.eviction_to_read(eviction), {"ETag": etag_of(eviction)}

    return idempotent(
        session,
        caller=principal,
        scope=f"POST /v1/households/{household_id}/evictions",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get(
    "/households/{household_id}/evictions",
    response_model=Page[EvictionRead],
    responses=problem_responses(401, 403, 404, 422),
)
def list_evictions(
    household_id: uuid.UUID,
    session: SessionDep,
    principal: HouseholdReader,
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[EvictionRead]:
    """The household's evictions by date."""
    household = service.get_household(session, household_id=household_id, principal=principal)
    evictions, next_page = service.list_evictions(
        session, household=household, updated_since=updated_since, cursor=cursor, limit=limit
    )
    return Page(items=[service.eviction_to_read(e) for e in evictions], next_cursor=next_page)


@router.get(
    "/households/{household_id}/evictions/{eviction_id}",
    response_model=EvictionRead,
    responses=problem_responses(401, 403, 404),
)
def get_eviction(
    household_id: uuid.UUID,
    eviction_id: uuid.UUID,
    session: SessionDep,
    principal: HouseholdReader,
    response: Response,
) -> EvictionRead:
    household = service.get_household(session, household_id=household_id, principal=principal)
    eviction = service.get_eviction(session, household=household, eviction_id=eviction_id)
    set_etag(response, eviction)
    return service.eviction_to_read(eviction)


@router.patch(
    "/households/{household_id}/evictions/{eviction_id}",
    response_model=EvictionRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
def update_eviction(
    household_id: uuid.UUID,
    eviction_id: uuid.UUID,
    data: EvictionUpdate,
    session: SessionDep,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> EvictionRead:
    """Correct an eviction, or mark a planned one executed (the household becomes `homeless`)."""
    household = service.get_household(session, household_id=household_id, principal=principal)
    eviction = service.get_eviction(session, household=household, eviction_id=eviction_id)
    check_if_match(if_match, eviction)
    eviction = service.update_eviction(session, household=household, eviction=eviction, data=data)
    set_etag(response, eviction)
    return service.eviction_to_read(eviction)


@router.post(
    "/households/{household_id}/stays",
    status_code=201,
    response_model=StayRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_stay(
    household_id: uuid.UUID,
    data: StayCreate,
    session: SessionDep,
    principal: HouseholdWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record where the household stays (not in an Onderdak unit: those come from offers).

    Stays never overlap (end dates are exclusive); an overlap is a 409.
    """

    def create() -> tuple[int, StayRead, dict[str, str]]:
        household = service.get_household(session, household_id=household_id, principal=principal)
        stay = service.record_stay(session, household=household, data=data)
        return 201, service.stay_to_read(stay), {"ETag": etag_of(stay)}

    return idempotent(
        session,
        caller=principal,
        scope=f"POST /v1/households/{household_id}/stays",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get(
    "/households/{household_id}/stays",
    response_model=Page[StayRead],
    responses=problem_responses(401, 403, 404, 422),
)
def list_stays(
    household_id: uuid.UUID,
    session: SessionDep,
    principal: HouseholdReader,
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[StayRead]:
    """The household's stays by start date."""
    household = service.get_household(session, household_id=household_id, principal=principal)
    stays, next_page = service.list_stays(
        session, household=household, updated_since=updated_since, cursor=cursor, limit=limit
    )
    return Page(items=[service.stay_to_read(s) for s in stays], next_cursor=next_page)


@router.get(
    "/households/{household_id}/stays/{stay_id}",
    response_model=StayRead,
    responses=problem_responses(401, 403, 404),
)
def get_stay(
    household_id: uuid.UUID,
    stay_id: uuid.UUID,
    session: SessionDep,
    principal: HouseholdReader,
    response: Response,
) -> StayRead:
    household = service.get_household(session, household_id=household_id, principal=principal)
    stay = service.get_stay(session, household=household, stay_id=stay_id)
    set_etag(response, stay)
    return service.stay_to_read(stay)


@router.patch(
    "/households/{household_id}/stays/{stay_id}",
    response_model=StayRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
def update_stay(
    household_id: uuid.UUID,
    stay_id: uuid.UUID,
    data: StayUpdate,
    session: SessionDep,
    principal: HouseholdWriter,
    response: Response,
    if_match: IfMatch = None,
) -> StayRead:
    """Change a stay, e.g. end it (`end_date`, exclusive) or reopen it (`end_date: null`)."""
    household = service.get_household(session, household_id=household_id, principal=principal)
    stay = service.get_stay(session, household=household, stay_id=stay_id)
    check_if_match(if_match, stay)
    stay = service.update_stay(session, household=household, stay=stay, data=data)
    set_etag(response, stay)
    return service.stay_to_read(stay)
