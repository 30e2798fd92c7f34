"""From database rows to the engine's fully prepared `Instance`.

Who takes part:
- households in scope that need a place (not placed, not closed); a household placed in an
  emergency unit stays a candidate, for transitional units only (moving on is their point);
- the available units in scope;
- offers already out, as fixed pairs (their household and unit, when both are in scope);
- pairs once declined, as excluded pairs;
- under placement caps, how many households hold the other units of each capped group.
School trips come from PostGIS: only the pairs within each child's limit are supplied.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching import (
    Child,
    Coordinates,
    Household,
    Instance,
    Pair,
    Policy,
    SafetyExclusion,
    Unit,
)
from matching.instance import CapScope, GroupHolding, Need
from service.households import service as households
from service.households.models import Household as HouseholdRow
from service.households.models import HouseholdStatus
from service.runs import repository
from service.units.models import Unit as UnitRow
from service.units.models import UnitKind, UnitStatus

# A child without a school (too young, or not yet enrolled) has no trip to keep short. The engine
# needs a school per child, so such a child gets this stand-in with a 0 km trip to every unit;
# the run's own figures leave these children out of school-trip statistics.
NO_SCHOOL_ID = "no-school"


@dataclass(frozen=True)
class BuiltInstance:
    instance: Instance
    input_hash: str
    # Household ids by registration: the order a first-come-first-served desk would follow.
    arrival_order: list[str]


def _needs(household: HouseholdRow) -> list[Need]:
    needs: list[Need] = []
    if household.needs_wheelchair or any(c.needs_wheelchair for c in household.children):
        needs.append("wheelchair")
    if household.needs_ground_floor:
        needs.append("ground_floor")
    if household.has_pets:
        needs.append("pets")
    # `medical` is left out: units cannot declare it yet, so asking for it would exclude every
    # unit. The desk sees the need on the household and checks it when making the offer.
    return needs


def _unit_features(unit: UnitRow) -> list[Need]:
    features: list[Need] = []
    if unit.wheelchair_accessible:
        features.append("wheelchair")
    if unit.ground_floor:
        features.append("ground_floor")
    if unit.pets_allowed:
        features.append("pets")
    return features


def engine_household(h: HouseholdRow, *, levels: dict[uuid.UUID, str], today: date) -> Household:
    """One household as the engine sees it."""
    return Household(
        id=str(h.id),
        # The engine counts members; a household of children alone still fills the unit.
        adults=max(1, h.adults),
        children=[
            Child(
                id=str(c.id),
                school_id=str(c.school_id) if c.school_id else NO_SCHOOL_ID,
                school_level=levels.get(c.school_id, "primary") if c.school_id else "primary",
                school_trip_limit_km=c.school_trip_limit_km,
            )
            for c in sorted(h.children, key=lambda c: str(c.id))
        ],
        bedrooms_needed=households.min_bedrooms(h),
        needs=_needs(h),
        days_in_temporary_housing=households.days_in_temporary_housing(h, today=today) or 0,
        # Someone who needed a place last month needs one from today.
        needed_from=max(h.needed_from, today),
        expected_stay_days=h.expected_stay_days,
        safety_exclusions=[
            SafetyExclusion(
                center=Coordinates(
                    latitude=to_shape(e.location).y, longitude=to_shape(e.location).x
                ),
                min_distance_km=e.min_distance_m / 1000.0,
            )
            for e in h.safety_exclusions
        ],
    )


def engine_unit(point: repository.UnitPoint) -> Unit:
    """One unit as the engine sees it."""
    return Unit(
        id=str(point.unit.id),
        kind=point.unit.kind,
        bedrooms=point.unit.bedrooms,
        max_occupants=point.unit.max_occupants,
        features=_unit_features(point.unit),
        available_from=point.unit.available_from,
        available_until=point.unit.available_until,
        max_stay_days=point.unit.max_stay_days,
        location=Coordinates(latitude=point.latitude, longitude=point.longitude),
        # The groups a policy's placement caps count in (see `unit_groups`).
        **unit_groups(point.unit),
    )


def unit_groups(unit: UnitRow) -> dict[str, str]:
    """A unit's building, neighbourhood and corporation, as placement caps group them.

    Building: postcode and house number without its letter or addition (flats 12A and 12-2
    share a building). Neighbourhood: the four-digit postcode area. Corporation: its code.
    """
    number = re.match(r"\d+", unit.house_number)
    return {
        "building": f"{unit.postcode} {number.group() if number else unit.house_number}",
        "neighbourhood": unit.postcode[:4],
        "corporation": unit.corporation.code,
    }


def held_elsewhere(
    session: Session, *, units: Sequence[UnitRow], policy: Policy
) -> list[GroupHolding]:
    """For each group of `units` that the policy caps: the households holding its other units.

    Those units (reserved by an open offer, or occupied) are not in the instance, yet their
    households count towards the cap, whichever municipality's desk placed them. A household
    that takes part while it lives in an emergency unit counts there too, although moving on
    would free that place: a cap stays on the safe side.
    """
    scopes: list[CapScope] = sorted({cap.scope for cap in policy.placement_caps})
    if not scopes or not units:
        return []
    groups_of = {unit.id: unit_groups(unit) for unit in units}
    capped = {(scope, groups[scope]) for groups in groups_of.values() for scope in scopes}
    counts: Counter[tuple[CapScope, str]] = Counter()
    for held in repository.held_units(
        session,
        postcode_areas=(
            {u.postcode[:4] for u in units}
            if {"building", "neighbourhood"} & set(scopes)
            else set()
        ),
        corporation_codes={u.corporation.code for u in units} if "corporation" in scopes else set(),
    ):
        if held.id in groups_of:
            continue  # in the instance: a fixed pair when held, counted by the engine
        groups = unit_groups(held)
        counts.update(
            (scope, groups[scope]) for scope in scopes if (scope, groups[scope]) in capped
        )
    return [
        GroupHolding(scope=scope, group=group, households=n)
        for (scope, group), n in sorted(counts.items())
    ]


def lock_cap_groups(session: Session, *, units: Sequence[UnitRow], policy: Policy) -> None:
    """Serialise the paths that make offers in the same capped groups (runs' commits, hand
    offers), so each counts the others' offers: a unit lock alone lets two offers on two units
    of one building both see room for one.

    Transaction-level advisory locks, in sorted order and before any unit lock: groups, then
    units, then households. Paths that take no group lock never wait for one, so no cycle.
    """
    scopes = {cap.scope for cap in policy.placement_caps}
    keys = sorted(
        {f"caps:{scope}:{unit_groups(unit)[scope]}" for unit in units for scope in scopes}
    )
    for key in keys:
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def build_pair_instance(
    session: Session, *, household: HouseholdRow, unit_id: uuid.UUID, policy: Policy, today: date
) -> Instance:
    """An instance of one household and one unit, to check a hand offer against the hard rules."""
    point = repository.unit_point(session, unit_id=unit_id)
    with_school = [c for c in household.children if c.school_id is not None]
    levels = repository.school_levels(
        session, school_ids=sorted({c.school_id for c in with_school if c.school_id})
    )
    trips: dict[str, dict[str, float]] = {str(c.id): {} for c in household.children}
    trips.update(
        repository.school_trips_km(
            session,
            child_ids=[c.id for c in with_school],
            unit_ids=[unit_id],
            limits=policy.school_trip_limits,
        )
    )
    for child in household.children:
        if child.school_id is None:
            trips[str(child.id)] = {str(unit_id): 0.0}
    declined = {u for _, u in repository.declined_pairs(session, household_ids=[household.id])}
    return Instance(
        households=[engine_household(household, levels=levels, today=today)],
        units=[engine_unit(point)],
        school_trip_km=trips,
        excluded_pairs=(
            [Pair(household_id=str(household.id), unit_id=str(unit_id))]
            if unit_id in declined
            else []
        ),
        held_elsewhere=held_elsewhere(session, units=[point.unit], policy=policy),
    )


def instance_hash(instance: Instance) -> str:
    return hashlib.sha256(instance.model_dump_json().encode()).hexdigest()


def build_instance(
    session: Session, *, municipalities: Sequence[str], policy: Policy, today: date
) -> BuiltInstance:
    """The engine's instance for a run over `municipalities`, deterministic for equal data."""
    # Data: the households that may take part, and what they hold now.
    candidates = list(repository.households_in_scope(session, municipalities=municipalities))
    candidate_ids = [h.id for h in candidates]
    open_offer = {
        o.household_id: o for o in repository.open_offers_of(session, household_ids=candidate_ids)
    }
    placement = {
        p.household_id: p
        for p in repository.active_placements_of(session, household_ids=candidate_ids)
    }
    in_scope = set(municipalities)
    taking_part: list[HouseholdRow] = []
    transitional_only: set[uuid.UUID] = set()
    for household in candidates:
        offer = open_offer.get(household.id)
        placed = placement.get(household.id)
        if offer is not None and offer.unit_municipality_code not in in_scope:
            continue  # its offer is out of scope: neither the household nor that unit is ours
        if placed is not None:
            if placed.unit_kind != UnitKind.EMERGENCY.value:
                continue  # settled in a transitional (or other) unit
            transitional_only.add(household.id)
        elif household.status == HouseholdStatus.PLACED.value:
            continue  # placed, but not in one of our units: nothing to move on from
        taking_part.append(household)
    taking_part_ids = {h.id for h in taking_part}

    unit_points = repository.units_in_scope(session, municipalities=municipalities)
    held_by = {o.unit_id: o.household_id for o in open_offer.values()}
    units = []
    for point in unit_points:
        row = point.unit
        if row.status == UnitStatus.RESERVED.value and held_by.get(row.id) not in taking_part_ids:
            continue  # reserved for a household outside this run
        units.append(point)
    unit_ids = [p.unit.id for p in units]
    unit_kind = {p.unit.id: p.unit.kind for p in units}

    # School trips, computed in PostGIS and pruned to each child's limit.
    children = [c for h in taking_part for c in h.children]
    with_school = [c for c in children if c.school_id is not None]
    levels = repository.school_levels(
        session, school_ids=sorted({c.school_id for c in with_school if c.school_id})
    )
    trips = repository.school_trips_km(
        session,
        child_ids=[c.id for c in with_school],
        unit_ids=unit_ids,
        limits=policy.school_trip_limits,
    )
    for child in children:
        if child.school_id is None:
            trips[str(child.id)] = {str(u): 0.0 for u in unit_ids}

    # The engine's records.
    engine_households = [
        engine_household(h, levels=levels, today=today)
        for h in sorted(taking_part, key=lambda h: str(h.id))
    ]
    engine_units = [engine_unit(p) for p in sorted(units, key=lambda p: str(p.unit.id))]
    unit_id_set = set(unit_ids)
    fixed = sorted(
        (
            Pair(household_id=str(o.household_id), unit_id=str(o.unit_id))
            for o in open_offer.values()
            if o.household_id in taking_part_ids and o.unit_id in unit_id_set
        ),
        key=lambda p: p.household_id,
    )
    fixed_keys = {(p.household_id, p.unit_id) for p in fixed}
    excluded_keys = {
        (str(h), str(u))
        for h, u in repository.declined_pairs(session, household_ids=sorted(taking_part_ids))
        if u in unit_id_set
    }
    # Moving on: a household in an emergency unit is a candidate for transitional units only.
    excluded_keys |= {
        (str(h), str(u))
        for h in transitional_only
        for u in unit_ids
        if unit_kind[u] != UnitKind.TRANSITIONAL.value
    }
    excluded = [Pair(household_id=h, unit_id=u) for h, u in sorted(excluded_keys - fixed_keys)]
    instance = Instance(
        households=engine_households,
        units=engine_units,
        school_trip_km={child: dict(sorted(t.items())) for child, t in sorted(trips.items())},
        fixed_pairs=fixed,
        excluded_pairs=excluded,
        held_elsewhere=held_elsewhere(session, units=[p.unit for p in units], policy=policy),
    )
    arrival = sorted(taking_part, key=lambda h: (h.created_at, str(h.id)))
    return BuiltInstance(
        instance=instance,
        input_hash=instance_hash(instance),
        arrival_order=[str(h.id) for h in arrival],
    )
