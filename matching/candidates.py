"""Hard rules → the feasible (household, unit) pairs, vectorised; no loop over all pairs.

Households and units are indexed in id order, so everything downstream is deterministic and ties
are broken by stable ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, get_args

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from matching.geo import EXACT_RECHECK_MARGIN_KM, ecef_km, geodesic_km_exact, pairs_within
from matching.instance import NEEDS, Child, Instance, SchoolLevel, Unit
from matching.policies import Policy
from matching.segments import concatenated_ranges
from matching.threads import map_in_threads

IntArray = npt.NDArray[np.int64]
# (first household, stop household, number of units) → which of those households' pairs a class
# arc stands for (None: none of them).
ImpliedCells = Callable[[int, int, int], npt.NDArray[np.bool_] | None]
# Unit indices of the school trips: 32 bits halve the largest array `prepare` keeps.
TripUnitArray = npt.NDArray[np.int32]
# Indices into the trips: 32 bits while they fit.
TripIndexArray = npt.NDArray[np.signedinteger[Any]]
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
    # Every (child, unit) pair within the child's limit: child i's trips, sorted by unit, are
    # trip_*[child_trip_start[i]:child_trip_stop[i]]. Children share runs: those of one school
    # whose limit is the school's widest read the school's run (at 10,000 households 1.95 M
    # trips stand for 11.7 M).
    child_trip_start: IntArray
    child_trip_stop: IntArray
    trip_unit: TripUnitArray
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

    def child_slice(self, child: int) -> slice:
        return slice(int(self.child_trip_start[child]), int(self.child_trip_stop[child]))


@dataclass(frozen=True)
class Pairs:
    """Feasible pairs of free households and free units, sorted by household then unit."""

    household: IntArray
    unit: IntArray
    school_trip_points: FloatArray
    # Sum of the children's school trips; the greedy baseline ranks units by it. Only with
    # `feasible_pairs(with_trip_km=True)`: the engine never reads it (115 MB at 10,000 households).
    school_trip_km_total: FloatArray | None


_NEED_BIT: dict[str, int] = {need: 1 << i for i, need in enumerate(NEEDS)}
_KIND_CODE: dict[str, int] = {"emergency": 0, "transitional": 1, "other": 2}


def _needs_mask(needs: Sequence[str]) -> int:
    return sum(_NEED_BIT[need] for need in needs)


def prepare(*, instance: Instance, policy: Policy) -> Prepared:
    households = sorted(instance.households, key=lambda h: h.id)
    units = sorted(instance.units, key=lambda u: u.id)
    household_index = {h.id: i for i, h in enumerate(households)}
    unit_index = {u.id: i for i, u in enumerate(units)}

    def ints(values: list[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    def columns(rows: list[tuple[int, ...]], width: int) -> IntArray:
        """One pass over the objects; each column comes out as its own contiguous array."""
        return np.asarray(rows, dtype=np.int64).reshape(-1, width).T.copy()

    (
        members,
        bedrooms_needed,
        needs_mask,
        days_in_temporary_housing,
        needed_from_day,
        expected_stay_days,
        children_count,
    ) = columns(
        [
            (
                h.members,
                h.bedrooms_needed,
                _needs_mask(h.needs) if h.needs else 0,
                h.days_in_temporary_housing,
                h.needed_from.toordinal(),
                h.expected_stay_days,
                len(h.children),
            )
            for h in households
        ],
        7,
    )
    (
        max_occupants,
        bedrooms,
        features_mask,
        available_from_day,
        available_until_day,
        max_stay_days,
        kind_code,
    ) = columns(
        [
            (
                u.max_occupants,
                u.bedrooms,
                _needs_mask(u.features) if u.features else 0,
                u.available_from.toordinal(),
                u.available_until.toordinal() if u.available_until else _OPEN_END_DAYS,
                u.max_stay_days if u.max_stay_days is not None else _OPEN_END_DAYS,
                _KIND_CODE[u.kind],
            )
            for u in units
        ],
        7,
    )
    children = [c for h in households for c in h.children]
    level_limit_km = {
        level: policy.school_trip_limits.for_level(level) for level in get_args(SchoolLevel)
    }
    child_limit_km = np.asarray(
        [
            c.school_trip_limit_km
            if c.school_trip_limit_km is not None
            else level_limit_km[c.school_level]
            for c in children
        ],
        dtype=np.float64,
    ).reshape(-1)
    child_trip_start, child_trip_stop, trip_unit, trip_km = _school_trips(
        instance=instance,
        children=children,
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
        # Only units whose straight chord to the centre is within the distance can be inside
        # (the geodesic is never shorter than the chord); the margin absorbs rounding. Those
        # get the exact geodesic, so the decision is the same as checking every unit.
        unit_tree = cKDTree(ecef_km(latitude_deg=unit_lat, longitude_deg=unit_lon))
        for i, household in enumerate(households):
            if not household.safety_exclusions:
                continue
            inside = np.zeros(len(units), dtype=bool)
            for area in household.safety_exclusions:
                center = (area.center.latitude, area.center.longitude)
                near = np.sort(
                    np.asarray(
                        unit_tree.query_ball_point(
                            ecef_km(
                                latitude_deg=np.asarray([center[0]]),
                                longitude_deg=np.asarray([center[1]]),
                            )[0],
                            r=area.min_distance_km + EXACT_RECHECK_MARGIN_KM,
                        ),
                        dtype=np.int64,
                    )
                )
                km = geodesic_km_exact(
                    lat1=np.full(len(near), center[0]),
                    lon1=np.full(len(near), center[1]),
                    lat2=unit_lat[near],
                    lon2=unit_lon[near],
                )
                inside[near[km < area.min_distance_km]] = True
            unsafe_units[i] = np.flatnonzero(inside).astype(np.int64)
    return Prepared(
        household_ids=[h.id for h in households],
        unit_ids=[u.id for u in units],
        members=members,
        bedrooms_needed=bedrooms_needed,
        needs_mask=needs_mask,
        days_in_temporary_housing=days_in_temporary_housing,
        needed_from_day=needed_from_day,
        needed_until_day=needed_from_day + expected_stay_days,
        expected_stay_days=expected_stay_days,
        children_count=children_count,
        max_occupants=max_occupants,
        bedrooms=bedrooms,
        features_mask=features_mask,
        available_from_day=available_from_day,
        available_until_day=available_until_day,
        max_stay_days=max_stay_days,
        is_transitional=kind_code == _KIND_CODE["transitional"],
        kind_code=kind_code,
        child_ids=[c.id for c in children],
        child_household=np.repeat(np.arange(len(households), dtype=np.int64), children_count),
        child_limit_km=child_limit_km,
        child_trip_start=child_trip_start,
        child_trip_stop=child_trip_stop,
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
) -> tuple[IntArray, IntArray, TripUnitArray, FloatArray]:
    """Every child's trips to the units within its limit, as runs sorted by unit: each child's
    run start and stop, then the units and km of all runs."""
    if instance.school_trip_km is not None:
        trips = [instance.school_trip_km.get(c.id, {}) for c in children]
        count = np.fromiter(map(len, trips), dtype=np.int64, count=len(trips))
        n_trips = int(count.sum())
        child_arr = np.repeat(np.arange(len(children), dtype=np.int64), count)
        unit_arr = np.fromiter(
            map(unit_index.__getitem__, chain.from_iterable(trips)), dtype=np.int64, count=n_trips
        )
        km_arr = np.fromiter(
            chain.from_iterable(t.values() for t in trips), dtype=np.float64, count=n_trips
        )
        keep = km_arr <= child_limit_km[child_arr]
        child_arr, unit_arr, km_arr = child_arr[keep], unit_arr[keep], km_arr[keep]
        # (child, unit) keys are distinct, so this order is the only one sorted by both.
        order = np.argsort(child_arr * len(units_in_order) + unit_arr)
        bounds = np.searchsorted(child_arr[order], np.arange(len(children) + 1)).astype(np.int64)
        return bounds[:-1], bounds[1:], unit_arr[order].astype(np.int32), km_arr[order]
    if not children:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.int32), np.zeros(0, np.float64)
    # One ball query per school, with the widest limit among its children; each child then keeps
    # the part within its own limit.
    schools = {s.id: s for s in instance.schools}
    school_ids = sorted({c.school_id for c in children})
    school_index = {s: i for i, s in enumerate(school_ids)}
    child_school = np.fromiter(
        (school_index[c.school_id] for c in children), dtype=np.int64, count=len(children)
    )
    school_radius_km = np.zeros(len(school_ids))
    np.maximum.at(school_radius_km, child_school, child_limit_km)
    school_location = [schools[s].location for s in school_ids]
    unit_location = [u.location for u in units_in_order if u.location]
    school_pair, unit_pair, km_pair = pairs_within(
        source_lat=np.asarray([location.latitude for location in school_location]),
        source_lon=np.asarray([location.longitude for location in school_location]),
        source_radius_km=school_radius_km,
        target_lat=np.asarray([location.latitude for location in unit_location]),
        target_lon=np.asarray([location.longitude for location in unit_location]),
    )
    # A child whose limit is its school's radius (the usual case) reads the school's run; one
    # with a narrower limit gets a run of its own after all schools' runs.
    school_bounds = np.searchsorted(school_pair, np.arange(len(school_ids) + 1))
    del school_pair
    start = school_bounds[child_school]
    stop = school_bounds[child_school + 1]
    units: list[TripUnitArray] = [unit_pair.astype(np.int32)]
    kms: list[FloatArray] = [km_pair]
    at = len(km_pair)
    for child in np.flatnonzero(child_limit_km < school_radius_km[child_school]).tolist():
        run = slice(int(start[child]), int(stop[child]))
        within = km_pair[run] <= child_limit_km[child]
        units.append(units[0][run][within])
        kms.append(km_pair[run][within])
        start[child], stop[child] = at, at + len(kms[-1])
        at += len(kms[-1])
    return (
        start.astype(np.int64),
        stop.astype(np.int64),
        np.concatenate(units) if len(units) > 1 else units[0],
        np.concatenate(kms) if len(kms) > 1 else kms[0],
    )


def free_indices(prepared: Prepared) -> tuple[IntArray, IntArray]:
    """Households and units not taken by a fixed pair."""
    household_free = np.ones(prepared.n_households, dtype=bool)
    household_free[prepared.fixed_household] = False
    unit_free = np.ones(prepared.n_units, dtype=bool)
    unit_free[prepared.fixed_unit] = False
    return np.flatnonzero(household_free), np.flatnonzero(unit_free)


def feasible_pairs(
    *,
    prepared: Prepared,
    policy: Policy,
    with_trip_km: bool = False,
    implied_cells: ImpliedCells | None = None,
) -> Pairs:
    """Every pair of a free household and a free unit that breaks no hard rule, except those
    `implied_cells` marks (the pairs class arcs stand for; each must be feasible, or it raises).

    Vectorised, without a loop over households or pairs: households are checked against every
    unit in blocks of a boolean matrix (a byte per household and unit, a few MB, so each pass over
    a block stays in cache). In a family's rows a unit must also be reached by every child: a
    unit reached by all c children of a household appears c times among its children's trips.
    """
    p = prepared
    n_units = p.n_units
    household_free = np.ones(p.n_households, dtype=bool)
    household_free[p.fixed_household] = False
    rules = _BlockRules(prepared=p)
    first_child = np.searchsorted(p.child_household, np.arange(p.n_households + 1))
    trips_per_child = p.child_trip_stop - p.child_trip_start
    # A household's count of children reaching a unit; a byte suffices for any real family.
    reach_dtype = np.uint8 if p.children_count.max(initial=0) < 255 else np.int64
    trip_dtype: type[np.signedinteger[Any]] = np.int32 if len(p.trip_unit) < 2**31 else np.int64
    pairs_per_household = np.zeros(p.n_households, dtype=np.int64)
    rows_per_block = max(1, _BLOCK_BYTES // max(n_units, 1))

    def feasible_units(
        first: int,
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.signedinteger[Any]]]:
        """The units of the block's feasible cells, in order (households, then units), and the
        trips (indices into `trip_*`) of its families' feasible pairs: each child's trips to its
        household's pairs, child by child. It also fills the block's slice of
        `pairs_per_household`."""
        stop = min(first + rows_per_block, p.n_households)
        ok = rules.hold(first=first, stop=stop)
        ok[~household_free[first:stop]] = False
        children = slice(int(first_child[first]), int(first_child[stop]))
        feasible_trips: TripIndexArray = np.zeros(0, dtype=trip_dtype)
        if children.stop > children.start:
            # The block's children's runs, one after another.
            count = trips_per_child[children]
            trips = concatenated_ranges(p.child_trip_start[children], count, dtype=trip_dtype)
            keys = np.repeat((p.child_household[children] - first) * n_units, count)
            keys += p.trip_unit[trips]
            reached_by = np.zeros(ok.size, dtype=reach_dtype)
            np.add.at(reached_by, keys, np.ones(len(keys), dtype=reach_dtype))
            ok &= reached_by.reshape(ok.shape) == p.children_count[first:stop, None]
            feasible_trips = trips[ok.reshape(-1)[keys]]
        if implied_cells is not None:
            implied = implied_cells(first, stop, n_units)
            if implied is not None:
                # A check, not a hope: a class arc stands only for feasible pairs.
                if (implied & ~ok).any():
                    raise AssertionError("a class arc stands for a pair that breaks a hard rule")
                ok &= ~implied
        cells = np.flatnonzero(ok)
        pairs_per_household[first:stop] = np.diff(
            np.searchsorted(cells, np.arange(stop - first + 1) * n_units)
        )
        # Each cell's unit, in 32 bits until all blocks are joined: the blocks' results are
        # all held at once, next to the joined array.
        cells %= n_units
        return cells.astype(np.int32), feasible_trips

    # Blocks are independent: they run on every core.
    block_results = map_in_threads(feasible_units, range(0, p.n_households, rows_per_block))

    # Every pair in its place, households in order, units in order within each household.
    n_pairs = int(pairs_per_household.sum())
    household = np.repeat(np.arange(p.n_households, dtype=np.int64), pairs_per_household)
    unit: IntArray = np.concatenate(
        [np.zeros(0, dtype=np.int32), *(units for units, _ in block_results)],
        dtype=np.int64,
        casting="safe",
    )
    feasible_trip = np.concatenate(
        [np.zeros(0, dtype=trip_dtype), *(trips for _, trips in block_results)]
    )
    del block_results
    # Trip points and km per pair, summed child by child in order (the same rounding every time):
    # a family's feasible trips are its children's runs over its pairs, one run per child, so the
    # n-th feasible trip of a child lands on its household's n-th pair.
    points = np.zeros(n_pairs, dtype=np.float64)
    km = np.zeros(n_pairs, dtype=np.float64) if with_trip_km else None
    if len(feasible_trip):
        pairs_per_child = pairs_per_household[p.child_household]
        pair_start = np.cumsum(pairs_per_household) - pairs_per_household
        pair_of_trip = concatenated_ranges(pair_start[p.child_household], pairs_per_child)
        trip_values = p.trip_km[feasible_trip]
        if km is not None:
            np.add.at(km, pair_of_trip, trip_values)
        # The km become each trip's points in place: (km / scale) ** power, as everywhere.
        trip_values /= policy.trip_scale_km
        trip_values **= policy.trip_power
        # np.add.at adds in index order, so a pair's sum is (0 + child 1) + child 2 + ...
        np.add.at(points, pair_of_trip, trip_values)
    return Pairs(
        household=household,
        unit=unit,
        school_trip_points=points,
        school_trip_km_total=km,
    )


# Households × units per block of feasible_pairs' boolean matrix: small enough to stay in cache.
_BLOCK_BYTES = 1 << 21
# Above this many bytes the capacity table is built per block instead of once.
_TABLE_BYTES = 1 << 25


class _BlockRules:
    """The hard rules other than school reach, for a block of households against every unit.

    One boolean matrix: the unit is free; members ≤ max occupants; bedrooms needed ≤ bedrooms;
    every declared need among the unit's features; available from the needed-from date for the
    expected stay (`_available`); not declined before; not inside a safety exclusion. The
    capacity rules have few distinct household sides, so they are a table row per distinct
    side; the day comparisons run on int32 when every day fits. `rule_failures` states the same
    rules one household at a time, for explanations. A property test checks the pairs found
    against independent reference code.
    """

    def __init__(self, *, prepared: Prepared) -> None:
        p = prepared
        self.p = p
        self.unit_free = np.ones(p.n_units, dtype=bool)
        self.unit_free[p.fixed_unit] = False
        sides = np.stack([p.members, p.bedrooms_needed, p.needs_mask], axis=1)
        distinct, inverse = np.unique(sides, axis=0, return_inverse=True)
        self.capacity_row = inverse.reshape(-1)
        self.capacity_table: BoolArray | None = None
        if len(distinct) * p.n_units <= _TABLE_BYTES:
            self.capacity_table = self._capacity(distinct)
        (
            self.needed_from_day,
            self.needed_until_day,
            self.expected_stay_days,
            self.available_from_day,
            self.available_until_day,
            self.max_stay_days,
        ) = _narrowed(
            p.needed_from_day,
            p.needed_until_day,
            p.expected_stay_days,
            p.available_from_day,
            p.available_until_day,
            p.max_stay_days,
        )

    def _capacity(self, sides: IntArray) -> BoolArray:
        """Occupants, bedrooms, needs and the unit being free, per household side and unit."""
        p = self.p
        members, bedrooms_needed, needs_mask = (sides[:, k, None] for k in range(3))
        fits = members <= p.max_occupants[None, :]
        fits &= bedrooms_needed <= p.bedrooms[None, :]
        fits &= (needs_mask & ~p.features_mask[None, :]) == 0
        fits &= self.unit_free[None, :]
        return np.asarray(fits, dtype=bool)

    def hold(self, *, first: int, stop: int) -> BoolArray:
        p = self.p
        rows = slice(first, stop)
        if self.capacity_table is not None:
            ok = self.capacity_table[self.capacity_row[rows]]
        else:
            ok = self._capacity(
                np.stack([p.members[rows], p.bedrooms_needed[rows], p.needs_mask[rows]], axis=1)
            )
        # Available on the needed-from date and for at least the expected stay (as _available).
        scratch = np.empty_like(ok)
        np.less_equal(self.available_from_day, self.needed_from_day[rows, None], out=scratch)
        ok &= scratch
        np.less_equal(self.needed_until_day[rows, None], self.available_until_day, out=scratch)
        ok &= scratch
        np.less_equal(self.expected_stay_days[rows, None], self.max_stay_days, out=scratch)
        ok &= scratch
        flat = ok.reshape(-1)
        lo, hi = np.searchsorted(p.excluded_keys, [first * p.n_units, stop * p.n_units])
        flat[p.excluded_keys[lo:hi] - first * p.n_units] = False
        for household, unsafe in p.unsafe_units.items():
            if first <= household < stop:
                ok[household - first, unsafe] = False
        return ok


def _narrowed(*arrays: IntArray) -> tuple[npt.NDArray[np.signedinteger[Any]], ...]:
    """The arrays as int32 when every value fits (comparisons are then the same), else as given."""
    limits = np.iinfo(np.int32)
    if all(a.size == 0 or (limits.min <= a.min() and a.max() <= limits.max) for a in arrays):
        return tuple(a.astype(np.int32) for a in arrays)
    return arrays


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
