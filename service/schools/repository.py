from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.pagination import keyset_page
from service.schools.models import School


def get(session: Session, school_id: uuid.UUID) -> School | None:
    return session.get(School, school_id)


def get_by_brin(session: Session, brin_code: str) -> School | None:
    return session.scalars(select(School).where(School.brin_code == brin_code)).one_or_none()


def list_page(
    session: Session,
    *,
    municipality: str | None,
    level: str | None,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> Sequence[School]:
    statement = select(School)
    if municipality:
        statement = statement.where(School.municipality_code == municipality)
    if level:
        statement = statement.where(School.level == level)
    if updated_since:
        statement = statement.where(School.updated_at >= updated_since)
    statement = keyset_page(
        statement,
        sort_column=School.brin_code,
        id_column=School.id,
        descending=False,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(statement).all()
