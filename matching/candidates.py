"""Hard rules → the feasible (household, unit) pairs, vectorised; no loop over all pairs.

Households and units are indexed in id order, so everything downstream is deterministic and ties
are broken by stable ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from matching.geo import geodesic_km_exact, pairs_within
from matching.instance import NEEDS, Child, Instance, Unit
from matching.policies import Policy

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Stands in for an open end (no `available_until`, no `max_stay_days`).
_OPEN_END_DAYS = 10**9


@dataclass(frozen=True)
class Prepared:
    """The instance as arrays, households and units sorted by id."""

    household_ids: list[str]
    unit_ids: list[str]
    members: IntArray
    bedrooms_needed: IntArray
    needs_mask: IntArray
    days_in_temporary_housing: IntArray
    needed_from_day: IntArray
    needed_until_day: IntArray
    expected_stay_days: IntArray
    children_count: IntArray
    max_occupants: IntArray
    bedrooms: IntArray
    features_mask: IntArray
    available_from_day: IntArray
    available_until_day: IntArray
    max_stay_days: IntArray
    is_transitional: BoolArray
    # 0 emergency, 1 transitional, 2 other.
    kind_code: IntArray
    # Children in household order; child_household[i] is the household index of child i.
    child_ids: list[str]
    child_household: IntArray
    child_limit_km: FloatArray
    # Every (child, unit) pair within the child's limit, sorted by child then unit.
    trip_child: IntArray
    trip_unit: IntArray
    trip_km: FloatArray
    # Fixed pairs as index arrays; households/units in them take no further part.
    fixed_household: IntArray
    fixed_unit: IntArray
    excluded_keys: IntArray
    # Per household with safety exclusions: the units inside one of its exclusion areas.
    unsafe_units: dict[int, IntArray]

    @property
    def n_households(self) -> int:
        return len(self.household_ids)

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @cached_property
    def child_trip_bounds(self) -> IntArray:
        """Child i's trips are trip_*[bounds[i]:bounds[i + 1]]."""
        return np.searchsorted(self.trip_child, np.arange(len(self.child_ids) + 1)).astype(np.int64)

    def child_slice(self, child: int) -> slice:
        bounds = self.child_trip_bounds
        return slice(int(bounds[child]), int(bounds[child + 1]))


@dataclass(frozen=True)
class Pairs:
    """Feasible pairs of free households and free units, sorted by household then unit."""

    household: IntArray
    unit: IntArray
    school_trip_points: FloatArray
    # Sum of the children's school trips; the greedy baseline ranks units by it.
    school_trip_km_total: FloatArray


def _needs_mask(needs: list[str]) -> int:
    return sum(1 << NEEDS.index(need) for need in needs)


def prepare(*, instance: Instance, policy: Policy) -> Prepared:
    households = sorted(instance.households, key=lambda h: h.id)
    units = sorted(instance.units, key=lambda u: u.id)
    household_index = {h.id: i for i, h in enumerate(households)}
    unit_index = {u.id: i for i, u in enumerate(units)}

    def ints(values: list[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    needed_from_day = ints([h.needed_from.toordinal() for h in households])
    expected_stay_days = ints([h.expected_stay_days for h in households])
    children = [(i, c) for i, h in enumerate(households) for c in h.children]
    child_limit_km = np.asarray(
        [
            c.school_trip_limit_km
            if c.school_trip_limit_km is not None
            else policy.school_trip_limits.for_level(c.school_level)
            for _, c in children
        ],
        dtype=np.float64,
    ).reshape(-1)
    trip_child, trip_unit, trip_km = _school_trips(
        instance=instance,
        children=[c for _, c in children],
        child_limit_km=child_limit_km,
        unit_index=unit_index,
        units_in_order=units,
    )
    excluded_keys = np.unique(
        ints(
            [
                household_index[p.household_id] * len(units) + unit_index[p.unit_id]
                for p in instance.excluded_pairs
            ]
        )
    )
    unsafe_units: dict[int, IntArray] = {}
    if any(h.safety_exclusions for h in households):
        unit_lat = np.asarray([u.location.latitude for u in units if u.location])
        unit_lon = np.asarray([u.location.longitude for u in units if u.location])
        for i, household in enumerate(households):
            inside = np.zeros(len(units), dtype=bool)
            for area in household.safety_exclusions:
                km = geodesic_km_exact(
                    lat1=np.full(len(units), area.center.latitude),
                    lon1=np.full(len(units), area.center.longitude),
                    lat2=unit_lat,
                    lon2=unit_lon,
                )
                inside |= km < area.min_distance_km
            if household.safety_exclusions:
                unsafe_units[i] = np.flatnonzero(inside).astype(np.int64)
    return Prepared(
        household_ids=[h.id for h in households],
        unit_ids=[u.id for u in units],
        members=ints([h.members for h in households]),
        bedrooms_needed=ints([h.bedrooms_needed for h in households]),
        needs_mask=ints([_needs_mask(list(h.needs)) for h in households]),
        days_in_temporary_housing=ints([h.days_in_temporary_housing for h in households]),
        needed_from_day=needed_from_day,
        needed_until_day=needed_from_day + expected_stay_days,
        expected_stay_days=expected_stay_days,
        children_count=ints([len(h.children) for h in households]),
        max_occupants=ints([u.max_occupants for u in units]),
        bedrooms=ints([u.bedrooms for u in units]),
        features_mask=ints([_needs_mask(list(u.features)) for u in units]),
        available_from_day=ints([u.available_from.toordinal() for u in units]),
        available_until_day=ints(
            [u.available_until.toordinal() if u.available_until else _OPEN_END_DAYS for u in units]
        ),
        max_stay_days=ints(
            [u.max_stay_days if u.max_stay_days is not None else _OPEN_END_DAYS for u in units]
        ),
        is_transitional=np.asarray([u.kind == "transitional" for u in units], dtype=bool),
        kind_code=ints([("emergency", "transitional", "other").index(u.kind) for u in units]),
        child_ids=[c.id for _, c in children],
        child_household=ints([i for i, _ in children]),
        child_limit_km=child_limit_km,
        trip_child=trip_child,
        trip_unit=trip_unit,
        trip_km=trip_km,
        fixed_household=ints([household_index[p.household_id] for p in instance.fixed_pairs]),
        fixed_unit=ints([unit_index[p.unit_id] for p in instance.fixed_pairs]),
        excluded_keys=excluded_keys,
        unsafe_units=unsafe_units,
    )


def _school_trips(
    *,
    instance: Instance,
    children: list[Child],
    child_limit_km: FloatArray,
    unit_index: dict[str, int],
    units_in_order: list[Unit],
) -> tuple[IntArray, IntArray, FloatArray]:
    """(child, unit, km) for every child and unit within the child's limit."""
    typed_children = children
    typed_units = units_in_order
    if instance.school_trip_km is not None:
        child_list: list[int] = []
        unit_list: list[int] = []
        km_list: list[float] = []
        for i, child in enumerate(typed_children):
            for unit_id, km in instance.school_trip_km.get(child.id, {}).items():
                child_list.append(i)
                unit_list.append(unit_index[unit_id])
                km_list.append(km)
        child_arr = np.asarray(child_list, dtype=np.int64)
        unit_arr = np.asarray(unit_list, dtype=np.int64)
        km_arr = np.asarray(km_list, dtype=np.float64)
        keep = km_arr <= child_limit_km[child_arr] if len(child_arr) else np.zeros(0, bool)
        order = np.lexsort((unit_arr[keep], child_arr[keep]))
        return child_arr[keep][order], unit_arr[keep][order], km_arr[keep][order]
    if not typed_children:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    # One ball query per school, with the widest limit among its children; each child then keeps
    # the part within its own limit.
    schools = {s.id: s for s in instance.schools}
    school_ids = sorted({c.school_id for c in typed_children})
    school_index = {s: i for i, s in enumerate(school_ids)}
    child_school = np.asarray([school_index[c.school_id] for c in typed_children], dtype=np.int64)
    school_radius_km = np.zeros(len(school_ids))
    np.maximum.at(school_radius_km, child_school, child_limit_km)
    school_pair, unit_pair, km_pair = pairs_within(
        source_lat=np.asarray([schools[s].location.latitude for s in school_ids]),
        source_lon=np.asarray([schools[s].location.longitude for s in school_ids]),
        source_radius_km=school_radius_km,
        target_lat=np.asarray([u.location.latitude for u in typed_units if u.location]),
        target_lon=np.asarray([u.location.longitude for u in typed_units if u.location]),
    )
    # Each child keeps its school's pairs within its own limit.
    bounds = np.searchsorted(school_pair, np.arange(len(school_ids) + 1))
    first, count = bounds[child_school], bounds[child_school + 1] - bounds[child_school]
    child_arr = np.repeat(np.arange(len(typed_children), dtype=np.int64), count)
    at = np.arange(int(count.sum())) + np.repeat(first - (np.cumsum(count) - count), count)
    within = km_pair[at] <= child_limit_km[child_arr]
    return child_arr[within], unit_pair[at][within], km_pair[at][within]


def free_indices(prepared: Prepared) -> tuple[IntArray, IntArray]:
    """Households and units not taken by a fixed pair."""
    household_free = np.ones(prepared.n_households, dtype=bool)
    household_free[prepared.fixed_household] = False
    unit_free = np.ones(prepared.n_units, dtype=bool)
    unit_free[prepared.fixed_unit] = False
    return np.flatnonzero(household_free), np.flatnonzero(unit_free)


def feasible_pairs(*, prepared: Prepared, policy: Policy) -> Pairs:
    """Every pair of a free household and a free unit that breaks no hard rule.

    Vectorised, without a loop over households: families get the units within reach of every
    child (a unit reached by all c children of a household appears c times among its children's
    trips); households without children are checked against every free unit in blocks.
    """
    free_households, free_units = free_indices(prepared)
    p = prepared
    household_free = np.zeros(p.n_households, dtype=bool)
    household_free[free_households] = True
    unit_is_free = np.zeros(p.n_units, dtype=bool)
    unit_is_free[free_units] = True

    # Families: school reach is the intersection over the children. Summing each child's row of
    # (child × unit) trips into its household's row (a sparse product, child by child in order)
    # counts how many children reach a unit: within reach of all of them when the count is theirs.
    keep = unit_is_free[p.trip_unit] & household_free[p.child_household[p.trip_child]]
    if keep.all():
        trip_child, trip_unit, trip_km = p.trip_child, p.trip_unit, p.trip_km
    else:
        trip_child, trip_unit, trip_km = p.trip_child[keep], p.trip_unit[keep], p.trip_km[keep]
    del keep
    n_children = len(p.child_ids)
    child_rows = np.searchsorted(trip_child, np.arange(n_children + 1))
    to_household = csr_matrix(
        (np.ones(n_children), (p.child_household, np.arange(n_children))),
        shape=(p.n_households, n_children),
    )

    def per_household(values: FloatArray) -> csr_matrix:
        trips = csr_matrix((values, trip_unit, child_rows), shape=(n_children, p.n_units))
        summed = to_household @ trips
        summed.sort_indices()
        return summed

    reached_by = per_household(np.ones(len(trip_unit)))
    family_household = np.repeat(
        np.arange(p.n_households, dtype=np.int64), np.diff(reached_by.indptr)
    )
    family_unit = reached_by.indices.astype(np.int64)
    within_reach = reached_by.data == p.children_count[family_household]
    family_household = family_household[within_reach]
    family_unit = family_unit[within_reach]
    del reached_by, within_reach
    # Trip points and km per pair, summed child by child in order (the same rounding every
    # time); each child's trip to the unit is found by one search over (child, unit) keys.
    trip_points = (trip_km / policy.trip_scale_km) ** policy.trip_power
    trip_keys = trip_child * p.n_units + trip_unit
    first_child = np.searchsorted(p.child_household, np.arange(p.n_households + 1))
    family_points = np.zeros(len(family_household))
    family_km = np.zeros(len(family_household))
    for nth in range(int(p.children_count.max(initial=0))):
        with_nth = np.flatnonzero(p.children_count[family_household] > nth)
        child = first_child[family_household[with_nth]] + nth
        at = np.searchsorted(trip_keys, child * p.n_units + family_unit[with_nth])
        family_points[with_nth] += trip_points[at]
        family_km[with_nth] += trip_km[at]
    del trip_points, trip_keys
    ok = pair_rules_hold(prepared=p, household=family_household, unit=family_unit)
    family_household, family_unit = family_household[ok], family_unit[ok]
    family_points, family_km = family_points[ok], family_km[ok]

    # Households without children: every free unit, checked in blocks of households into one
    # boolean matrix (a byte per household and unit).
    childless = free_households[p.children_count[free_households] == 0]
    childless_ok = np.zeros((len(childless), len(free_units)), dtype=bool)
    block = max(1, 4_000_000 // max(len(free_units), 1))
    for first in range(0, len(childless), block):
        households = childless[first : first + block]
        childless_ok[first : first + len(households)] = pair_rules_hold(
            prepared=p, household=households[:, None], unit=free_units[None, :]
        ).reshape(len(households), len(free_units))

    # Every pair in its place, households in order, units in order within each household: the
    # output arrays are written once, without intermediate copies.
    count = np.bincount(family_household, minlength=p.n_households)
    count[childless] = childless_ok.sum(axis=1)
    offset = np.cumsum(count) - count
    n_pairs = int(count.sum())
    household = np.empty(n_pairs, dtype=np.int64)
    unit = np.empty(n_pairs, dtype=np.int64)
    points = np.zeros(n_pairs, dtype=np.float64)
    km = np.zeros(n_pairs, dtype=np.float64)
    family_count = np.bincount(family_household, minlength=p.n_households)
    family_start = np.cumsum(family_count) - family_count
    at = np.arange(len(family_household)) + (offset - family_start)[family_household]
    household[at] = family_household
    unit[at] = family_unit
    points[at] = family_points
    km[at] = family_km
    for row, (start, stop) in enumerate(
        zip(offset[childless].tolist(), (offset + count)[childless].tolist(), strict=True)
    ):
        household[start:stop] = childless[row]
        unit[start:stop] = free_units[childless_ok[row]]
    return Pairs(
        household=household,
        unit=unit,
        school_trip_points=points,
        school_trip_km_total=km,
    )


def pair_rules_hold(*, prepared: Prepared, household: IntArray, unit: IntArray) -> BoolArray:
    """The hard rules other than school reach, for arrays of pairs at once."""
    p = prepared
    ok = (p.members[household] <= p.max_occupants[unit]) & (
        p.bedrooms_needed[household] <= p.bedrooms[unit]
    )
    ok &= (p.needs_mask[household] & ~p.features_mask[unit]) == 0
    ok &= _available(p, household, unit)
    if len(p.excluded_keys):
        keys = household.astype(np.int64) * p.n_units + unit
        at = np.minimum(np.searchsorted(p.excluded_keys, keys), len(p.excluded_keys) - 1)
        ok &= p.excluded_keys[at] != keys
    for unsafe_household, unsafe in p.unsafe_units.items():
        if (
            len(unsafe)
            and household.size
            and household.min() <= unsafe_household <= household.max()
        ):
            ok &= ~((household == unsafe_household) & np.isin(unit, unsafe))
    return np.asarray(ok, dtype=bool)


def _available(p: Prepared, household: IntArray, unit: IntArray) -> BoolArray:
    # Available on the needed-from date and for at least the expected stay.
    return np.asarray(
        (p.available_from_day[unit] <= p.needed_from_day[household])
        & (p.needed_until_day[household] <= p.available_until_day[unit])
        & (p.expected_stay_days[household] <= p.max_stay_days[unit]),
        dtype=bool,
    )


def rule_failures(*, prepared: Prepared, household: int) -> list[tuple[str, int]]:
    """For one household, in rule order: units passing every earlier rule but failing this one."""
    p = prepared
    all_units = np.arange(p.n_units, dtype=np.int64)
    h = np.full(p.n_units, household, dtype=np.int64)
    school_ok = np.ones(p.n_units, dtype=bool)
    first_child, last_child = np.searchsorted(p.child_household, [household, household + 1])
    for child in range(int(first_child), int(last_child)):
        reach = np.zeros(p.n_units, dtype=bool)
        reach[p.trip_unit[p.child_slice(child)]] = True
        school_ok &= reach
    unsafe = np.zeros(p.n_units, dtype=bool)
    unsafe[p.unsafe_units.get(household, np.zeros(0, np.int64))] = True
    fixed_elsewhere = np.zeros(p.n_units, dtype=bool)
    fixed_elsewhere[p.fixed_unit[p.fixed_household != household]] = True
    rules: list[tuple[str, BoolArray]] = [
        ("occupants", p.members[h] <= p.max_occupants),
        ("bedrooms", p.bedrooms_needed[h] <= p.bedrooms),
        ("needs", (p.needs_mask[h] & ~p.features_mask) == 0),
        ("availability", _available(p, h, all_units)),
        ("safety_exclusion", ~unsafe),
        ("school_trip", school_ok),
        ("declined_before", ~np.isin(household * p.n_units + all_units, p.excluded_keys)),
        ("unit_fixed_to_other_household", ~fixed_elsewhere),
    ]
    still_ok = np.ones(p.n_units, dtype=bool)
    counts: list[tuple[str, int]] = []
    for rule, passes in rules:
        counts.append((rule, int((still_ok & ~passes).sum())))
        still_ok &= passes
    return counts
