"""A seeded, realistic demo region: four municipalities of the Amsterdam housing region.

No real personal data. Households live near their children's schools; evictions follow the
Dutch mix of reasons (mostly rent arrears) over the past two years; episodes of temporary housing
run from days to about three years; units from three corporations are spread over the region.
Loaded through the service layer, idempotently: a second load adds nothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.households import service as households
from service.households.models import Household
from service.households.schemas import EvictionCreate, HouseholdCreate, StayCreate
from service.reference import repository as reference_repository
from service.reference import service as reference
from service.reference.models import Municipality
from service.reference.schemas import CorporationCreate, MunicipalityCreate
from service.schools import repository as schools_repository
from service.schools import service as schools
from service.schools.models import School
from service.schools.schemas import SchoolCreate
from service.units import service as units
from service.units.schemas import UnitUpsert

REGION = "Amsterdam"


@dataclass(frozen=True)
class DemoMunicipality:
    code: str
    name: str
    lon: float
    lat: float
    spread_km: float
    # Share of the region's households and units.
    weight: float
    postcode_prefix: int


MUNICIPALITIES = (
    DemoMunicipality("GM0363", "Amsterdam", 4.9041, 52.3676, 5.5, 0.55, 1011),
    DemoMunicipality("GM0479", "Zaanstad", 4.8292, 52.4420, 3.5, 0.20, 1501),
    DemoMunicipality("GM0362", "Amstelveen", 4.8701, 52.3114, 2.5, 0.15, 1181),
    DemoMunicipality("GM0384", "Diemen", 4.9626, 52.3391, 1.2, 0.10, 1111),
)
CORPORATIONS = (
    ("ymere", "Ymere", ("GM0363", "GM0362", "GM0384")),
    ("eigen-haard", "Eigen Haard", ("GM0363", "GM0362")),
    ("parteon", "Parteon", ("GM0479", "GM0363")),
)
STREETS = ("Dorpsstraat", "Kerkstraat", "Molenweg", "Parklaan", "Schoolstraat", "Havenstraat")
# CBS/AEDES: most evictions from social housing are for rent arrears.
EVICTION_REASONS = (
    ("rent_arrears", 0.78),
    ("nuisance", 0.11),
    ("drugs_crime", 0.08),
    ("other", 0.03),
)
EXTERNAL_PLACES = ("family_or_friends", "shelter", "hotel", "holiday_park", "other")


@dataclass(frozen=True)
class DemoCounts:
    municipalities: int = 4
    schools: int = 40
    households: int = 300
    units: int = 250


def _point_near(rng: random.Random, *, lon: float, lat: float, spread_km: float) -> list[float]:
    distance_km = abs(rng.gauss(0, spread_km / 1.6))
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance_km * math.cos(bearing) / 111.2
    dlon = distance_km * math.sin(bearing) / (111.2 * math.cos(math.radians(lat)))
    return [round(lon + dlon, 6), round(lat + dlat, 6)]


def _pick_municipality(rng: random.Random) -> DemoMunicipality:
    return rng.choices(MUNICIPALITIES, weights=[m.weight for m in MUNICIPALITIES])[0]


def _location(point: list[float]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": point}


def _load_reference(session: Session) -> None:
    for m in MUNICIPALITIES:
        if session.get(Municipality, m.code) is None:
            reference.create_municipality(
                session, data=MunicipalityCreate(code=m.code, name=m.name, region=REGION)
            )
    for code, name, served in CORPORATIONS:
        if reference_repository.get_corporation_by_code(session, code) is None:
            reference.create_corporation(
                session,
                data=CorporationCreate(code=code, name=name, municipalities=list(served)),
            )


def _load_schools(session: Session, *, seed: int, count: int) -> list[School]:
    levels = ["primary"] * 26 + ["secondary"] * 10 + ["special"] * 4
    loaded = []
    for number in range(count):
        rng = random.Random(f"{seed}-school-{number}")
        brin = f"{number // 26 + 10:02d}{chr(65 + number % 26)}X01"
        existing = schools_repository.get_by_brin(session, brin)
        municipality = _pick_municipality(rng)
        point = _point_near(
            rng, lon=municipality.lon, lat=municipality.lat, spread_km=municipality.spread_km
        )
        level = levels[number * len(levels) // count]
        if existing is not None:
            loaded.append(existing)
            continue
        loaded.append(
            schools.create_school(
                session,
                data=SchoolCreate.model_validate(
                    {
                        "brin_code": brin,
                        "name": f"{municipality.name} {level} school {number + 1}",
                        "level": level,
                        "municipality": municipality.code,
                        "location": _location(point),
                    }
                ),
            )
        )
    return loaded


def _school_for(rng: random.Random, schools_by_level: dict[str, list[School]], age: int) -> School:
    if rng.random() < 0.06 and schools_by_level["special"]:
        return rng.choice(schools_by_level["special"])
    level = "primary" if age < 12 else "secondary"
    return rng.choice(schools_by_level[level])


def _load_households(
    session: Session, *, seed: int, count: int, all_schools: list[School], today: date
) -> int:
    school: School | None
    schools_by_level: dict[str, list[School]] = {"primary": [], "secondary": [], "special": []}
    for school in all_schools:
        schools_by_level[school.level].append(school)
    created = 0
    for number in range(count):
        # One generator per record: a record comes out the same whatever was loaded before.
        rng = random.Random(f"{seed}-household-{number}")
        municipality = _pick_municipality(rng)
        case_reference = f"DEMO-{number + 1:04d}"
        with_children = rng.random() < 0.5
        adults = 1 if (with_children and rng.random() < 0.55) else rng.choice((1, 1, 2))
        children = []
        if with_children:
            for _ in range(rng.choices((1, 2, 3, 4), weights=(40, 35, 18, 7))[0]):
                age = rng.randint(1, 17)
                # Children under four have no school yet.
                school = _school_for(rng, schools_by_level, age) if age >= 4 else None
                children.append(
                    {
                        "birth_year": today.year - age,
                        "school": school.brin_code if school else None,
                        "needs_wheelchair": rng.random() < 0.02,
                    }
                )
        # Episodes from days to about three years; a share is still only at risk.
        at_risk = rng.random() < 0.15
        episode_days = int(min(1100, rng.expovariate(1 / 220))) + 3
        homeless_since = None if at_risk else today - timedelta(days=episode_days)
        needs = {
            "wheelchair": rng.random() < 0.03,
            "ground_floor": rng.random() < 0.06,
            "pets": rng.random() < 0.12,
        }
        data = HouseholdCreate.model_validate(
            {
                "case_reference": case_reference,
                "municipality": municipality.code,
                "adults": adults,
                "children": children,
                "needs": needs,
                "homeless_since": None,
                "needed_from": (
                    today + timedelta(days=rng.randint(7, 60)) if at_risk else today
                ).isoformat(),
                "expected_stay_days": rng.choice((90, 180, 180, 365)),
            }
        )
        existing = session.scalars(
            select(Household).where(
                Household.municipality_code == municipality.code,
                Household.case_reference == case_reference,
            )
        ).one_or_none()
        if existing is not None:
            continue
        household = households.register_household(session, data=data)
        created += 1
        reason = rng.choices(
            [r for r, _ in EVICTION_REASONS], weights=[w for _, w in EVICTION_REASONS]
        )[0]
        landlord = "social" if rng.random() < 0.8 else "private"
        if at_risk:
            households.record_eviction(
                session,
                household=household,
                data=EvictionCreate.model_validate(
                    {
                        "eviction_date": (today + timedelta(days=rng.randint(5, 45))).isoformat(),
                        "state": "planned",
                        "reason": reason,
                        "landlord_type": landlord,
                    }
                ),
            )
            continue
        assert homeless_since is not None
        # Most episodes start with an executed eviction; some with a first night without a home.
        if rng.random() < 0.85:
            households.record_eviction(
                session,
                household=household,
                data=EvictionCreate.model_validate(
                    {
                        "eviction_date": homeless_since.isoformat(),
                        "state": "executed",
                        "reason": reason,
                        "landlord_type": landlord,
                    }
                ),
            )
        else:
            households.start_episode(session, household=household, since=homeless_since)
        _load_stays(session, rng, household=household, since=homeless_since, today=today)
    return created


def _load_stays(
    session: Session, rng: random.Random, *, household: Household, since: date, today: date
) -> None:
    """A chain of temporary places from the start of the episode until now."""
    start = since
    while True:
        length_days = rng.randint(10, 200)
        end = start + timedelta(days=length_days)
        ongoing = end >= today
        households.record_stay(
            session,
            household=household,
            data=StayCreate.model_validate(
                {
                    "start_date": start.isoformat(),
                    "end_date": None if ongoing else end.isoformat(),
                    "place_kind": rng.choices(EXTERNAL_PLACES, weights=(45, 25, 12, 10, 8))[0],
                }
            ),
        )
        if ongoing:
            return
        start = end


def _load_units(session: Session, *, seed: int, count: int, today: date) -> int:
    written = 0
    for number in range(count):
        rng = random.Random(f"{seed}-unit-{number}")
        code, _, served = CORPORATIONS[number % len(CORPORATIONS)]
        municipality_code = rng.choice(served)
        municipality = next(m for m in MUNICIPALITIES if m.code == municipality_code)
        point = _point_near(
            rng, lon=municipality.lon, lat=municipality.lat, spread_km=municipality.spread_km
        )
        kind = rng.choices(("emergency", "transitional", "other"), weights=(45, 45, 10))[0]
        bedrooms = rng.choices((1, 2, 3, 4), weights=(25, 35, 30, 10))[0]
        available_from = today + timedelta(days=rng.randint(-30, 30))
        data = UnitUpsert.model_validate(
            {
                "kind": kind,
                "address": {
                    "street": rng.choice(STREETS),
                    "house_number": str(rng.randint(1, 250)),
                    "postcode": (
                        f"{municipality.postcode_prefix + rng.randint(0, 80)} "
                        f"{chr(65 + rng.randint(0, 25))}{chr(65 + rng.randint(0, 25))}"
                    ),
                    "city": municipality.name,
                },
                "municipality": municipality.code,
                "location": _location(point),
                "bedrooms": bedrooms,
                "max_occupants": bedrooms * 2 + rng.choice((0, 1)),
                "wheelchair_accessible": rng.random() < 0.08,
                "ground_floor": rng.random() < 0.3,
                "pets_allowed": rng.random() < 0.35,
                "available_from": available_from.isoformat(),
                "available_until": (
                    None
                    if kind == "transitional"
                    else (available_from + timedelta(days=rng.choice((180, 365, 730)))).isoformat()
                ),
                "max_stay_days": rng.choice((90, 180, 365)) if kind == "emergency" else None,
                "rent_cents": rng.randint(45_000, 95_000),
            }
        )
        _, outcome = units.upsert_unit(
            session, corporation_code=code, reference=f"DEMO-U{number + 1:04d}", data=data
        )
        written += outcome == "created"
    return written


def load_demo_region(
    session: Session, *, today: date, seed: int = 20261124, counts: DemoCounts | None = None
) -> dict[str, int]:
    """Load the demo region (idempotently); returns how many records of each kind it created."""
    counts = counts or DemoCounts()
    before = session.scalar(select(func.count()).select_from(Household)) or 0
    _load_reference(session)
    all_schools = _load_schools(session, seed=seed, count=counts.schools)
    created_households = _load_households(
        session, seed=seed, count=counts.households, all_schools=all_schools, today=today
    )
    created_units = _load_units(session, seed=seed, count=counts.units, today=today)
    return {
        "households_before": before,
        "households_created": created_households,
        "units_created": created_units,
        "schools": len(all_schools),
    }
