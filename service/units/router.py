"""Units: posted by corporations (one at a time, synced by reference, or in bulk) and listed.

Units are never deleted: `POST /v1/units/{id}/withdraw` takes one off the market and
`POST /v1/units/{id}/reinstate` puts it back. `reserved` and `occupied` come from offers.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from service.auth.dependencies import allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.bulk import BULK_REQUEST_BODY, BulkReport, Partial, read_rows
from service.core.concurrency import IfMatch, check_if_match, etag_of, set_etag
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.idempotency import IdempotencyKey, idempotent
from service.core.pagination import Cursor, Limit, Page, UpdatedSince
from service.core.schemas import SaneDate
from service.offers import service as offers
from service.units import service
from service.units.models import Unit, UnitKind, UnitStatus
from service.units.schemas import (
    REFERENCE_PATTERN,
    UnitCreate,
    UnitRead,
    UnitSort,
    UnitUpdate,
    UnitUpsert,
)

router = APIRouter(prefix="/v1", tags=["units"])

# Corporations post and change their own units; desks read those in their municipalities.
UnitReader = Annotated[Principal, Depends(allow(Role.CORPORATION, Role.DESK, scope="units:read"))]
UnitWriter = Annotated[Principal, Depends(allow(Role.CORPORATION, scope="units:write"))]

CorporationInPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{2,40}$", description="The corporation's code.")
]
ReferenceInPath = Annotated[
    str, Path(pattern=REFERENCE_PATTERN, description="The corporation's own reference.")
]


def _headers(unit: Unit) -> dict[str, str]:
    return {"ETag": etag_of(unit), "Location": f"/v1/units/{unit.id}"}


@router.post(
    "/units",
    status_code=201,
    response_model=UnitRead,
    responses=problem_responses(401, 403, 409, 422),
)
def create_unit(
    data: UnitCreate,
    session: SessionDep,
    principal: UnitWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Post a new unit; it starts `available`. The reference must be new for the corporation."""

    def create() -> tuple[int, UnitRead, dict[str, str]]:
        unit = service.create_unit(session, data=data, principal=principal)
        return 201, service.to_read(unit), _headers(unit)

    return idempotent(
        session,
        caller=principal,
        scope="POST /v1/units",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get("/units", response_model=Page[UnitRead], responses=problem_responses(401, 403, 422))
def list_units(
    session: SessionDep,
    principal: UnitReader,
    municipality: Annotated[
        str | None, Query(pattern=r"^[Gg][Mm]\d{4}$", description="Merged codes resolve.")
    ] = None,
    corporation: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{2,40}$", description="Corporation code.")
    ] = None,
    kind: UnitKind | None = None,
    status: UnitStatus | None = None,
    available_on: Annotated[
        SaneDate | None,
        Query(description="Only units available on this date (from ≤ date ≤ until)."),
    ] = None,
    near: Annotated[
        str | None,
        Query(
            max_length=60,
            description="`lon,lat` in WGS84; with `within_km`, only units that close.",
            examples=["4.8952,52.3702"],
        ),
    ] = None,
    within_km: Annotated[
        float | None, Query(gt=0, le=300, description="Radius around `near`, in km.")
    ] = None,
    updated_since: UpdatedSince = None,
    sort: Annotated[
        UnitSort, Query(description="Sort order; a leading `-` is descending; ties by id.")
    ] = UnitSort.CREATED_AT,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[UnitRead]:
    """Units a page at a time, in a stable order (a cursor continues only its own sort)."""
    units, next_page = service.list_units(
        session,
        municipality=municipality,
        corporation=corporation,
        kind=kind,
        status=status,
        available_on=available_on,
        near=service.near_filter(near, within_km),
        updated_since=updated_since,
        sort=sort,
        cursor=cursor,
        limit=limit,
        principal=principal,
    )
    return Page(items=[service.to_read(u) for u in units], next_cursor=next_page)


@router.get("/units/{unit_id}", response_model=UnitRead, responses=problem_responses(401, 403, 404))
def get_unit(
    unit_id: uuid.UUID, session: SessionDep, principal: UnitReader, response: Response
) -> UnitRead:
    unit = service.get_visible_unit(session, principal=principal, unit_id=unit_id)
    set_etag(response, unit)
    return service.to_read(unit)


@router.patch(
    "/units/{unit_id}",
    response_model=UnitRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
def update_unit(
    unit_id: uuid.UUID,
    data: UnitUpdate,
    session: SessionDep,
    principal: UnitWriter,
    response: Response,
    if_match: IfMatch = None,
) -> UnitRead:
    """Change some fields. The status is changed with `/withdraw` and `/reinstate` only."""
    unit = service.get_own_unit(session, principal=principal, unit_id=unit_id, for_update=True)
    check_if_match(if_match, unit)
    unit = service.update_unit(session, unit=unit, data=data)
    set_etag(response, unit)
    return service.to_read(unit)


@router.post(
    "/units/{unit_id}/withdraw",
    response_model=UnitRead,
    responses=problem_responses(401, 403, 404, 409, 412),
)
def withdraw_unit(
    unit_id: uuid.UUID,
    session: SessionDep,
    principal: UnitWriter,
    response: Response,
    if_match: IfMatch = None,
) -> UnitRead:
    """Take a unit off the market (units are never deleted). An open offer on it is cancelled
    and its household goes back to the pool; an occupied unit is refused (409)."""
    unit = service.get_own_unit(session, principal=principal, unit_id=unit_id, for_update=True)
    check_if_match(if_match, unit)
    unit = offers.withdraw_unit(session, principal=principal, unit_id=unit_id)
    set_etag(response, unit)
    return service.to_read(unit)


@router.post(
    "/units/{unit_id}/reinstate",
    response_model=UnitRead,
    responses=problem_responses(401, 403, 404, 409, 412),
)
def reinstate_unit(
    unit_id: uuid.UUID,
    session: SessionDep,
    principal: UnitWriter,
    response: Response,
    if_match: IfMatch = None,
) -> UnitRead:
    """Put a withdrawn unit back on the market (`available`)."""
    unit = service.get_own_unit(session, principal=principal, unit_id=unit_id, for_update=True)
    check_if_match(if_match, unit)
    unit = service.reinstate_unit(session, unit=unit)
    set_etag(response, unit)
    return service.to_read(unit)


@router.get(
    "/corporations/{code}/units/{reference}",
    response_model=UnitRead,
    responses=problem_responses(401, 403, 404, 422),
)
def get_corporation_unit(
    code: CorporationInPath,
    reference: ReferenceInPath,
    session: SessionDep,
    principal: UnitWriter,
    response: Response,
) -> UnitRead:
    """A unit by the corporation's own reference, with the ETag a later PUT can send."""
    unit = service.get_unit_by_reference(
        session, corporation_code=code, reference=reference, principal=principal
    )
    set_etag(response, unit)
    return service.to_read(unit)


@router.put(
    "/corporations/{code}/units/{reference}",
    response_model=UnitRead,
    responses={
        201: {"model": UnitRead, "description": "Created"},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
def put_corporation_unit(
    code: CorporationInPath,
    reference: ReferenceInPath,
    data: UnitUpsert,
    session: SessionDep,
    principal: UnitWriter,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Create or replace a unit by the corporation's reference, so its system can sync again
    and again: 201 when created, 200 when updated or unchanged (the same body twice changes
    nothing, not even `updated_at`). The status is kept; If-Match is honoured."""
    unit, outcome = service.upsert_unit(
        session,
        corporation_code=code,
        reference=reference,
        data=data,
        if_match=if_match,
        principal=principal,
    )
    return JSONResponse(
        jsonable_encoder(service.to_read(unit)),
        status_code=201 if outcome == "created" else 200,
        headers=_headers(unit),
    )


@router.post(
    "/corporations/{code}/units/bulk",
    response_model=BulkReport,
    responses=problem_responses(401, 403, 404, 413, 422),
    openapi_extra=BULK_REQUEST_BODY,
)
async def upload_units(
    code: CorporationInPath,
    request: Request,
    session: SessionDep,
    principal: UnitWriter,
    partial: Partial = False,
) -> Any:
    """Upsert a corporation's units by reference from a JSON array or CSV (`text/csv`), with a
    report per row (`row` counts from 1). All or nothing unless `?partial=true`.

    Columns (JSON keys alike): `reference,kind,street,house_number,postcode,city,municipality`,
    the location as `lon,lat` (WGS84) or `rd_x,rd_y` (RD New), `bedrooms,max_occupants,
    wheelchair_accessible,ground_floor,pets_allowed,available_from,available_until,
    max_stay_days,rent_cents`. Flags: true/false (empty is false); empty cells mean not given.
    """
    # An unknown corporation is a 404 before a large upload is parsed at all.
    corporation = service.get_own_corporation(session, principal=principal, code=code)
    rows = await read_rows(request)
    return service.import_units(session, corporation=corporation, rows=rows, partial=partial)
