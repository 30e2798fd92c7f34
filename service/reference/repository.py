"""Queries for municipalities and corporations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.reference.models import Corporation, Municipality


def get_municipality(session: Session, code: str) -> Municipality | None:
    return session.get(Municipality, code)


def list_municipalities(session: Session) -> Sequence[Municipality]:
    return session.scalars(select(Municipality).order_by(Municipality.code)).all()


def get_municipalities(session: Session, codes: Sequence[str]) -> Sequence[Municipality]:
    return session.scalars(select(Municipality).where(Municipality.code.in_(codes))).all()


def get_corporation_by_code(session: Session, code: str) -> Corporation | None:
    return session.scalars(select(Corporation).where(Corporation.code == code)).one_or_none()


def list_corporations(session: Session) -> Sequence[Corporation]:
    return session.scalars(select(Corporation).order_by(Corporation.code)).all()


def corporation_ids_by_code(session: Session) -> dict[str, uuid.UUID]:
    return {code: id_ for code, id_ in session.execute(select(Corporation.code, Corporation.id))}
