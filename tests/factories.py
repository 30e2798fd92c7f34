"""Small keyword-only factories that build records through the service layer."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from service.households import service as households
from service.households.models import Eviction, Household
from service.households.schemas import EvictionCreate, HouseholdCreate
from service.reference import repository as reference_repository
from service.reference import service as reference_service
from service.reference.models import Corporation, Municipality
from service.reference.schemas import CorporationCreate, CorporationUpdate, MunicipalityCreate
from service.schools import service as schools
from service.schools.models import School
from service.schools.schemas import SchoolCreate
from service.units import service as units
from service.units.models import Unit, UnitStatus
from service.units.schemas import UnitCreate

AMSTERDAM = "GM0363"
AMSTERDAM_CENTRE = (4.8952, 52.3702)


def make_municipality(
    session: Session,
    *,
    code: str = AMSTERDAM,
    name: str = "Amsterdam",
    region: str | None = "Amsterdam",
    merged_into: str | None = None,
) -> Municipality:
    existing = session.get(Municipality, code)
    if existing is not None:
        return existing
    return reference_service.create_municipality(
        session,
        data=MunicipalityCreate(code=code, name=name, region=region, merged_into=merged_into),
    )


def make_corporation(
    session: Session,
    *,
    code: str = "ymere",
    name: str = "Ymere",
    municipalities: list[str] | None = None,
) -> Corporation:
    for municipality in municipalities or [AMSTERDAM]:
        make_municipality(session, code=municipality, name=f"Gemeente {municipality}")
    return reference_service.create_corporation(
        session,
        data=CorporationCreate(code=code, name=name, municipalities=municipalities or [AMSTERDAM]),
    )


def make_school(
    session: Session,
    *,
    brin_code: str = "00AB01",
    name: str = "De Regenboog",
    level: str = "primary",
    municipality: str = AMSTERDAM,
    lon: float = AMSTERDAM_CENTRE[0],
    lat: float = AMSTERDAM_CENTRE[1],
) -> School:
    make_municipality(session, code=municipality, name=f"Gemeente {municipality}")
    return schools.create_school(
        session,
        data=SchoolCreate.model_validate(
            {
                "brin_code": brin_code,
                "name": name,
                "level": level,
                "municipality": municipality,
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ),
    )


def make_unit(
    session: Session,
    *,
    corporation: str = "ymere",
    reference: str = "U-1",
    kind: str = "emergency",
    municipality: str = AMSTERDAM,
    lon: float = AMSTERDAM_CENTRE[0],
    lat: float = AMSTERDAM_CENTRE[1],
    postcode: str = "1012 AB",
    bedrooms: int = 2,
    max_occupants: int = 4,
    wheelchair_accessible: bool = False,
    ground_floor: bool = False,
    pets_allowed: bool = False,
    available_from: date = date(2026, 1, 1),
    available_until: date | None = None,
    max_stay_days: int | None = None,
    rent_cents: int = 65_000,
    status: str = "available",
) -> Unit:
    """A unit of `corporation` (created, or extended, to serve `municipality`); a `status` other
    than available is reached through the status functions, as offers reach it."""
    existing = reference_repository.get_corporation_by_code(session, corporation)
    if existing is None:
        make_corporation(session, code=corporation, name=corporation, municipalities=[municipality])
    elif municipality not in {m.code for m in existing.municipalities}:
        make_municipality(session, code=municipality, name=f"Gemeente {municipality}")
        served = [m.code for m in existing.municipalities] + [municipality]
        reference_service.update_corporation(
            session, code=corporation, data=CorporationUpdate(municipalities=served)
        )
    unit = units.create_unit(
        session,
        data=UnitCreate.model_validate(
            {
                "corporation": corporation,
                "reference": reference,
                "kind": kind,
                "address": {
                    "street": "Damrak",
                    "house_number": "1",
                    "postcode": postcode,
                    "city": "Amsterdam",
                },
                "municipality": municipality,
                "location": {"type": "Point", "coordinates": [lon, lat]},
                "bedrooms": bedrooms,
                "max_occupants": max_occupants,
                "wheelchair_accessible": wheelchair_accessible,
                "ground_floor": ground_floor,
                "pets_allowed": pets_allowed,
                "available_from": available_from,
                "available_until": available_until,
                "max_stay_days": max_stay_days,
                "rent_cents": rent_cents,
            }
        ),
    )
    if status in (UnitStatus.RESERVED, UnitStatus.OCCUPIED):
        unit = units.reserve_unit(session, unit_id=unit.id)
    if status == UnitStatus.OCCUPIED:
        unit = units.occupy_unit(session, unit_id=unit.id)
    if status == UnitStatus.WITHDRAWN:
        unit = units.withdraw_unit(session, unit=unit)
    return unit


def make_household(
    session: Session,
    *,
    case_reference: str = "2026-0001",
    municipality: str = AMSTERDAM,
    adults: int = 2,
    children: list[dict[str, Any]] | None = None,
    homeless_since: date | None = None,
    needed_from: date = date(2026, 1, 1),
    **fields: Any,
) -> Household:
    """A household registered through the service (`at_risk` unless `homeless_since`)."""
    make_municipality(session, code=municipality, name=f"Gemeente {municipality}")
    return households.register_household(
        session,
        data=HouseholdCreate.model_validate(
            {
                "case_reference": case_reference,
                "municipality": municipality,
                "adults": adults,
                "children": children or [],
                "homeless_since": homeless_since,
                "needed_from": needed_from,
                **fields,
            }
        ),
    )


def make_eviction(
    session: Session,
    *,
    household: Household,
    eviction_date: date,
    state: str = "executed",
    reason: str = "rent_arrears",
    landlord_type: str = "social",
    children_involved: int | None = None,
) -> Eviction:
    """An eviction recorded through the service (executed: starts the household's episode)."""
    return households.record_eviction(
        session,
        household=household,
        data=EvictionCreate.model_validate(
            {
                "eviction_date": eviction_date,
                "state": state,
                "reason": reason,
                "landlord_type": landlord_type,
                "children_involved": children_involved,
            }
        ),
    )
