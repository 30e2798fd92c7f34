"""Households in need: registration, changes, evictions, stays, and the status they imply.

Status is never set by hand. It follows from the actions that mean it:
- registering → `at_risk`, or `homeless` when `homeless_since` (not in the future) is given;
- an executed eviction, or a recorded stay, of an `at_risk` household → `homeless`;
- an offer (`mark_offered`) → `offered`; its decline or expiry (`withdraw_offer`) → back;
- moving into an Onderdak unit (`place_in_unit`) → `placed`;
- closing with a reason (`close_household`) → `closed`.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.principal import SYSTEM, Principal
from service.core.bulk import BulkReport, RowOutcome, run_bulk
from service.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from service.core.geo import as_wgs84, from_db, to_db
from service.core.pagination import next_cursor
from service.core.time import today_amsterdam
from service.households import repository
from service.households.models import (
    Child,
    Eviction,
    EvictionState,
    Household,
    HouseholdStatus,
    PlaceKind,
    SafetyExclusion,
    Stay,
)
from service.households.schemas import (
    ChildIn,
    ChildRead,
    ClosedReason,
    EvictionCreate,
    EvictionRead,
    EvictionUpdate,
    HouseholdCreate,
    HouseholdCsvRow,
    HouseholdListOrder,
    HouseholdRead,
    HouseholdSort,
    HouseholdUpdate,
    NeedsRead,
    SafetyExclusionIn,
    SafetyExclusionRead,
    StayCreate,
    StayRead,
    StayUpdate,
)
from service.reference.service import resolve_municipality

# The expected stay when the desk gives none. It becomes a policy parameter once policies are
# stored (the Policy entity), and then the household service reads it from the active policy.
DEFAULT_EXPECTED_STAY_DAYS = 180

# Derived bedrooms: adults share one bedroom up to a couple, every further adult gets one,
# and children share two to a bedroom.
ADULTS_PER_SHARED_BEDROOM = 2
CHILDREN_PER_BEDROOM = 2

STAY_OVERLAP_CONSTRAINT = "ex_stays_no_overlap"
CASE_REFERENCE_CONSTRAINT = "uq_households_municipality_code_case_reference"


def derived_min_bedrooms(*, adults: int, children: int) -> int:
    """The minimum bedrooms a household needs when it declares none (at least one)."""
    adult_bedrooms = 0 if adults == 0 else 1 + max(0, adults - ADULTS_PER_SHARED_BEDROOM)
    return max(1, adult_bedrooms + math.ceil(children / CHILDREN_PER_BEDROOM))


def min_bedrooms(household: Household) -> int:
    if household.declared_min_bedrooms is not None:
        return household.declared_min_bedrooms
    return derived_min_bedrooms(adults=household.adults, children=len(household.children))


def days_in_temporary_housing(household: Household, *, today: date | None = None) -> int | None:
    """Days since the episode began, while it lasts; None outside an episode."""
    if household.homeless_since is None or household.status not in repository.EPISODE_STATUSES:
        return None
    return max(0, ((today or today_amsterdam()) - household.homeless_since).days)


# ---------------------------------------------------------------------------------------------
# Reading


def to_reads(session: Session, households: Sequence[Household]) -> list[HouseholdRead]:
    school_ids = sorted(
        {c.school_id for h in households for c in h.children if c.school_id is not None}
    )
    brin = repository.brin_by_school_id(session, school_ids)
    today = today_amsterdam()
    return [_to_read(h, brin=brin, today=today) for h in households]


def to_read(session: Session, household: Household) -> HouseholdRead:
    return to_reads(session, [household])[0]


def _to_read(household: Household, *, brin: dict[uuid.UUID, str], today: date) -> HouseholdRead:
    return HouseholdRead(
        id=household.id,
        case_reference=household.case_reference,
        municipality=household.municipality_code,
        adults=household.adults,
        children=[
            ChildRead(
                birth_year=c.birth_year,
                school=brin.get(c.school_id) if c.school_id else None,
                needs_wheelchair=c.needs_wheelchair,
                needs_medical=c.needs_medical,
                school_trip_limit_km=c.school_trip_limit_km,
            )
            for c in household.children
        ],
        needs=NeedsRead(
            min_bedrooms=min_bedrooms(household),
            min_bedrooms_declared=household.declared_min_bedrooms is not None,
            wheelchair=household.needs_wheelchair,
            ground_floor=household.needs_ground_floor,
            pets=household.has_pets,
            medical=household.needs_medical,
        ),
        safety_exclusions=[
            SafetyExclusionRead(location=from_db(e.location), min_distance_m=e.min_distance_m)
            for e in household.safety_exclusions
        ],
        homeless_since=household.homeless_since,
        needed_from=household.needed_from,
        expected_stay_days=household.expected_stay_days,
        members=household.adults + len(household.children),
        children_count=len(household.children),
        days_in_temporary_housing=days_in_temporary_housing(household, today=today),
        status=HouseholdStatus(household.status),
        closed_reason=ClosedReason(household.closed_reason) if household.closed_reason else None,
        closed_on=household.closed_on,
        created_at=household.created_at,
        updated_at=household.updated_at,
    )


def get_household(
    session: Session, *, household_id: uuid.UUID, principal: Principal = SYSTEM
) -> Household:
    """The household, if the caller may see it (a desk sees its own municipalities only)."""
    household = repository.get(session, household_id)
    if household is None or not principal.sees_municipality(household.municipality_code):
        raise NotFound(f"Household {household_id} does not exist.")
    return household


def _check_may_register_in(principal: Principal, municipality_code: str) -> None:
    if not principal.sees_municipality(municipality_code):
        raise Forbidden(
            f"You register households for your own municipalities, not {municipality_code}.",
            errors=[FieldError(field="municipality", message="not one of your municipalities")],
        )


def list_households(
    session: Session,
    *,
    municipality: str | None,
    status: HouseholdStatus | None,
    has_children: bool | None,
    needed_from_min: date | None,
    needed_from_max: date | None,
    updated_since: datetime | None,
    sort: HouseholdSort | HouseholdListOrder,
    cursor: str | None,
    limit: int,
    principal: Principal = SYSTEM,
    min_days_in_temporary_housing: int | None = None,
) -> tuple[list[Household], str | None]:
    """A page of the caller's households; `min_days_in_temporary_housing`: only those whose
    current episode has lasted at least that many days."""
    homeless_since_max = (
        today_amsterdam() - timedelta(days=min_days_in_temporary_housing)
        if min_days_in_temporary_housing is not None
        else None
    )
    rows = repository.list_page(
        session,
        visible_municipalities=None if principal.is_admin else sorted(principal.municipalities),
        municipality_code=(
            resolve_municipality(session, municipality, field="municipality")
            if municipality
            else None
        ),
        status=status,
        has_children=has_children,
        needed_from_min=needed_from_min,
        needed_from_max=needed_from_max,
        updated_since=updated_since,
        sort=sort,
        cursor=cursor,
        limit=limit,
        homeless_since_max=homeless_since_max,
    )
    if len(rows) <= limit:
        return [row[0] for row in rows], None
    last_household, last_value = rows[limit - 1]
    return (
        [row[0] for row in rows[:limit]],
        repository.encode_cursor(sort, last_value, last_household.id),
    )


# ---------------------------------------------------------------------------------------------
# Registering and changing


def _children(session: Session, children: Sequence[ChildIn], *, field: str) -> list[Child]:
    wanted = sorted({c.school for c in children if c.school})
    known = repository.schools_by_brin(session, wanted)
    errors = [
        FieldError(field=f"{field}.{i}.school", message=f"unknown school {c.school!r}")
        for i, c in enumerate(children)
        if c.school and c.school not in known
    ]
    if errors:
        raise Invalid("A child's school does not exist.", errors=errors)
    return [
        Child(
            birth_year=c.birth_year,
            school_id=known[c.school] if c.school else None,
            needs_wheelchair=c.needs_wheelchair,
            needs_medical=c.needs_medical,
            school_trip_limit_km=c.school_trip_limit_km,
        )
        for c in children
    ]


def _exclusions(exclusions: Sequence[SafetyExclusionIn]) -> list[SafetyExclusion]:
    return [
        SafetyExclusion(location=to_db(e.location), min_distance_m=e.min_distance_m)
        for e in exclusions
    ]


def _check_members(*, adults: int, children: int) -> None:
    if adults + children < 1:
        raise Invalid(
            "A household has at least one member.",
            errors=[FieldError(field="adults", message="no adults and no children")],
        )


def _check_case_reference_free(
    session: Session, *, municipality_code: str, case_reference: str, household_id: uuid.UUID | None
) -> None:
    existing = repository.get_by_case_reference(
        session, municipality_code=municipality_code, case_reference=case_reference
    )
    if existing is not None and existing.id != household_id:
        raise Conflict(
            f"Case reference {case_reference!r} is already used in {municipality_code} "
            f"(household {existing.id}).",
            errors=[FieldError(field="case_reference", message="already used")],
        )


@contextmanager
def _case_reference_guard(
    session: Session, *, municipality_code: str, case_reference: str
) -> Iterator[None]:
    """Make the changes inside in a savepoint: when a concurrent request took the same case
    reference first, that is a 409 and the session stays usable."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if CASE_REFERENCE_CONSTRAINT not in str(exc.orig):
            raise
        raise Conflict(
            f"Case reference {case_reference!r} is already used in {municipality_code}.",
            errors=[FieldError(field="case_reference", message="already used")],
        ) from exc


def register_household(
    session: Session, *, data: HouseholdCreate, principal: Principal = SYSTEM
) -> Household:
    """Register a household: `at_risk`, or `homeless` when it already lost its home."""
    municipality_code = resolve_municipality(session, data.municipality, field="municipality")
    _check_may_register_in(principal, municipality_code)
    _check_members(adults=data.adults, children=len(data.children))
    _check_case_reference_free(
        session,
        municipality_code=municipality_code,
        case_reference=data.case_reference,
        household_id=None,
    )
    household = Household(
        municipality_code=municipality_code,
        case_reference=data.case_reference,
        adults=data.adults,
        declared_min_bedrooms=data.needs.min_bedrooms,
        needs_wheelchair=data.needs.wheelchair,
        needs_ground_floor=data.needs.ground_floor,
        has_pets=data.needs.pets,
        needs_medical=data.needs.medical,
        homeless_since=data.homeless_since,
        needed_from=data.needed_from,
        expected_stay_days=data.expected_stay_days or DEFAULT_EXPECTED_STAY_DAYS,
        status=(HouseholdStatus.HOMELESS if data.homeless_since else HouseholdStatus.AT_RISK),
        children=_children(session, data.children, field="children"),
        safety_exclusions=_exclusions(data.safety_exclusions),
    )
    with _case_reference_guard(
        session, municipality_code=municipality_code, case_reference=data.case_reference
    ):
        session.add(household)
        session.flush()
    session.refresh(household)
    return household


def _refuse_if_closed(household: Household) -> None:
    if household.status == HouseholdStatus.CLOSED:
        raise Conflict(f"Household {household.id} is closed; its records no longer change.")


def _touch(household: Household) -> None:
    # Changing only children or exclusions must still bump the version (ETag) and updated_at.
    household.updated_at = func.now()


def update_household(
    session: Session,
    *,
    household: Household,
    data: HouseholdUpdate,
    principal: Principal = SYSTEM,
) -> Household:
    """Change what the desk knows; the status never changes here."""
    _refuse_if_closed(household)
    municipality_code = (
        resolve_municipality(session, data.municipality, field="municipality")
        if data.municipality is not None
        else household.municipality_code
    )
    _check_may_register_in(principal, municipality_code)
    case_reference = data.case_reference or household.case_reference
    _check_case_reference_free(
        session,
        municipality_code=municipality_code,
        case_reference=case_reference,
        household_id=household.id,
    )
    if data.homeless_since is not None and household.homeless_since is None:
        raise Invalid(
            "The household is not without a home yet: record an executed eviction or a "
            "stay to start its episode.",
            errors=[FieldError(field="homeless_since", message="no episode to correct")],
        )
    children = (
        _children(session, data.children, field="children") if data.children is not None else None
    )
    _check_members(
        adults=data.adults if data.adults is not None else household.adults,
        children=len(children if children is not None else household.children),
    )
    with _case_reference_guard(
        session, municipality_code=municipality_code, case_reference=case_reference
    ):
        household.municipality_code = municipality_code
        household.case_reference = case_reference
        if data.adults is not None:
            household.adults = data.adults
        if children is not None:
            household.children = children
        if data.safety_exclusions is not None:
            household.safety_exclusions = _exclusions(data.safety_exclusions)
        if data.needs is not None:
            _apply_needs(household, data.needs.model_dump(exclude_unset=True))
        if data.homeless_since is not None:
            household.homeless_since = data.homeless_since
        if data.needed_from is not None:
            household.needed_from = data.needed_from
        if data.expected_stay_days is not None:
            household.expected_stay_days = data.expected_stay_days
        _touch(household)
        session.flush()
    session.refresh(household)
    return household


def _apply_needs(household: Household, needs: dict[str, Any]) -> None:
    if "min_bedrooms" in needs:
        household.declared_min_bedrooms = needs["min_bedrooms"]
    for field, column in (
        ("wheelchair", "needs_wheelchair"),
        ("ground_floor", "needs_ground_floor"),
        ("pets", "has_pets"),
        ("medical", "needs_medical"),
    ):
        if needs.get(field) is not None:
            setattr(household, column, needs[field])


# ---------------------------------------------------------------------------------------------
# Status transitions: the only places `status` changes. The Workflow calls the last four.


def _set_status(session: Session, household: Household, status: HouseholdStatus) -> Household:
    household.status = status.value
    _touch(household)
    session.flush()
    session.refresh(household)
    return household


def start_episode(session: Session, *, household: Household, since: date) -> Household:
    """The household lost its home on `since`: an `at_risk` household becomes `homeless`."""
    _refuse_if_closed(household)
    if household.homeless_since is None:
        household.homeless_since = since
    if household.status == HouseholdStatus.AT_RISK:
        return _set_status(session, household, HouseholdStatus.HOMELESS)
    return household


def mark_offered(session: Session, *, household: Household) -> Household:
    """An offer was made (Workflow). A placed household can be offered a better unit."""
    if household.status in (HouseholdStatus.OFFERED, HouseholdStatus.CLOSED):
        raise Conflict(f"Household {household.id} is {household.status}; it cannot be offered.")
    return _set_status(session, household, HouseholdStatus.OFFERED)


def mark_offered_many(
    session: Session, *, household_ids: Sequence[uuid.UUID]
) -> list[tuple[Household, str]]:
    """Offers were made to these households, all in one statement (a run's commit); returns
    each household with the status it had before. 409 when any cannot be offered."""
    session.flush()
    found = repository.get_many_for_update(session, household_ids)
    missing = set(household_ids) - {household.id for household in found}
    if missing:
        raise NotFound(f"Household {min(missing)} does not exist.")
    before = {household.id: household.status for household in found}
    for household in found:
        if household.status in (HouseholdStatus.OFFERED, HouseholdStatus.CLOSED):
            raise Conflict(f"Household {household.id} is {household.status}; it cannot be offered.")
    repository.set_status_many(session, household_ids, status=HouseholdStatus.OFFERED)
    fresh = repository.get_many_for_update(session, household_ids)
    return [(household, before[household.id]) for household in fresh]


def withdraw_offer(session: Session, *, household: Household) -> Household:
    """The offer was declined or expired: back to where the household was before it."""
    if household.status != HouseholdStatus.OFFERED:
        raise Conflict(f"Household {household.id} has no open offer.")
    in_own_unit = any(
        s.place_kind == PlaceKind.ONDERDAK_UNIT
        for s in repository.ongoing_stays(session, household_id=household.id)
    )
    if in_own_unit:
        status = HouseholdStatus.PLACED
    elif household.homeless_since is not None:
        status = HouseholdStatus.HOMELESS
    else:
        status = HouseholdStatus.AT_RISK
    return _set_status(session, household, status)


def place_in_unit(
    session: Session, *, household: Household, unit_id: uuid.UUID, move_in_on: date
) -> Stay:
    """An accepted offer: the household moves into a unit (Workflow). Ends the ongoing stay,
    starts the unit stay, starts the episode if it had not begun, and marks it `placed`."""
    _refuse_if_closed(household)
    stay = Stay(
        household_id=household.id,
        start_date=move_in_on,
        place_kind=PlaceKind.ONDERDAK_UNIT.value,
        unit_id=unit_id,
    )
    with _stays_never_overlap(
        session, household_id=household.id, start_date=move_in_on, end_date=None, stay_id=None
    ):
        for ongoing in repository.ongoing_stays(session, household_id=household.id):
            ongoing.end_date = max(move_in_on, ongoing.start_date)
        session.add(stay)
        session.flush()
    session.refresh(stay)
    if household.homeless_since is None:
        household.homeless_since = move_in_on
    _set_status(session, household, HouseholdStatus.PLACED)
    return stay


def close_case(
    session: Session, *, household: Household, reason: ClosedReason, closed_on: date | None
) -> Household:
    """A desk closes a case. An open offer holds a unit and a placement occupies one: closing
    around them would leave the unit taken by nobody, so they end through their own actions
    first (the workflow closes the case itself when a placement ends in a permanent home)."""
    if household.status == HouseholdStatus.OFFERED:
        raise Conflict(
            "The household has an open offer: decline it (e.g. `self_resolved`) before closing."
        )
    if household.status == HouseholdStatus.PLACED:
        raise Conflict(
            "The household lives in one of our units: end the placement (e.g. "
            "`moved_to_permanent_housing`) before closing."
        )
    return close_household(session, household=household, reason=reason, closed_on=closed_on)


def close_household(
    session: Session, *, household: Household, reason: ClosedReason, closed_on: date | None
) -> Household:
    """Close the case with a reason; ongoing stays end on the closing day."""
    _refuse_if_closed(household)
    closed_on = closed_on or today_amsterdam()
    if household.homeless_since is not None and closed_on < household.homeless_since:
        raise Invalid(
            "A case cannot close before its episode began.",
            errors=[FieldError(field="closed_on", message="before homeless_since")],
        )
    for ongoing in repository.ongoing_stays(session, household_id=household.id):
        ongoing.end_date = max(closed_on, ongoing.start_date)
    household.closed_reason = reason.value
    household.closed_on = closed_on
    return _set_status(session, household, HouseholdStatus.CLOSED)


# ---------------------------------------------------------------------------------------------
# Bulk import


def _fingerprint_of_input(data: HouseholdCreate) -> dict[str, Any]:
    """What a bulk row says about a household, comparable with `_fingerprint_of_stored`."""
    return {
        "adults": data.adults,
        "children": sorted(
            (
                c.birth_year,
                c.school or "",
                c.needs_wheelchair,
                c.needs_medical,
                c.school_trip_limit_km or 0.0,
            )
            for c in data.children
        ),
        "needs": (
            data.needs.min_bedrooms,
            data.needs.wheelchair,
            data.needs.ground_floor,
            data.needs.pets,
            data.needs.medical,
        ),
        "exclusions": sorted(
            (
                round(as_wgs84(e.location).lon, 6),
                round(as_wgs84(e.location).lat, 6),
                e.min_distance_m,
            )
            for e in data.safety_exclusions
        ),
        "homeless_since": data.homeless_since,
        "needed_from": data.needed_from,
        "expected_stay_days": data.expected_stay_days or DEFAULT_EXPECTED_STAY_DAYS,
    }


def _fingerprint_of_stored(session: Session, household: Household) -> dict[str, Any]:
    read = to_read(session, household)
    return {
        "adults": read.adults,
        "children": sorted(
            (
                c.birth_year,
                c.school or "",
                c.needs_wheelchair,
                c.needs_medical,
                c.school_trip_limit_km or 0.0,
            )
            for c in read.children
        ),
        "needs": (
            household.declared_min_bedrooms,
            read.needs.wheelchair,
            read.needs.ground_floor,
            read.needs.pets,
            read.needs.medical,
        ),
        "exclusions": sorted(
            (round(e.location.lon, 6), round(e.location.lat, 6), e.min_distance_m)
            for e in read.safety_exclusions
        ),
        "homeless_since": read.homeless_since,
        "needed_from": read.needed_from,
        "expected_stay_days": read.expected_stay_days,
    }


def import_households(
    session: Session,
    *,
    rows: list[dict[str, Any]],
    csv_rows: bool,
    partial: bool,
    principal: Principal = SYSTEM,
) -> BulkReport:
    """Register households from a list; a row already registered unchanged is `unchanged`
    (so re-sending a file is safe), one registered with other data is refused (use PATCH)."""

    def store(data: HouseholdCreate) -> RowOutcome:
        municipality_code = resolve_municipality(session, data.municipality, field="municipality")
        _check_may_register_in(principal, municipality_code)
        existing = repository.get_by_case_reference(
            session, municipality_code=municipality_code, case_reference=data.case_reference
        )
        if existing is None:
            register_household(session, data=data, principal=principal)
            return "created"
        if _fingerprint_of_stored(session, existing) == _fingerprint_of_input(data):
            return "unchanged"
        raise Conflict(
            f"Case reference {data.case_reference!r} is already registered in "
            f"{municipality_code} with other data; change it with PATCH.",
            errors=[FieldError(field="case_reference", message="registered with other data")],
        )

    if csv_rows:

        def store_csv(row: HouseholdCsvRow) -> RowOutcome:
            return store(row.to_create())

        return run_bulk(
            session, rows=rows, schema=HouseholdCsvRow, store=store_csv, partial=partial
        )
    return run_bulk(session, rows=rows, schema=HouseholdCreate, store=store, partial=partial)


# ---------------------------------------------------------------------------------------------
# Evictions


def eviction_to_read(eviction: Eviction) -> EvictionRead:
    return EvictionRead.model_validate(eviction)


def _check_executed_date(*, state: EvictionState, eviction_date: date) -> None:
    if state == EvictionState.EXECUTED and eviction_date > today_amsterdam():
        raise Invalid(
            "An executed eviction cannot lie in the future; record it as planned.",
            errors=[
                FieldError(field="eviction_date", message="in the future for an executed eviction")
            ],
        )


def record_eviction(session: Session, *, household: Household, data: EvictionCreate) -> Eviction:
    """Record a planned or executed eviction; an executed one starts the household's episode."""
    _refuse_if_closed(household)
    _check_executed_date(state=data.state, eviction_date=data.eviction_date)
    eviction = Eviction(
        household_id=household.id,
        eviction_date=data.eviction_date,
        state=data.state.value,
        reason=data.reason.value,
        landlord_type=data.landlord_type.value,
        children_involved=(
            data.children_involved
            if data.children_involved is not None
            else len(household.children)
        ),
    )
    session.add(eviction)
    session.flush()
    if data.state == EvictionState.EXECUTED:
        start_episode(session, household=household, since=data.eviction_date)
    session.refresh(eviction)
    return eviction


def get_eviction(session: Session, *, household: Household, eviction_id: uuid.UUID) -> Eviction:
    eviction = repository.get_eviction(session, eviction_id)
    if eviction is None or eviction.household_id != household.id:
        raise NotFound(f"Eviction {eviction_id} of household {household.id} does not exist.")
    return eviction


def update_eviction(
    session: Session, *, household: Household, eviction: Eviction, data: EvictionUpdate
) -> Eviction:
    _refuse_if_closed(household)
    was_executed = eviction.state == EvictionState.EXECUTED
    if data.state == EvictionState.PLANNED and was_executed:
        raise Conflict(
            "An executed eviction cannot go back to planned.",
            errors=[FieldError(field="state", message="executed → planned is not allowed")],
        )
    for field in ("eviction_date", "state", "reason", "landlord_type", "children_involved"):
        value = getattr(data, field)
        if value is not None:
            setattr(eviction, field, value.value if hasattr(value, "value") else value)
    state = EvictionState(eviction.state)
    _check_executed_date(state=state, eviction_date=eviction.eviction_date)
    session.flush()
    if state == EvictionState.EXECUTED and not was_executed:
        start_episode(session, household=household, since=eviction.eviction_date)
    session.refresh(eviction)
    return eviction


def list_evictions(
    session: Session,
    *,
    household: Household,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Eviction], str | None]:
    rows = repository.list_evictions(
        session, household_id=household.id, updated_since=updated_since, cursor=cursor, limit=limit
    )
    return next_cursor(rows, sort_attribute="eviction_date", limit=limit)


# ---------------------------------------------------------------------------------------------
# Stays


def stay_to_read(stay: Stay) -> StayRead:
    return StayRead.model_validate(stay)


@contextmanager
def _stays_never_overlap(
    session: Session,
    *,
    household_id: uuid.UUID,
    start_date: date,
    end_date: date | None,
    stay_id: uuid.UUID | None,
) -> Iterator[None]:
    """Make the stay changes inside in a savepoint: the database refuses overlapping stays,
    which becomes a 409 that leaves the session (and so the request) unchanged."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if STAY_OVERLAP_CONSTRAINT not in str(exc.orig):
            raise
        other = repository.overlapping_stay(
            session,
            household_id=household_id,
            start_date=start_date,
            end_date=end_date,
            except_id=stay_id,
        )
        where = (
            f"stay {other.id} ({other.start_date} – {other.end_date or 'ongoing'})"
            if other
            else "another stay"
        )
        raise Conflict(
            f"The stay overlaps {where} of this household. End that stay first "
            "(end dates are exclusive: moving on the same day is fine).",
            errors=[FieldError(field="start_date", message="overlaps another stay")],
        ) from exc


def _check_stay_dates(household: Household, *, start_date: date, end_date: date | None) -> None:
    errors = []
    if end_date is not None and end_date < start_date:
        errors.append(FieldError(field="end_date", message="before start_date"))
    if household.homeless_since is not None and start_date < household.homeless_since:
        errors.append(
            FieldError(
                field="start_date",
                message=f"before the episode began ({household.homeless_since}); "
                "correct homeless_since first",
            )
        )
    if errors:
        raise Invalid("The stay's dates are invalid.", errors=errors)


def record_stay(session: Session, *, household: Household, data: StayCreate) -> Stay:
    """Record where the household stays; for an `at_risk` household this starts its episode
    (the first night without a home of its own)."""
    _refuse_if_closed(household)
    _check_stay_dates(household, start_date=data.start_date, end_date=data.end_date)
    stay = Stay(
        household_id=household.id,
        start_date=data.start_date,
        end_date=data.end_date,
        place_kind=data.place_kind.value,
    )
    with _stays_never_overlap(
        session,
        household_id=household.id,
        start_date=data.start_date,
        end_date=data.end_date,
        stay_id=None,
    ):
        session.add(stay)
        session.flush()
    session.refresh(stay)
    start_episode(session, household=household, since=data.start_date)
    return stay


def get_stay(session: Session, *, household: Household, stay_id: uuid.UUID) -> Stay:
    stay = repository.get_stay(session, stay_id)
    if stay is None or stay.household_id != household.id:
        raise NotFound(f"Stay {stay_id} of household {household.id} does not exist.")
    return stay


def update_stay(session: Session, *, household: Household, stay: Stay, data: StayUpdate) -> Stay:
    _refuse_if_closed(household)
    if stay.place_kind == PlaceKind.ONDERDAK_UNIT:
        raise Conflict("Stays in Onderdak units change through offers and placements only.")
    changes = data.model_dump(exclude_unset=True)
    start_date = data.start_date or stay.start_date
    end_date = changes.get("end_date", stay.end_date)
    _check_stay_dates(household, start_date=start_date, end_date=end_date)
    with _stays_never_overlap(
        session,
        household_id=household.id,
        start_date=start_date,
        end_date=end_date,
        stay_id=stay.id,
    ):
        stay.start_date = start_date
        stay.end_date = end_date
        if data.place_kind is not None:
            stay.place_kind = data.place_kind.value
        session.flush()
    session.refresh(stay)
    return stay


def list_stays(
    session: Session,
    *,
    household: Household,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Stay], str | None]:
    rows = repository.list_stays(
        session, household_id=household.id, updated_since=updated_since, cursor=cursor, limit=limit
    )
    return next_cursor(rows, sort_attribute="start_date", limit=limit)
