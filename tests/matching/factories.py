"""Small keyword-only factories for hand-checked instances."""

from __future__ import annotations

from datetime import date

from matching import Child, Household, Unit
from matching.instance import Need, SafetyExclusion, SchoolLevel, UnitKind

TODAY = date(2026, 3, 1)


def child(
    *, id: str, school_level: SchoolLevel = "primary", limit_km: float | None = None
) -> Child:
    return Child(
        id=id, school_id="school", school_level=school_level, school_trip_limit_km=limit_km
    )


def household(
    *,
    id: str,
    adults: int = 1,
    children: list[Child] | None = None,
    bedrooms_needed: int = 1,
    needs: list[Need] | None = None,
    days_in_temporary_housing: int = 0,
    needed_from: date = TODAY,
    expected_stay_days: int = 90,
    safety_exclusions: list[SafetyExclusion] | None = None,
) -> Household:
    return Household(
        id=id,
        adults=adults,
        children=children or [],
        bedrooms_needed=bedrooms_needed,
        needs=needs or [],
        days_in_temporary_housing=days_in_temporary_housing,
        needed_from=needed_from,
        expected_stay_days=expected_stay_days,
        safety_exclusions=safety_exclusions or [],
    )


def unit(
    *,
    id: str,
    kind: UnitKind = "emergency",
    bedrooms: int = 2,
    max_occupants: int = 6,
    features: list[Need] | None = None,
    available_from: date = date(2026, 1, 1),
    available_until: date | None = None,
    max_stay_days: int | None = None,
) -> Unit:
    return Unit(
        id=id,
        kind=kind,
        bedrooms=bedrooms,
        max_occupants=max_occupants,
        features=features or [],
        available_from=available_from,
        available_until=available_until,
        max_stay_days=max_stay_days,
    )
