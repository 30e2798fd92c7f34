"""Schools: create, read, update, list, and import a school list (CSV or JSON)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from service.auth.dependencies import SchoolReader, SchoolWriter
from service.core.bulk import BULK_REQUEST_BODY, BulkReport, Partial, read_rows
from service.core.concurrency import IfMatch, check_if_match, etag_of, set_etag
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.idempotency import IdempotencyKey, idempotent
from service.core.pagination import Cursor, Limit, Page, UpdatedSince
from service.schools import service
from service.schools.models import SchoolLevel
from service.schools.schemas import SchoolCreate, SchoolRead, SchoolUpdate

router = APIRouter(prefix="/v1/schools", tags=["schools"])


@router.post(
    "",
    status_code=201,
    response_model=SchoolRead,
    responses=problem_responses(401, 403, 409, 422),
)
def create_school(
    data: SchoolCreate,
    session: SessionDep,
    principal: SchoolWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def create() -> tuple[int, SchoolRead, dict[str, str]]:
        school = service.create_school(session, data=data)
        return 201, service.to_read(school), {"ETag": etag_of(school)}

    return idempotent(
        session,
        caller=principal,
        scope="POST /v1/schools",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get("", response_model=Page[SchoolRead], responses=problem_responses(401, 403, 422))
def list_schools(
    session: SessionDep,
    _: SchoolReader,
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    level: SchoolLevel | None = None,
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[SchoolRead]:
    """Schools in order of BRIN code, a page at a time."""
    schools, next_page = service.list_schools(
        session,
        municipality=municipality,
        level=level.value if level else None,
        updated_since=updated_since,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[service.to_read(s) for s in schools], next_cursor=next_page)


@router.post(
    "/import",
    response_model=BulkReport,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra=BULK_REQUEST_BODY,
)
async def import_schools(
    request: Request, session: SessionDep, _: SchoolWriter, partial: Partial = False
) -> Any:
    """Import a school list as CSV (`text/csv`) or a JSON array; schools upserted by BRIN code.

    CSV columns: `brin_code,name,level,municipality` and `lon,lat` or `rd_x,rd_y`.
    """
    rows = await read_rows(request)
    return service.import_schools(session, rows=rows, partial=partial)


@router.get("/{school_id}", response_model=SchoolRead, responses=problem_responses(401, 403, 404))
def get_school(
    school_id: uuid.UUID, session: SessionDep, _: SchoolReader, response: Response
) -> SchoolRead:
    school = service.get_school(session, school_id=school_id)
    set_etag(response, school)
    return service.to_read(school)


@router.patch(
    "/{school_id}", response_model=SchoolRead, responses=problem_responses(401, 403, 404, 412, 422)
)
def update_school(
    school_id: uuid.UUID,
    data: SchoolUpdate,
    session: SessionDep,
    _: SchoolWriter,
    response: Response,
    if_match: IfMatch = None,
) -> SchoolRead:
    school = service.get_school(session, school_id=school_id)
    check_if_match(if_match, school)
    school = service.update_school(session, school=school, data=data)
    set_etag(response, school)
    return service.to_read(school)
