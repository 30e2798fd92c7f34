"""Schools: the places children must stay within reach of."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from service.core.bulk import BulkReport, RowOutcome, run_bulk
from service.core.errors import Conflict, NotFound
from service.core.geo import from_db, to_db
from service.core.pagination import next_cursor
from service.reference.service import resolve_municipality
from service.schools import repository
from service.schools.models import School, SchoolLevel
from service.schools.schemas import SchoolCreate, SchoolCsvRow, SchoolRead, SchoolUpdate


def to_read(school: School) -> SchoolRead:
    return SchoolRead(
        id=school.id,
        brin_code=school.brin_code,
        name=school.name,
        level=SchoolLevel(school.level),
        municipality=school.municipality_code,
        location=from_db(school.location),
        created_at=school.created_at,
        updated_at=school.updated_at,
    )


def create_school(session: Session, *, data: SchoolCreate) -> School:
    if repository.get_by_brin(session, data.brin_code) is not None:
        raise Conflict(f"School {data.brin_code} already exists.")
    school = School(
        brin_code=data.brin_code,
        name=data.name,
        level=data.level.value,
        municipality_code=resolve_municipality(session, data.municipality, field="municipality"),
        location=to_db(data.location),
    )
    session.add(school)
    session.flush()
    session.refresh(school)
    return school


def get_school(session: Session, *, school_id: uuid.UUID) -> School:
    school = repository.get(session, school_id)
    if school is None:
        raise NotFound(f"School {school_id} does not exist.")
    return school


def update_school(session: Session, *, school: School, data: SchoolUpdate) -> School:
    changes = data.model_dump(exclude_unset=True, exclude={"location", "municipality"})
    for name, value in changes.items():
        if value is None:
            continue
        setattr(school, name, value.value if hasattr(value, "value") else value)
    if data.municipality is not None:
        school.municipality_code = resolve_municipality(
            session, data.municipality, field="municipality"
        )
    if data.location is not None:
        school.location = to_db(data.location)
    session.flush()
    session.refresh(school)
    return school


def list_schools(
    session: Session,
    *,
    municipality: str | None,
    level: str | None,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[School], str | None]:
    rows = repository.list_page(
        session,
        municipality=municipality,
        level=level,
        updated_since=updated_since,
        cursor=cursor,
        limit=limit,
    )
    return next_cursor(rows, sort_attribute="brin_code", limit=limit)


def _same(school: School, data: SchoolCreate, municipality_code: str) -> bool:
    return (
        school.name == data.name
        and school.level == data.level.value
        and school.municipality_code == municipality_code
        and bool(to_shape(school.location).equals_exact(to_shape(to_db(data.location)), 1e-7))
    )


def import_schools(session: Session, *, rows: list[dict[str, Any]], partial: bool) -> BulkReport:
    """Upsert schools by BRIN code from a school list (re-importing the same list changes
    nothing)."""

    def store(row: SchoolCsvRow) -> RowOutcome:
        data = row.to_create()
        existing = repository.get_by_brin(session, data.brin_code)
        if existing is None:
            create_school(session, data=data)
            return "created"
        municipality_code = resolve_municipality(session, data.municipality, field="municipality")
        if _same(existing, data, municipality_code):
            return "unchanged"
        update_school(
            session,
            school=existing,
            data=SchoolUpdate(
                name=data.name,
                level=data.level,
                municipality=data.municipality,
                location=data.location,
            ),
        )
        return "updated"

    return run_bulk(session, rows=rows, schema=SchoolCsvRow, store=store, partial=partial)
