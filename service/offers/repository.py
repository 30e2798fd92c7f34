"""Queries and row locks for offers and placements.

Lock order, everywhere in the workflow: units, then offers, then households (each in id order).
Paths that lock opportunistically (the expiry sweep) skip rows someone else holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.core.pagination import keyset_page
from service.households.models import Child, Household
from service.offers.models import Offer, OfferStatus, Placement, PlacementStatus
from service.schools.models import School
from service.units.models import Unit


def lock_units(session: Session, *, unit_ids: Sequence[uuid.UUID]) -> None:
    if unit_ids:
        session.execute(
            select(Unit.id)
            .where(Unit.id.in_(sorted(set(unit_ids))))
            .order_by(Unit.id)
            .with_for_update(of=Unit)
        ).all()


def lock_households(session: Session, *, household_ids: Sequence[uuid.UUID]) -> None:
    if household_ids:
        session.execute(
            select(Household.id)
            .where(Household.id.in_(sorted(set(household_ids))))
            .order_by(Household.id)
            .with_for_update(of=Household)
        ).all()


def get_household(
    session: Session,
    household_id: uuid.UUID,
    *,
    for_update: bool = False,
    skip_locked: bool = False,
) -> Household | None:
    statement = select(Household).where(Household.id == household_id)
    if for_update:
        statement = statement.with_for_update(of=Household, skip_locked=skip_locked)
        statement = statement.execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def try_lock_unit(session: Session, unit_id: uuid.UUID) -> bool:
    """Lock the unit unless another transaction holds it (then False, without waiting)."""
    row = session.execute(
        select(Unit.id).where(Unit.id == unit_id).with_for_update(of=Unit, skip_locked=True)
    ).one_or_none()
    return row is not None


def get_offer(
    session: Session, offer_id: uuid.UUID, *, for_update: bool = False, skip_locked: bool = False
) -> Offer | None:
    statement = select(Offer).where(Offer.id == offer_id)
    if for_update:
        statement = statement.with_for_update(of=Offer, skip_locked=skip_locked)
        statement = statement.execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def due_offer_ids(session: Session, *, now: datetime, limit: int) -> Sequence[uuid.UUID]:
    return session.scalars(
        select(Offer.id)
        .where(Offer.status == OfferStatus.OPEN.value, Offer.expires_at <= now)
        .order_by(Offer.expires_at, Offer.id)
        .limit(limit)
    ).all()


def open_offers_on_unit(session: Session, *, unit_id: uuid.UUID) -> Sequence[Offer]:
    return session.scalars(
        select(Offer)
        .where(Offer.unit_id == unit_id, Offer.status == OfferStatus.OPEN.value)
        .with_for_update(of=Offer)
        .execution_options(populate_existing=True)
    ).all()


def active_placement_units_of(session: Session, *, household_id: uuid.UUID) -> Sequence[uuid.UUID]:
    return session.scalars(
        select(Placement.unit_id).where(
            Placement.household_id == household_id,
            Placement.status == PlacementStatus.ACTIVE.value,
        )
    ).all()


def open_offer_units_of(session: Session, *, household_id: uuid.UUID) -> Sequence[uuid.UUID]:
    return session.scalars(
        select(Offer.unit_id).where(
            Offer.household_id == household_id, Offer.status == OfferStatus.OPEN.value
        )
    ).all()


def open_offers_of_household(session: Session, *, household_id: uuid.UUID) -> Sequence[Offer]:
    return session.scalars(
        select(Offer)
        .where(Offer.household_id == household_id, Offer.status == OfferStatus.OPEN.value)
        .with_for_update(of=Offer)
        .execution_options(populate_existing=True)
    ).all()


def get_placement(
    session: Session, placement_id: uuid.UUID, *, for_update: bool = False
) -> Placement | None:
    statement = select(Placement).where(Placement.id == placement_id)
    if for_update:
        statement = statement.with_for_update(of=Placement).execution_options(
            populate_existing=True
        )
    return session.scalars(statement).one_or_none()


def active_placement_of(session: Session, *, household_id: uuid.UUID) -> Placement | None:
    return session.scalars(
        select(Placement)
        .where(
            Placement.household_id == household_id,
            Placement.status == PlacementStatus.ACTIVE.value,
        )
        .with_for_update(of=Placement)
        .execution_options(populate_existing=True)
    ).one_or_none()


def list_offers(
    session: Session,
    *,
    municipalities: Sequence[str] | None,
    corporation_id: uuid.UUID | None,
    status: str | None,
    household_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    run_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Offer]:
    statement = select(Offer)
    if municipalities is not None:
        statement = statement.join(Household, Household.id == Offer.household_id).where(
            Household.municipality_code.in_(municipalities)
        )
    if corporation_id is not None:
        statement = statement.join(Unit, Unit.id == Offer.unit_id).where(
            Unit.corporation_id == corporation_id
        )
    if status is not None:
        statement = statement.where(Offer.status == status)
    if household_id is not None:
        statement = statement.where(Offer.household_id == household_id)
    if unit_id is not None:
        statement = statement.where(Offer.unit_id == unit_id)
    if run_id is not None:
        statement = statement.where(Offer.run_id == run_id)
    page = keyset_page(
        statement,
        sort_column=Offer.created_at,
        id_column=Offer.id,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(page).all()


def list_placements(
    session: Session,
    *,
    municipalities: Sequence[str] | None,
    corporation_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Placement]:
    statement = select(Placement)
    if municipalities is not None:
        statement = statement.join(Household, Household.id == Placement.household_id).where(
            Household.municipality_code.in_(municipalities)
        )
    if corporation_id is not None:
        statement = statement.join(Unit, Unit.id == Placement.unit_id).where(
            Unit.corporation_id == corporation_id
        )
    if status is not None:
        statement = statement.where(Placement.status == status)
    page = keyset_page(
        statement,
        sort_column=Placement.created_at,
        id_column=Placement.id,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(page).all()


def measure_trips_km(
    session: Session, *, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], float]:
    """Geodesic school trips of given (child, unit) pairs, whatever their length."""
    if not pairs:
        return {}
    child_ids = sorted({c for c, _ in pairs})
    unit_ids = sorted({u for _, u in pairs})
    rows = session.execute(
        select(Child.id, Unit.id, func.ST_Distance(School.location, Unit.location) / 1000.0)
        .join(School, School.id == Child.school_id)
        .join(Unit, Unit.id.in_(unit_ids))
        .where(Child.id.in_(child_ids))
    ).all()
    wanted = set(pairs)
    return {(r[0], r[1]): round(float(r[2]), 3) for r in rows if (r[0], r[1]) in wanted}


def load_households_and_units(
    session: Session, *, household_ids: Sequence[uuid.UUID], unit_ids: Sequence[uuid.UUID]
) -> list[Household | Unit]:
    """These households (with their children) and units, in two queries."""
    loaded: list[Household | Unit] = []
    if household_ids:
        loaded += session.scalars(select(Household).where(Household.id.in_(set(household_ids))))
    if unit_ids:
        loaded += session.scalars(select(Unit).where(Unit.id.in_(set(unit_ids))))
    return loaded
