"""Independent reference code for the tests: plain Python, one pair at a time, no engine code."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from pyproj import Geod

from matching.instance import Child, Household, Instance, Pair, Unit
from matching.policies import Policy

_GEOD = Geod(ellps="WGS84")


def school_trip_km(instance: Instance, child: Child, unit: Unit) -> float | None:
    if instance.school_trip_km is not None:
        return instance.school_trip_km.get(child.id, {}).get(unit.id)
    school = next(s for s in instance.schools if s.id == child.school_id)
    assert unit.location is not None
    _, _, metres = _GEOD.inv(
        school.location.longitude,
        school.location.latitude,
        unit.location.longitude,
        unit.location.latitude,
    )
    return float(metres) / 1000.0


def limit_km(policy: Policy, child: Child) -> float:
    if child.school_trip_limit_km is not None:
        return child.school_trip_limit_km
    return policy.school_trip_limits.for_level(child.school_level)


def feasible(instance: Instance, policy: Policy, household: Household, unit: Unit) -> bool:
    """Every hard rule of DOMAIN.md, checked directly for one pair (ignoring fixed pairs)."""
    if household.adults + len(household.children) > unit.max_occupants:
        return False
    if household.bedrooms_needed > unit.bedrooms:
        return False
    if not set(household.needs) <= set(unit.features):
        return False
    if unit.available_from > household.needed_from:
        return False
    stay_end = household.needed_from + timedelta(days=household.expected_stay_days)
    if unit.available_until is not None and stay_end > unit.available_until:
        return False
    if unit.max_stay_days is not None and household.expected_stay_days > unit.max_stay_days:
        return False
    for area in household.safety_exclusions:
        assert unit.location is not None
        _, _, metres = _GEOD.inv(
            area.center.longitude,
            area.center.latitude,
            unit.location.longitude,
            unit.location.latitude,
        )
        if metres / 1000.0 < area.min_distance_km:
            return False
    for child in household.children:
        km = school_trip_km(instance, child, unit)
        if km is None or km > limit_km(policy, child):
            return False
    return Pair(household_id=household.id, unit_id=unit.id) not in instance.excluded_pairs


def tier_values(instance: Instance, policy: Policy, assignment: dict[str, str]) -> tuple[int, ...]:
    """The tier vector (lower is better) of an assignment household id → unit id, scaled.

    Placement appears as two entries: families with children unplaced, then others unplaced.
    """
    units = {u.id: u for u in instance.units}
    families_unplaced = sum(1 for h in instance.households if h.children and h.id not in assignment)
    others_unplaced = sum(
        1 for h in instance.households if not h.children and h.id not in assignment
    )
    # Families with children first, then every other household: as two strict sub-tiers.
    values = [families_unplaced, others_unplaced]
    for tier in policy.tiers[1:]:
        total = 0
        for household in instance.households:
            if household.id not in assignment:
                continue
            unit = units[assignment[household.id]]
            trip_points = 0.0
            for child in household.children:
                km = school_trip_km(instance, child, unit)
                if km is not None:
                    trip_points += (km / policy.trip_scale_km) ** policy.trip_power
            factor = policy.transitional_waiting_factor if unit.kind == "transitional" else 1.0
            waiting = household.days_in_temporary_housing / policy.days_per_waiting_point * factor
            resolution = policy.score_resolution_points
            if tier == "school_and_waiting":
                total += round((trip_points - waiting) / resolution)
            elif tier == "school_trips":
                total += round(trip_points / resolution)
            elif tier == "waiting":
                total += round(-waiting / resolution)
            else:
                total += unit.bedrooms - household.bedrooms_needed
        values.append(total)
    return tuple(values)


def cap_excess(instance: Instance, policy: Policy, assignment: dict[str, str]) -> int:
    """New placements beyond what each capped group's cap allows, less its fixed pairs and the
    households held in its units outside the instance."""
    units = {u.id: u for u in instance.units}
    fixed = {p.household_id: p.unit_id for p in instance.fixed_pairs}
    held_elsewhere = {(h.scope, h.group): h.households for h in instance.held_elsewhere}
    excess = 0
    for cap in policy.placement_caps:
        fixed_in: Counter[str] = Counter()
        new_in: Counter[str] = Counter()
        for household_id, unit_id in assignment.items():
            group = getattr(units[unit_id], cap.scope)
            if cap.group is not None and group != cap.group:
                continue
            (fixed_in if fixed.get(household_id) == unit_id else new_in)[group] += 1
        for group, count in new_in.items():
            held = fixed_in[group] + held_elsewhere.get((cap.scope, group), 0)
            excess += max(0, count - max(0, cap.max_households - held))
    return excess


def capped_key(instance: Instance, policy: Policy, assignment: dict[str, str]) -> tuple[int, ...]:
    """With placement caps: families placed first, then the least cap excess, then the tiers."""
    values = tier_values(instance, policy, assignment)
    return (values[0], cap_excess(instance, policy, assignment), *values[1:])


def _assignments(instance: Instance, policy: Policy) -> Iterator[dict[str, str]]:
    fixed = {p.household_id: p.unit_id for p in instance.fixed_pairs}
    fixed_units = set(fixed.values())
    free_units = [u for u in instance.units if u.id not in fixed_units]
    free_households = [h for h in instance.households if h.id not in fixed]
    options = [
        [None] + [u.id for u in free_units if feasible(instance, policy, household, u)]
        for household in free_households
    ]
    for choice in itertools.product(*options):
        taken = [c for c in choice if c is not None]
        if len(taken) != len(set(taken)):
            continue
        assignment = dict(fixed)
        assignment.update(
            {h.id: c for h, c in zip(free_households, choice, strict=True) if c is not None}
        )
        yield assignment


def brute_force_capped_optimum(instance: Instance, policy: Policy) -> tuple[int, ...]:
    """The least `capped_key` over every possible assignment (tiny instances only)."""
    return min(capped_key(instance, policy, a) for a in _assignments(instance, policy))


def brute_force_optimum(instance: Instance, policy: Policy) -> tuple[int, ...]:
    """The lexicographic optimum over every possible assignment (tiny instances only)."""
    return min(tier_values(instance, policy, a) for a in _assignments(instance, policy))


def greedy_families_placed(instance: Instance, policy: Policy) -> int:
    """First come, first served: the longest-waiting household picks the nearest feasible unit."""
    taken = {p.unit_id for p in instance.fixed_pairs}
    fixed = {p.household_id for p in instance.fixed_pairs}
    placed_families = sum(1 for h in instance.households if h.id in fixed and h.children)
    order = sorted(
        (h for h in instance.households if h.id not in fixed),
        key=lambda h: (-h.days_in_temporary_housing, h.id),
    )
    for household in order:
        options = [
            u
            for u in instance.units
            if u.id not in taken and feasible(instance, policy, household, u)
        ]
        if not options:
            continue
        best = min(
            options,
            key=lambda u: (
                sum(school_trip_km(instance, c, u) or 0.0 for c in household.children),
                u.id,
            ),
        )
        taken.add(best.id)
        placed_families += 1 if household.children else 0
    return placed_families


def random_instance(seed: int, *, max_households: int = 5, max_units: int = 5) -> Instance:
    """A small random instance with every kind of rule in play, school trips given as km."""
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    households: list[Household] = []
    trips: dict[str, dict[str, float]] = {}
    units = [
        Unit(
            id=f"u{j}",
            kind=rng.choice(["emergency", "transitional", "other"]),
            bedrooms=rng.randint(1, 4),
            max_occupants=rng.randint(3, 8),
            features=sorted(
                rng.sample(["wheelchair", "ground_floor", "pets", "medical"], rng.randint(0, 3))
            ),  # type: ignore[arg-type]
            available_from=start - timedelta(days=rng.randint(-2, 30)),
            available_until=(
                None if rng.random() < 0.7 else start + timedelta(days=rng.randint(10, 400))
            ),
            max_stay_days=None if rng.random() < 0.8 else rng.randint(30, 400),
        )
        for j in range(rng.randint(0, max_units))
    ]
    for i in range(rng.randint(0, max_households)):
        children = []
        for k in range(rng.choice([0, 0, 1, 1, 2, 3])):
            child = Child(
                id=f"h{i}c{k}",
                school_id=f"s{rng.randint(0, 2)}",
                school_level=rng.choice(["primary", "secondary", "special"]),
                school_trip_limit_km=None if rng.random() < 0.85 else round(rng.uniform(3, 30), 1),
            )
            children.append(child)
            trips[child.id] = {
                u.id: round(rng.uniform(0, 20), 2) for u in units if rng.random() < 0.9
            }
        households.append(
            Household(
                id=f"h{i}",
                adults=rng.randint(1, 2),
                children=children,
                bedrooms_needed=rng.randint(0, 2),
                needs=sorted(
                    rng.sample(
                        ["wheelchair", "ground_floor", "pets", "medical"],
                        rng.choice([0, 0, 0, 0, 0, 1]),
                    )
                ),  # type: ignore[arg-type]
                days_in_temporary_housing=rng.randint(0, 900),
                needed_from=start + timedelta(days=rng.randint(0, 20)),
                expected_stay_days=rng.randint(0, 200),
            )
        )
    fixed: list[Pair] = []
    excluded: list[Pair] = []
    if households and units and rng.random() < 0.3:
        fixed.append(Pair(household_id=households[0].id, unit_id=units[0].id))
    for household in households[1:]:
        for unit in units[1:]:
            if rng.random() < 0.1:
                excluded.append(Pair(household_id=household.id, unit_id=unit.id))
    return Instance(
        households=households,
        units=units,
        school_trip_km=trips,
        fixed_pairs=fixed,
        excluded_pairs=excluded,
    )
