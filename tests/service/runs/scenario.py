"""A small Amsterdam scenario shared by the workflow tests: schools, units, households."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.core.time import today_amsterdam
from service.households.models import Household
from service.schools import repository as schools_repository
from service.units.models import Unit
from tests.factories import AMSTERDAM, make_household, make_school, make_unit

# About 1 km east of the school; about 25 km north (beyond the 15 km primary limit).
NEAR = (4.9100, 52.3702)
FAR = (4.9000, 52.6000)
UTRECHT = "GM0344"


def homeless_family(
    session: Session,
    *,
    case_reference: str,
    days_waiting: int = 100,
    children: int = 2,
    municipality: str = AMSTERDAM,
    adults: int = 2,
) -> Household:
    if schools_repository.get_by_brin(session, "00AB01") is None:
        make_school(session, brin_code="00AB01")
    return make_household(
        session,
        case_reference=case_reference,
        municipality=municipality,
        adults=adults,
        children=[{"birth_year": 2016, "school": "00AB01"} for _ in range(children)],
        homeless_since=today_amsterdam() - timedelta(days=days_waiting),
        needed_from=date(2026, 1, 1),
    )


def unit_at(
    session: Session,
    *,
    reference: str,
    lon_lat: tuple[float, float] = NEAR,
    kind: str = "emergency",
    bedrooms: int = 2,
    max_occupants: int = 5,
    municipality: str = AMSTERDAM,
    corporation: str = "ymere",
) -> Unit:
    return make_unit(
        session,
        corporation=corporation,
        reference=reference,
        kind=kind,
        lon=lon_lat[0],
        lat=lon_lat[1],
        bedrooms=bedrooms,
        max_occupants=max_occupants,
        municipality=municipality,
        available_from=date(2025, 1, 1),
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_building_cap(client: TestClient, *, policy: str, max_households: int) -> None:
    """A new version of `policy` that places at most `max_households` households per building."""
    created = client.post(
        "/v1/policies",
        json={
            "name": policy,
            "parameters": {
                "placement_caps": [{"scope": "building", "max_households": max_households}]
            },
        },
    )
    assert created.status_code == 201, created.text
