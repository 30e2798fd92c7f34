"""Reference data: municipalities and housing corporations (admin)."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth.dependencies import AdminOnly, ReferenceReader
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.reference import service
from service.reference.models import Corporation
from service.reference.schemas import (
    CorporationCreate,
    CorporationRead,
    CorporationUpdate,
    MunicipalityCreate,
    MunicipalityRead,
    MunicipalityUpdate,
)

router = APIRouter(prefix="/v1", tags=["reference data"])


def _corporation(corporation: Corporation) -> CorporationRead:
    return CorporationRead(
        id=corporation.id,
        code=corporation.code,
        name=corporation.name,
        municipalities=[m.code for m in corporation.municipalities],
    )


@router.post(
    "/municipalities",
    status_code=201,
    response_model=MunicipalityRead,
    responses=problem_responses(401, 403, 409, 422),
)
def create_municipality(
    data: MunicipalityCreate, session: SessionDep, _: AdminOnly
) -> MunicipalityRead:
    """Register a municipality (or a merged one, as an alias of its successor)."""
    return MunicipalityRead.model_validate(service.create_municipality(session, data=data))


@router.get(
    "/municipalities", response_model=list[MunicipalityRead], responses=problem_responses(401, 403)
)
def list_municipalities(session: SessionDep, _: ReferenceReader) -> list[MunicipalityRead]:
    return [MunicipalityRead.model_validate(m) for m in service.list_municipalities(session)]


@router.get(
    "/municipalities/{code}",
    response_model=MunicipalityRead,
    responses=problem_responses(401, 403, 404),
)
def get_municipality(code: str, session: SessionDep, _: ReferenceReader) -> MunicipalityRead:
    return MunicipalityRead.model_validate(service.get_municipality(session, code=code))


@router.patch(
    "/municipalities/{code}",
    response_model=MunicipalityRead,
    responses=problem_responses(401, 403, 404, 422),
)
def update_municipality(
    code: str, data: MunicipalityUpdate, session: SessionDep, _: AdminOnly
) -> MunicipalityRead:
    """Rename, regroup, or record a merger (`merged_into`)."""
    return MunicipalityRead.model_validate(
        service.update_municipality(session, code=code, data=data)
    )


@router.post(
    "/corporations",
    status_code=201,
    response_model=CorporationRead,
    responses=problem_responses(401, 403, 409, 422),
)
def create_corporation(
    data: CorporationCreate, session: SessionDep, _: AdminOnly
) -> CorporationRead:
    return _corporation(service.create_corporation(session, data=data))


@router.get(
    "/corporations", response_model=list[CorporationRead], responses=problem_responses(401, 403)
)
def list_corporations(session: SessionDep, _: ReferenceReader) -> list[CorporationRead]:
    return [_corporation(c) for c in service.list_corporations(session)]


@router.get(
    "/corporations/{code}",
    response_model=CorporationRead,
    responses=problem_responses(401, 403, 404),
)
def get_corporation(code: str, session: SessionDep, _: ReferenceReader) -> CorporationRead:
    return _corporation(service.get_corporation(session, code=code))


@router.patch(
    "/corporations/{code}",
    response_model=CorporationRead,
    responses=problem_responses(401, 403, 404, 422),
)
def update_corporation(
    code: str, data: CorporationUpdate, session: SessionDep, _: AdminOnly
) -> CorporationRead:
    return _corporation(service.update_corporation(session, code=code, data=data))
