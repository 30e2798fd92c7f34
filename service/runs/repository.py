"""Queries a match run needs: what is in scope, what is held, what was declined, school trips."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Connection, Float, Numeric, String, case, cast, func, or_, select
from sqlalchemy.orm import Session, defer

from matching.policies import SchoolTripLimits
from service.core.pagination import keyset_page
from service.households.models import Child, Household, HouseholdStatus
from service.offers.models import Offer, OfferStatus, Placement, PlacementStatus
from service.reference.models import Corporation
from service.runs.models import MatchRun
from service.schools.models import School
from service.units.models import Unit, UnitStatus

# Households that may still need a unit: everyone not closed (placed ones are filtered later:
# only a placement in an emergency unit keeps a household a candidate, for transitional units).
OPEN_STATUSES = (
    HouseholdStatus.AT_RISK,
    HouseholdStatus.HOMELESS,
    HouseholdStatus.OFFERED,
    HouseholdStatus.PLACED,
)


@dataclass(frozen=True)
class HeldUnit:
    """A unit held by an open offer or a running placement."""

    household_id: uuid.UUID
    unit_id: uuid.UUID
    unit_kind: str
    unit_municipality_code: str


@dataclass(frozen=True)
class UnitPoint:
    unit: Unit
    longitude: float
    latitude: float


def households_in_scope(session: Session, *, municipalities: Sequence[str]) -> Sequence[Household]:
    return session.scalars(
        select(Household)
        .where(
            Household.municipality_code.in_(municipalities),
            Household.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Household.id)
    ).all()


def count_households_in_scope(session: Session, *, municipalities: Sequence[str]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Household)
            .where(
                Household.municipality_code.in_(municipalities),
                Household.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
        or 0
    )


def open_offers_of(session: Session, *, household_ids: Sequence[uuid.UUID]) -> list[HeldUnit]:
    rows = session.execute(
        select(Offer.household_id, Offer.unit_id, Unit.kind, Unit.municipality_code)
        .join(Unit, Unit.id == Offer.unit_id)
        .where(Offer.household_id.in_(household_ids), Offer.status == OfferStatus.OPEN.value)
    ).all()
    return [HeldUnit(*row) for row in rows]


def active_placements_of(session: Session, *, household_ids: Sequence[uuid.UUID]) -> list[HeldUnit]:
    rows = session.execute(
        select(Placement.household_id, Placement.unit_id, Unit.kind, Unit.municipality_code)
        .join(Unit, Unit.id == Placement.unit_id)
        .where(
            Placement.household_id.in_(household_ids),
            Placement.status == PlacementStatus.ACTIVE.value,
        )
    ).all()
    return [HeldUnit(*row) for row in rows]


def units_in_scope(session: Session, *, municipalities: Sequence[str]) -> list[UnitPoint]:
    """Available units, and units reserved by an open offer (those become fixed pairs)."""
    geometry = func.ST_GeomFromWKB(func.ST_AsBinary(Unit.location))
    rows = session.execute(
        select(Unit, func.ST_X(geometry), func.ST_Y(geometry))
        .where(
            Unit.municipality_code.in_(municipalities),
            Unit.status.in_([UnitStatus.AVAILABLE.value, UnitStatus.RESERVED.value]),
        )
        .order_by(Unit.id)
    ).all()
    return [UnitPoint(unit=row[0], longitude=row[1], latitude=row[2]) for row in rows]


def units_by_id(session: Session, unit_ids: Sequence[uuid.UUID]) -> list[Unit]:
    """The units, without locking them (their groups are all a caller reads)."""
    if not unit_ids:
        return []
    return list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id)))


def held_units(
    session: Session, *, postcode_areas: Collection[str], corporation_codes: Collection[str]
) -> list[Unit]:
    """Units held by an open offer or a running placement (reserved or occupied) in these
    four-digit postcode areas or of these corporations, in any municipality: what placement
    caps on their buildings, neighbourhoods and corporations count."""
    if not postcode_areas and not corporation_codes:
        return []
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.status.in_([UnitStatus.RESERVED.value, UnitStatus.OCCUPIED.value]),
                or_(
                    func.substr(Unit.postcode, 1, 4).in_(sorted(postcode_areas)),
                    Unit.corporation_id.in_(
                        select(Corporation.id).where(
                            Corporation.code.in_(sorted(corporation_codes))
                        )
                    ),
                ),
            )
            .order_by(Unit.id)
        )
    )


def unit_point(session: Session, *, unit_id: uuid.UUID) -> UnitPoint:
    geometry = func.ST_GeomFromWKB(func.ST_AsBinary(Unit.location))
    row = session.execute(
        select(Unit, func.ST_X(geometry), func.ST_Y(geometry)).where(Unit.id == unit_id)
    ).one()
    return UnitPoint(unit=row[0], longitude=row[1], latitude=row[2])


def declined_pairs(
    session: Session, *, household_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rows = session.execute(
        select(Offer.household_id, Offer.unit_id)
        .where(
            Offer.household_id.in_(household_ids),
            Offer.status == OfferStatus.DECLINED.value,
            Offer.decline_cleared_at.is_(None),
        )
        .distinct()
    ).all()
    return [(row[0], row[1]) for row in rows]


def school_levels(session: Session, *, school_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(School.id, School.level).where(School.id.in_(school_ids))).all()
    return {row[0]: row[1] for row in rows}


def school_trips_km(
    session: Session,
    *,
    child_ids: Sequence[uuid.UUID],
    unit_ids: Sequence[uuid.UUID],
    limits: SchoolTripLimits,
) -> dict[str, dict[str, float]]:
    """Child id → unit id → km, for every unit within the child's limit of its school.

    Geodesic on the WGS84 spheroid (`geography`); ST_DWithin prunes with the GiST index on the
    units' location, so pairs beyond reach are never measured. One JSON object per child keeps
    the transfer small: a city's worth of pairs is hundreds of thousands of rows otherwise.
    """
    if not child_ids or not unit_ids:
        return {}
    limit_km = func.coalesce(
        Child.school_trip_limit_km,
        case(
            (School.level == "primary", limits.primary_km),
            (School.level == "secondary", limits.secondary_km),
            else_=limits.special_km,
        ),
    )
    km = func.round(cast(func.ST_Distance(School.location, Unit.location) / 1000.0, Numeric), 6)
    rows = session.execute(
        select(
            cast(Child.id, String),
            func.json_object_agg(cast(Unit.id, String), cast(km, Float)),
        )
        .join(School, School.id == Child.school_id)
        .join(Unit, func.ST_DWithin(School.location, Unit.location, limit_km * 1000.0))
        .where(Child.id.in_(child_ids), Unit.id.in_(unit_ids))
        .group_by(Child.id)
    ).all()
    return {row[0]: row[1] for row in rows}


def get_run(session: Session, run_id: uuid.UUID, *, for_update: bool = False) -> MatchRun | None:
    statement = select(MatchRun).where(MatchRun.id == run_id)
    if for_update:
        statement = statement.with_for_update(of=MatchRun).execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def list_runs(
    session: Session,
    *,
    within: Sequence[str] | None,
    cursor: str | None,
    limit: int,
    without_documents: bool = False,
) -> Sequence[MatchRun]:
    """Runs newest first; `within`: only runs whose whole scope lies in these municipalities.

    `without_documents`: leave out the stored instance, result and summary (megabytes per run
    for a city) when only the list's own columns are shown; reading them then raises."""
    statement = select(MatchRun)
    if without_documents:
        statement = statement.options(
            defer(MatchRun.instance, raiseload=True),
            defer(MatchRun.result, raiseload=True),
            defer(MatchRun.summary, raiseload=True),
        )
    if within is not None:
        statement = statement.where(
            MatchRun.municipalities.op("<@")(cast(list(within), ARRAY(String(6))))
        )
    page = keyset_page(
        statement,
        sort_column=MatchRun.created_at,
        id_column=MatchRun.id,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(page).all()


# A background run holds this session-level advisory lock while a worker works on it. The lock
# dies with the worker's connection, so a run whose lock is free is not being worked on.
def _worker_lock_key(run_id: uuid.UUID) -> Any:
    return func.hashtextextended(f"match_run:{run_id}", 0)


def hold_worker_lock(connection: Connection, run_id: uuid.UUID) -> None:
    connection.execute(select(func.pg_advisory_lock(_worker_lock_key(run_id))))
    connection.commit()  # session-level: the lock outlives this transaction


def release_worker_lock(connection: Connection | Session, run_id: uuid.UUID) -> None:
    connection.execute(select(func.pg_advisory_unlock(_worker_lock_key(run_id))))


def worker_lock_is_free(session: Session, run_id: uuid.UUID) -> bool:
    """True when no worker holds the run (probing takes the lock for a moment, then frees it)."""
    taken = bool(session.scalar(select(func.pg_try_advisory_lock(_worker_lock_key(run_id)))))
    if taken:
        release_worker_lock(session, run_id)
    return taken
