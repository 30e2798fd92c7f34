"""Units: emergency and transitional homes that corporations post and keep in sync.

The status moves by hand only between `available` and `withdrawn`; `reserved` and `occupied`
belong to offers and placements, which call `reserve_unit`, `occupy_unit` and `release_unit`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from geoalchemy2.shape import to_shape
from pydantic import ValidationError
from sqlalchemy.orm import Session

from service.auth.principal import SYSTEM, Principal
from service.core.bulk import BulkReport, RowOutcome, run_bulk
from service.core.concurrency import check_if_match
from service.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
)
from service.core.geo import GeoJSONPoint, from_db, to_db
from service.core.pagination import next_cursor
from service.reference.models import Corporation
from service.reference.repository import get_corporation_by_code
from service.reference.service import resolve_municipality
from service.units import repository
from service.units.models import Unit, UnitKind, UnitStatus
from service.units.repository import NearFilter, UnitFilters
from service.units.schemas import (
    AddressRead,
    UnitCreate,
    UnitCsvRow,
    UnitFields,
    UnitRead,
    UnitSort,
    UnitUpdate,
    UnitUpsert,
)

# Stored points are compared at about a centimetre: a re-sync of the same point is no change.
SAME_POINT_DEGREES = 1e-7


def to_read(unit: Unit) -> UnitRead:
    return UnitRead(
        id=unit.id,
        corporation=unit.corporation.code,
        reference=unit.reference,
        kind=UnitKind(unit.kind),
        address=AddressRead(
            street=unit.street,
            house_number=unit.house_number,
            postcode=unit.postcode,
            city=unit.city,
        ),
        municipality=unit.municipality_code,
        location=from_db(unit.location),
        bedrooms=unit.bedrooms,
        max_occupants=unit.max_occupants,
        wheelchair_accessible=unit.wheelchair_accessible,
        ground_floor=unit.ground_floor,
        pets_allowed=unit.pets_allowed,
        available_from=unit.available_from,
        available_until=unit.available_until,
        max_stay_days=unit.max_stay_days,
        rent_cents=unit.rent_cents,
        status=UnitStatus(unit.status),
        created_at=unit.created_at,
        updated_at=unit.updated_at,
    )


# --- references and rules -------------------------------------------------------------------


def get_own_corporation(session: Session, *, principal: Principal, code: str) -> Corporation:
    return _own_corporation(session, principal, code)


def get_corporation(session: Session, *, code: str) -> Corporation:
    """The corporation in a URL (404 when unknown)."""
    corporation = get_corporation_by_code(session, code)
    if corporation is None:
        raise NotFound(f"Corporation {code} does not exist.")
    return corporation


def _corporation_field(session: Session, code: str) -> Corporation:
    """The corporation named in a body or filter (a field error when unknown)."""
    corporation = get_corporation_by_code(session, code)
    if corporation is None:
        raise Invalid(
            f"Corporation {code!r} does not exist.",
            errors=[FieldError(field="corporation", message=f"unknown corporation {code!r}")],
        )
    return corporation


def _served_municipality(session: Session, *, corporation: Corporation, code: str) -> str:
    """The current code of `code`, which must be a municipality the corporation serves."""
    municipality_code = resolve_municipality(session, code, field="municipality")
    # Served codes are resolved too: a municipality may have merged since the list was set.
    served = sorted({resolve_municipality(session, m.code) for m in corporation.municipalities})
    if municipality_code not in served:
        serves = ", ".join(served) if served else "no municipality yet"
        raise Invalid(
            f"Corporation {corporation.code} does not post units in {municipality_code}.",
            errors=[
                FieldError(
                    field="municipality",
                    message=f"{municipality_code} is not served by {corporation.code} "
                    f"(it serves {serves})",
                )
            ],
        )
    return municipality_code


def _check_window(*, available_from: date, available_until: date | None, until_given: bool) -> None:
    """A PATCH may move one end past the other (the schema checks a body's own pair)."""
    if available_until is not None and available_until < available_from:
        field = "available_until" if until_given else "available_from"
        raise Invalid(
            "A unit cannot become unavailable before it becomes available.",
            errors=[
                FieldError(
                    field=field,
                    message=f"available_until ({available_until}) lies before "
                    f"available_from ({available_from})",
                )
            ],
        )


def _ensure_reference_free(
    session: Session, *, corporation: Corporation, reference: str, unit_id: uuid.UUID | None
) -> None:
    existing = repository.get_by_reference(
        session, corporation_id=corporation.id, reference=reference
    )
    if existing is not None and existing.id != unit_id:
        raise Conflict(
            f"Corporation {corporation.code} already has a unit with reference {reference!r}.",
            extensions={"existing_id": str(existing.id)},
        )


def _columns(session: Session, *, corporation: Corporation, data: UnitFields) -> dict[str, Any]:
    """The column values a full description of a unit stands for."""
    return {
        "kind": data.kind.value,
        "street": data.address.street,
        "house_number": data.address.house_number,
        "postcode": data.address.postcode,
        "city": data.address.city,
        "municipality_code": _served_municipality(
            session, corporation=corporation, code=data.municipality
        ),
        "location": to_db(data.location),
        "bedrooms": data.bedrooms,
        "max_occupants": data.max_occupants,
        "wheelchair_accessible": data.wheelchair_accessible,
        "ground_floor": data.ground_floor,
        "pets_allowed": data.pets_allowed,
        "available_from": data.available_from,
        "available_until": data.available_until,
        "max_stay_days": data.max_stay_days,
        "rent_cents": data.rent_cents,
    }


def _same_point(stored: Any, given: Any) -> bool:
    return bool(to_shape(stored).equals_exact(to_shape(given), SAME_POINT_DEGREES))


def _apply(unit: Unit, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did. Equal values are left untouched, so an
    unchanged sync writes nothing (no new version, no new updated_at)."""
    changed = False
    for name, value in values.items():
        current = getattr(unit, name)
        same = _same_point(current, value) if name == "location" else current == value
        if not same:
            setattr(unit, name, value)
            changed = True
    return changed


def _flush(session: Session, unit: Unit) -> Unit:
    session.flush()
    # Server-side values (timestamps) and the bumped version come back with the refresh.
    session.refresh(unit)
    return unit


# --- create, read, change ---------------------------------------------------------------------


# --- tenancy ----------------------------------------------------------------------------------


def sees_unit(principal: Principal, unit: Unit) -> bool:
    """Admins see every unit, a corporation its own, a desk those in its municipalities."""
    if principal.is_admin:
        return True
    if principal.corporation_id is not None:
        return unit.corporation_id == principal.corporation_id
    return unit.municipality_code in principal.municipalities


def check_may_post_units(principal: Principal) -> None:
    """Only corporations (their people and integrations) and admins post and change units."""
    if not principal.is_admin and principal.corporation_id is None:
        raise Forbidden("Only a housing corporation posts and changes units.")


def _own_corporation(session: Session, principal: Principal, code: str) -> Corporation:
    """The corporation in a path, 404 when it is not the caller's (never reveal others)."""
    check_may_post_units(principal)
    corporation = get_corporation(session, code=code)
    if not principal.sees_corporation(corporation.id):
        raise NotFound(f"Corporation {code} does not exist.")
    return corporation


def get_visible_unit(
    session: Session, *, principal: Principal, unit_id: uuid.UUID, for_update: bool = False
) -> Unit:
    unit = repository.get(session, unit_id, for_update=for_update)
    if unit is None or not sees_unit(principal, unit):
        raise NotFound(f"Unit {unit_id} does not exist.")
    return unit


def get_own_unit(
    session: Session, *, principal: Principal, unit_id: uuid.UUID, for_update: bool = False
) -> Unit:
    """A unit the caller may change: its corporation's own (404 otherwise)."""
    check_may_post_units(principal)
    unit = repository.get(session, unit_id, for_update=for_update)
    if unit is None or not principal.sees_corporation(unit.corporation_id):
        raise NotFound(f"Unit {unit_id} does not exist.")
    return unit


def create_unit(session: Session, *, data: UnitCreate, principal: Principal = SYSTEM) -> Unit:
    """A new unit, `available`; 409 when the corporation already uses the reference."""
    check_may_post_units(principal)
    corporation = _corporation_field(session, data.corporation)
    if not principal.sees_corporation(corporation.id):
        raise Forbidden("A corporation posts units only for itself.")
    repository.lock_references(session, corporation_id=corporation.id)
    _ensure_reference_free(session, corporation=corporation, reference=data.reference, unit_id=None)
    return _create(session, corporation=corporation, reference=data.reference, data=data)


def _create(
    session: Session, *, corporation: Corporation, reference: str, data: UnitFields
) -> Unit:
    unit = Unit(
        corporation_id=corporation.id,
        reference=reference,
        status=UnitStatus.AVAILABLE.value,
        **_columns(session, corporation=corporation, data=data),
    )
    session.add(unit)
    return _flush(session, unit)


def get_unit(session: Session, *, unit_id: uuid.UUID, for_update: bool = False) -> Unit:
    """A unit by id (404 when unknown); `for_update` locks it for a change."""
    unit = repository.get(session, unit_id, for_update=for_update)
    if unit is None:
        raise NotFound(f"Unit {unit_id} does not exist.")
    return unit


def get_unit_by_reference(
    session: Session,
    *,
    corporation_code: str,
    reference: str,
    for_update: bool = False,
    principal: Principal = SYSTEM,
) -> Unit:
    corporation = _own_corporation(session, principal, corporation_code)
    unit = repository.get_by_reference(
        session, corporation_id=corporation.id, reference=reference, for_update=for_update
    )
    if unit is None:
        raise NotFound(f"Corporation {corporation_code} has no unit {reference!r}.")
    return unit


def update_unit(session: Session, *, unit: Unit, data: UnitUpdate) -> Unit:
    """Change the fields that were sent; the status is not one of them."""
    given = data.model_fields_set
    values: dict[str, Any] = {}
    if data.reference is not None and data.reference != unit.reference:
        repository.lock_references(session, corporation_id=unit.corporation_id)
        _ensure_reference_free(
            session, corporation=unit.corporation, reference=data.reference, unit_id=unit.id
        )
        values["reference"] = data.reference
    if data.address is not None:
        values |= {
            "street": data.address.street,
            "house_number": data.address.house_number,
            "postcode": data.address.postcode,
            "city": data.address.city,
        }
    if data.municipality is not None:
        values["municipality_code"] = _served_municipality(
            session, corporation=unit.corporation, code=data.municipality
        )
    if data.location is not None:
        values["location"] = to_db(data.location)
    if data.kind is not None:
        values["kind"] = data.kind.value
    for name in (
        "bedrooms",
        "max_occupants",
        "wheelchair_accessible",
        "ground_floor",
        "pets_allowed",
        "available_from",
        "rent_cents",
    ):
        if getattr(data, name) is not None:
            values[name] = getattr(data, name)
    # These two may be cleared: null means "no end" and "no maximum".
    for name in ("available_until", "max_stay_days"):
        if name in given:
            values[name] = getattr(data, name)
    _check_window(
        available_from=values.get("available_from", unit.available_from),
        available_until=values.get("available_until", unit.available_until),
        until_given="available_until" in given,
    )
    if not _apply(unit, values):
        return unit
    return _flush(session, unit)


def upsert_unit(
    session: Session,
    *,
    corporation_code: str,
    reference: str,
    data: UnitUpsert,
    if_match: str | None = None,
    principal: Principal = SYSTEM,
) -> tuple[Unit, RowOutcome]:
    """Create or replace the corporation's unit `reference`; the same body twice changes nothing.

    With `if_match`, the unit must exist at that version (412 otherwise).
    """
    corporation = _own_corporation(session, principal, corporation_code)
    return _upsert(
        session, corporation=corporation, reference=reference, data=data, if_match=if_match
    )


def _upsert(
    session: Session,
    *,
    corporation: Corporation,
    reference: str,
    data: UnitUpsert,
    if_match: str | None,
) -> tuple[Unit, RowOutcome]:
    repository.lock_references(session, corporation_id=corporation.id)
    existing = repository.get_by_reference(
        session, corporation_id=corporation.id, reference=reference, for_update=True
    )
    if existing is None:
        if if_match is not None:
            raise PreconditionFailed(
                f"If-Match was sent, but corporation {corporation.code} has no unit "
                f"{reference!r} yet; leave If-Match out to create it."
            )
        return _create(session, corporation=corporation, reference=reference, data=data), "created"
    check_if_match(if_match, existing)
    if not _apply(existing, _columns(session, corporation=corporation, data=data)):
        return existing, "unchanged"
    return _flush(session, existing), "updated"


def import_units(
    session: Session, *, corporation: Corporation, rows: list[dict[str, Any]], partial: bool
) -> BulkReport:
    """Upsert a corporation's units by reference from a JSON array or CSV file.

    Uploading the same list again changes nothing. A reference given twice in one upload is an
    error on its later row, since which of the two is meant cannot be known.
    """
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        reference = raw.get("reference")
        if isinstance(reference, str):
            first_row.setdefault(reference.strip(), number)
    stored: set[str] = set()

    def store(row: UnitCsvRow) -> RowOutcome:
        if row.reference in stored:
            raise Invalid(
                f"Reference {row.reference!r} appears more than once in this upload.",
                errors=[
                    FieldError(
                        field="reference",
                        message=f"{row.reference!r} was already given in row "
                        f"{first_row.get(row.reference, '?')}",
                    )
                ],
            )
        data = row.to_upsert()
        _, outcome = _upsert(
            session, corporation=corporation, reference=row.reference, data=data, if_match=None
        )
        stored.add(row.reference)
        return outcome

    return run_bulk(session, rows=rows, schema=UnitCsvRow, store=store, partial=partial)


# --- lists ------------------------------------------------------------------------------------

_NEAR = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def near_filter(near: str | None, within_km: float | None) -> NearFilter | None:
    """`near=lon,lat` with `within_km`: both or neither, the point inside the Netherlands."""
    if near is None and within_km is None:
        return None
    if near is None or within_km is None:
        missing, given = ("within_km", "near") if within_km is None else ("near", "within_km")
        raise Invalid(
            "near and within_km go together.",
            errors=[FieldError(field=missing, message=f"required when {given} is given")],
        )
    match = _NEAR.match(near)
    if match is None:
        raise Invalid(
            "near must be `lon,lat` in WGS84 degrees.",
            errors=[FieldError(field="near", message="expected `lon,lat`, e.g. `4.8952,52.3702`")],
        )
    lon, lat = float(match[1]), float(match[2])
    try:
        GeoJSONPoint(type="Point", coordinates=(lon, lat))
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise Invalid(
            "near lies outside the Netherlands.", errors=[FieldError(field="near", message=message)]
        ) from exc
    return NearFilter(lon=lon, lat=lat, within_km=within_km)


def list_units(
    session: Session,
    *,
    municipality: str | None = None,
    corporation: str | None = None,
    kind: UnitKind | None = None,
    status: UnitStatus | None = None,
    available_on: date | None = None,
    near: NearFilter | None = None,
    updated_since: datetime | None = None,
    sort: UnitSort = UnitSort.CREATED_AT,
    cursor: str | None = None,
    limit: int = 100,
    principal: Principal = SYSTEM,
) -> tuple[Sequence[Unit], str | None]:
    own_corporation = None if principal.is_admin else principal.corporation_id
    filters = UnitFilters(
        visible_municipality_codes=(
            None if principal.is_admin or own_corporation else principal.municipalities
        ),
        visible_corporation_id=own_corporation,
        municipality_code=resolve_municipality(session, municipality) if municipality else None,
        corporation_id=_corporation_field(session, corporation).id if corporation else None,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        available_on=available_on,
        near=near,
        updated_since=updated_since,
    )
    rows = repository.list_page(
        session,
        filters=filters,
        sort_column=sort.column,
        descending=sort.descending,
        order=sort.value,
        cursor=cursor,
        limit=limit,
    )
    return next_cursor(rows, sort_attribute=sort.column, limit=limit, order=sort.value)


# --- status -----------------------------------------------------------------------------------


def _move(
    session: Session, unit: Unit, *, to: UnitStatus, allowed_from: set[UnitStatus], why: str
) -> Unit:
    current = UnitStatus(unit.status)
    if current == to:
        return unit
    if current not in allowed_from:
        raise Conflict(
            f"Unit {unit.id} is {current.value}; {why}",
            extensions={"unit_status": current.value},
        )
    unit.status = to.value
    return _flush(session, unit)


def withdraw_unit(session: Session, *, unit: Unit) -> Unit:
    """Take an available unit off the market (records are never deleted); again is a no-op."""
    return _move(
        session,
        unit,
        to=UnitStatus.WITHDRAWN,
        allowed_from={UnitStatus.AVAILABLE},
        why="only an available unit can be withdrawn (an offer or a stay holds this one).",
    )


def reinstate_unit(session: Session, *, unit: Unit) -> Unit:
    """Put a withdrawn unit back on the market; an available one stays as it is."""
    return _move(
        session,
        unit,
        to=UnitStatus.AVAILABLE,
        allowed_from={UnitStatus.WITHDRAWN},
        why="only a withdrawn unit can be reinstated.",
    )


def _workflow_move(
    session: Session, *, unit_id: uuid.UUID, to: UnitStatus, allowed_from: set[UnitStatus]
) -> Unit:
    # Locked, so two offers never reserve one unit; unlike the hand actions, repeating a move
    # is refused: an offer that finds its unit already reserved must not assume it holds it.
    unit = get_unit(session, unit_id=unit_id, for_update=True)
    current = UnitStatus(unit.status)
    if current not in allowed_from:
        expected = " or ".join(sorted(s.value for s in allowed_from))
        raise Conflict(
            f"Unit {unit.id} is {current.value}; it must be {expected} to become {to.value}.",
            extensions={"unit_status": current.value},
        )
    unit.status = to.value
    return _flush(session, unit)


def reserve_units(session: Session, *, unit_ids: Sequence[uuid.UUID]) -> list[Unit]:
    """Offers hold these units: each available → reserved, all in one statement (409 when any
    is not available, 404 when any is unknown). For committing a run's many offers at once."""
    session.flush()
    found = repository.get_many_for_update(session, unit_ids)
    missing = set(unit_ids) - {unit.id for unit in found}
    if missing:
        raise NotFound(f"Unit {min(missing)} does not exist.")
    for unit in found:
        if unit.status != UnitStatus.AVAILABLE.value:
            raise Conflict(
                f"Unit {unit.id} is {unit.status}; it must be available to become reserved.",
                extensions={"unit_status": unit.status},
            )
    repository.set_status_many(session, unit_ids, status=UnitStatus.RESERVED.value)
    return repository.get_many_for_update(session, unit_ids)


def reserve_unit(session: Session, *, unit_id: uuid.UUID) -> Unit:
    """An offer holds the unit: available → reserved (409 from any other status)."""
    return _workflow_move(
        session, unit_id=unit_id, to=UnitStatus.RESERVED, allowed_from={UnitStatus.AVAILABLE}
    )


def occupy_unit(session: Session, *, unit_id: uuid.UUID) -> Unit:
    """The offer was accepted and the stay begins: reserved → occupied."""
    return _workflow_move(
        session, unit_id=unit_id, to=UnitStatus.OCCUPIED, allowed_from={UnitStatus.RESERVED}
    )


def release_unit(session: Session, *, unit_id: uuid.UUID) -> Unit:
    """The offer was declined or expired, or the stay ended: reserved/occupied → available."""
    return _workflow_move(
        session,
        unit_id=unit_id,
        to=UnitStatus.AVAILABLE,
        allowed_from={UnitStatus.RESERVED, UnitStatus.OCCUPIED},
    )
