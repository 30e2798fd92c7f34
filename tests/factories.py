"""Small keyword-only factories that build records through the service layer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.reference import service as reference
from service.reference.models import Corporation, Municipality
from service.reference.schemas import CorporationCreate, MunicipalityCreate
from service.schools import service as schools
from service.schools.models import School
from service.schools.schemas import SchoolCreate

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
    return reference.create_municipality(
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
    return reference.create_corporation(
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
