from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.core.pagination import keyset_page
from service.units.models import Unit


@dataclass(frozen=True)
class NearFilter:
    lon: float
    lat: float
    within_km: float


@dataclass(frozen=True)
class UnitFilters:
    municipality_code: str | None = None
    corporation_id: uuid.UUID | None = None
    kind: str | None = None
    status: str | None = None
    available_on: date | None = None
    near: NearFilter | None = None
    updated_since: datetime | None = None
    # The caller's tenant: a desk sees its municipalities' units, a corporation its own.
    visible_municipality_codes: frozenset[str] | None = None
    visible_corporation_id: uuid.UUID | None = None


SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at": Unit.created_at,
    "updated_at": Unit.updated_at,
    "available_from": Unit.available_from,
    "rent_cents": Unit.rent_cents,
    "bedrooms": Unit.bedrooms,
    "reference": Unit.reference,
}


def get(session: Session, unit_id: uuid.UUID, *, for_update: bool = False) -> Unit | None:
    """One unit; `for_update` locks its row until the transaction ends (for changes)."""
    if not for_update:
        return session.get(Unit, unit_id)  # from the identity map when already loaded
    statement = (
        select(Unit)
        .where(Unit.id == unit_id)
        .with_for_update(of=Unit)
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one_or_none()


def get_many_for_update(session: Session, unit_ids: Sequence[uuid.UUID]) -> list[Unit]:
    """Units locked in id order (the workflow's lock order), fresh from the database."""
    statement = (
        select(Unit)
        .where(Unit.id.in_(sorted(set(unit_ids))))
        .order_by(Unit.id)
        .with_for_update(of=Unit)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(statement))


def set_status_many(session: Session, unit_ids: Sequence[uuid.UUID], *, status: str) -> None:
    """One UPDATE for many units (statement-level triggers run once), bumping each version."""
    session.execute(
        update(Unit)
        .where(Unit.id.in_(sorted(set(unit_ids))))
        .values(status=status, version=Unit.version + 1, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


def get_by_reference(
    session: Session, *, corporation_id: uuid.UUID, reference: str, for_update: bool = False
) -> Unit | None:
    statement = select(Unit).where(
        Unit.corporation_id == corporation_id, Unit.reference == reference
    )
    if for_update:
        statement = statement.with_for_update(of=Unit).execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def lock_references(session: Session, *, corporation_id: uuid.UUID) -> None:
    """Serialise reference changes within one corporation until the transaction ends.

    Two syncs creating the same new reference at once would otherwise race to the unique
    constraint; with the lock the second one sees the first one's unit and updates it. One lock
    per corporation (not per reference) keeps a 5000-row upload at one lock.
    """
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"units:{corporation_id}"))))


def list_page(
    session: Session,
    *,
    filters: UnitFilters,
    sort_column: str,
    descending: bool,
    order: str,
    cursor: str | None,
    limit: int,
) -> Sequence[Unit]:
    statement = select(Unit)
    if filters.visible_municipality_codes is not None:
        statement = statement.where(
            Unit.municipality_code.in_(sorted(filters.visible_municipality_codes))
        )
    if filters.visible_corporation_id is not None:
        statement = statement.where(Unit.corporation_id == filters.visible_corporation_id)
    if filters.municipality_code:
        statement = statement.where(Unit.municipality_code == filters.municipality_code)
    if filters.corporation_id:
        statement = statement.where(Unit.corporation_id == filters.corporation_id)
    if filters.kind:
        statement = statement.where(Unit.kind == filters.kind)
    if filters.status:
        statement = statement.where(Unit.status == filters.status)
    if filters.available_on:
        statement = statement.where(
            Unit.available_from <= filters.available_on,
            or_(Unit.available_until.is_(None), Unit.available_until >= filters.available_on),
        )
    if filters.near:
        # ST_DWithin on geography measures on the WGS84 spheroid and can use the GiST index.
        centre = func.ST_GeogFromText(f"SRID=4326;POINT({filters.near.lon!r} {filters.near.lat!r})")
        statement = statement.where(
            func.ST_DWithin(Unit.location, centre, filters.near.within_km * 1000.0)
        )
    if filters.updated_since:
        statement = statement.where(Unit.updated_at >= filters.updated_since)
    statement = keyset_page(
        statement,
        sort_column=SORT_COLUMNS[sort_column],
        id_column=Unit.id,
        descending=descending,
        cursor=cursor,
        limit=limit,
        order=order,
    )
    return session.scalars(statement).all()
