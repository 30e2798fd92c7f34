from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from matching import solve
from matching.bench import generate_instance
from matching.geo import ecef_km, geodesic_km_short, pairs_within
from tests.matching.reference import feasible


def test_fast_geodesic_agrees_with_pyproj_to_a_millimetre() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    lat1 = rng.uniform(50.7, 53.6, n)
    lon1 = rng.uniform(3.3, 7.3, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    reach_km = rng.uniform(0, 60, n)
    lat2 = lat1 + reach_km * np.cos(angle) / 111.0
    lon2 = lon1 + reach_km * np.sin(angle) / (111.0 * np.cos(np.radians(lat1)))
    fast = geodesic_km_short(
        xyz1=ecef_km(latitude_deg=lat1, longitude_deg=lon1),
        xyz2=ecef_km(latitude_deg=lat2, longitude_deg=lon2),
        lat1=lat1,
        lon1=lon1,
    )
    _, _, metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    assert np.max(np.abs(fast * 1000 - metres)) < 0.001


def test_ball_query_finds_exactly_the_pairs_within_reach() -> None:
    rng = np.random.default_rng(4)
    school_lat, school_lon = rng.uniform(52.2, 52.5, 30), rng.uniform(4.7, 5.1, 30)
    unit_lat, unit_lon = rng.uniform(52.0, 52.7, 300), rng.uniform(4.5, 5.3, 300)
    radius = rng.uniform(3, 25, 30)
    source, target, km = pairs_within(
        source_lat=school_lat,
        source_lon=school_lon,
        source_radius_km=radius,
        target_lat=unit_lat,
        target_lon=unit_lon,
    )
    geod = Geod(ellps="WGS84")
    expected = set()
    for i in range(30):
        _, _, metres = geod.inv(
            np.full(300, school_lon[i]), np.full(300, school_lat[i]), unit_lon, unit_lat
        )
        expected |= {(i, j) for j in np.flatnonzero(metres / 1000 <= radius[i])}
    assert set(zip(source.tolist(), target.tolist(), strict=True)) == expected
    assert np.all(km <= radius[source])


def test_sparsification_reaches_the_same_optimum_as_all_pairs() -> None:
    instance = generate_instance(households=150, units=120, seed=5)
    sparse = solve(instance, candidates_per_household=1)
    dense = solve(instance, candidates_per_household=10_000)
    assert sparse.solver.candidate_pairs < dense.solver.candidate_pairs
    assert [t.objective for t in sparse.solver.tiers] == [t.objective for t in dense.solver.tiers]
    assert sparse.solver.pricing_rounds > dense.solver.pricing_rounds


def test_engine_optimum_equals_an_independent_highs_lp_per_tier() -> None:
    from matching import get_builtin_policy
    from matching.bench import independent_lp_check
    from matching.candidates import feasible_pairs, prepare
    from matching.costs import TierCosts

    instance = generate_instance(households=120, units=90, seed=9)
    for name in ("default", "school-first", "waiting-first"):
        policy = get_builtin_policy(name)
        prepared = prepare(instance=instance, policy=policy)
        pairs = feasible_pairs(prepared=prepared, policy=policy)
        result = solve(instance, policy)
        agree, _, detail = independent_lp_check(
            prepared=prepared,
            pairs=pairs,
            costs=TierCosts(prepared=prepared, pairs=pairs, policy=policy),
            policy=policy,
            engine_tiers=[t.objective for t in result.solver.tiers],
        )
        assert agree, (name, detail)


def test_class_nodes_reach_the_same_optimum_as_explicit_pairs() -> None:
    from matching import get_builtin_policy

    instance = generate_instance(households=200, units=180, seed=12)
    for name in ("default", "school-first", "waiting-first"):
        policy = get_builtin_policy(name)
        grouped = solve(instance, policy)
        explicit = solve(instance, policy, class_nodes=False)
        assert grouped.solver.candidate_pairs != explicit.solver.candidate_pairs
        assert [t.objective for t in grouped.solver.tiers] == [
            t.objective for t in explicit.solver.tiers
        ]
        # Every household placed through a class node gets a unit it is feasible on.
        households = {h.id: h for h in instance.households}
        units = {u.id: u for u in instance.units}
        for proposal in grouped.proposals:
            assert feasible(
                instance, policy, households[proposal.household_id], units[proposal.unit_id]
            )


def test_class_arcs_stand_for_exactly_the_feasible_pairs_they_leave_out() -> None:
    from matching.candidates import feasible_pairs, prepare
    from matching.classes import class_arc_costs, class_arcs, every_pair
    from matching.costs import TierCosts
    from matching.policies import DEFAULT_POLICY

    instance = generate_instance(households=200, units=180, seed=12)
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    all_pairs = feasible_pairs(prepared=prepared, policy=DEFAULT_POLICY)
    classes = class_arcs(prepared=prepared, policy=DEFAULT_POLICY)
    listed = feasible_pairs(
        prepared=prepared, policy=DEFAULT_POLICY, implied_cells=classes.implied_cells
    )
    assert classes.n_classes > 0
    every = set(zip(all_pairs.household.tolist(), all_pairs.unit.tolist(), strict=True))
    listed_set = set(zip(listed.household.tolist(), listed.unit.tolist(), strict=True))
    through_classes = {
        (household, unit)
        for household, klass in zip(classes.household.tolist(), classes.klass.tolist(), strict=True)
        for unit, unit_class in zip(classes.unit.tolist(), classes.unit_class.tolist(), strict=True)
        if unit_class == klass
    }
    assert through_classes and not listed_set & through_classes
    assert listed_set | through_classes == every
    assert classes.implied_count == len(through_classes)
    # Listed again in full, the pairs are exactly the ones found without class nodes.
    merged = every_pair(pairs=listed, classes=classes, n_units=prepared.n_units)
    assert np.array_equal(merged.household, all_pairs.household)
    assert np.array_equal(merged.unit, all_pairs.unit)
    assert np.array_equal(merged.school_trip_points, all_pairs.school_trip_points)
    # Each left-out pair has exactly one path household → class → unit, at the pair's own cost
    # in every tier; a listed pair has none.
    arc = classes.arc_of_pairs(households=all_pairs.household, units=all_pairs.unit)
    implied = np.asarray(
        [
            pair in through_classes
            for pair in zip(all_pairs.household.tolist(), all_pairs.unit.tolist(), strict=True)
        ]
    )
    assert np.array_equal(arc >= 0, implied)
    assert np.array_equal(classes.household[arc[implied]], all_pairs.household[implied])
    costs = TierCosts(prepared=prepared, pairs=all_pairs, policy=DEFAULT_POLICY)
    class_cost = class_arc_costs(classes=classes, costs=costs, policy=DEFAULT_POLICY)
    for tier in DEFAULT_POLICY.tiers:
        assert np.array_equal(costs.all_pairs_cost(tier)[implied], class_cost[tier][arc[implied]])


def test_a_class_arc_over_an_infeasible_pair_is_an_error() -> None:
    from matching.candidates import feasible_pairs, prepare
    from matching.policies import DEFAULT_POLICY

    instance = generate_instance(households=60, units=50, seed=3)
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    pairs = feasible_pairs(prepared=prepared, policy=DEFAULT_POLICY)
    feasible = np.zeros((prepared.n_households, prepared.n_units), dtype=bool)
    feasible[pairs.household, pairs.unit] = True
    household, unit = np.argwhere(~feasible)[0].tolist()

    def marks_an_infeasible_pair(first: int, stop: int, n_units: int) -> np.ndarray:
        marked = np.zeros((stop - first, n_units), dtype=bool)
        if first <= household < stop:
            marked[household - first, unit] = True
        return marked

    with pytest.raises(AssertionError, match="breaks a hard rule"):
        feasible_pairs(
            prepared=prepared, policy=DEFAULT_POLICY, implied_cells=marks_an_infeasible_pair
        )


@pytest.mark.parametrize("policy_name", ["default", "school-first", "waiting-first"])
def test_explanations_through_class_arcs_equal_those_over_every_pair(policy_name: str) -> None:
    from matching.candidates import feasible_pairs, prepare
    from matching.classes import class_arc_costs, class_arcs
    from matching.costs import TierCosts
    from matching.explain import Assignment, Explainer
    from matching.policies import get_builtin_policy

    policy = get_builtin_policy(policy_name)
    # Units scarce: some households (grouped ones among them) are left without a place.
    instance = generate_instance(households=200, units=150, seed=12)
    result = solve(instance, policy)
    prepared = prepare(instance=instance, policy=policy)
    household_index = {h: i for i, h in enumerate(prepared.household_ids)}
    unit_index = {u: i for i, u in enumerate(prepared.unit_ids)}
    unit_of_household = np.full(prepared.n_households, -1, dtype=np.int64)
    for proposal in result.proposals:
        unit_of_household[household_index[proposal.household_id]] = unit_index[proposal.unit_id]
    household_of_unit = np.full(prepared.n_units, -1, dtype=np.int64)
    placed = np.flatnonzero(unit_of_household >= 0)
    household_of_unit[unit_of_household[placed]] = placed
    assignment = Assignment(
        unit_of_household=unit_of_household,
        household_of_unit=household_of_unit,
        fixed_household=np.zeros(prepared.n_households, dtype=bool),
    )
    classes = class_arcs(prepared=prepared, policy=policy)
    listed = feasible_pairs(prepared=prepared, policy=policy, implied_cells=classes.implied_cells)
    listed_costs = TierCosts(prepared=prepared, pairs=listed, policy=policy)
    through_classes = Explainer(
        prepared=prepared,
        pairs=listed,
        costs=listed_costs,
        policy=policy,
        classes=classes,
        class_cost=class_arc_costs(classes=classes, costs=listed_costs, policy=policy),
    )
    all_pairs = feasible_pairs(prepared=prepared, policy=policy)
    over_every_pair = Explainer(
        prepared=prepared,
        pairs=all_pairs,
        costs=TierCosts(prepared=prepared, pairs=all_pairs, policy=policy),
        policy=policy,
    )
    unmatched = np.flatnonzero(unit_of_household < 0).tolist()
    grouped = set(classes.household.tolist())
    assert grouped & set(placed.tolist()) and grouped & set(unmatched)
    assert through_classes.proposals(assignment=assignment) == over_every_pair.proposals(
        assignment=assignment
    )
    for household in unmatched:
        assert through_classes.unmatched(
            household=household, assignment=assignment
        ) == over_every_pair.unmatched(household=household, assignment=assignment)


def test_each_child_reads_exactly_its_own_trips_from_the_shared_runs() -> None:
    from matching.candidates import prepare
    from matching.policies import DEFAULT_POLICY

    instance = generate_instance(households=120, units=150, seed=21)
    # Every fifth child gets a personal limit narrower than its schoolmates' (a run of its own).
    households = [
        household.model_copy(
            update={
                "children": [
                    child.model_copy(update={"school_trip_limit_km": 4.0})
                    if (index + position) % 5 == 0
                    else child
                    for position, child in enumerate(household.children)
                ]
            }
        )
        for index, household in enumerate(instance.households)
    ]
    instance = instance.model_copy(update={"households": households})
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    schools = {s.id: s.location for s in instance.schools}
    units = sorted(instance.units, key=lambda u: u.id)
    unit_lat = np.asarray([u.location.latitude for u in units if u.location])
    unit_lon = np.asarray([u.location.longitude for u in units if u.location])
    geod = Geod(ellps="WGS84")
    limits = {"primary": 15.0, "secondary": 25.0, "special": 40.0}
    children = [c for h in sorted(households, key=lambda h: h.id) for c in h.children]
    narrower = 0
    for index, child in enumerate(children):
        school = schools[child.school_id]
        _, _, metres = geod.inv(
            np.full(len(units), school.longitude),
            np.full(len(units), school.latitude),
            unit_lon,
            unit_lat,
        )
        limit = child.school_trip_limit_km or limits[child.school_level]
        narrower += child.school_trip_limit_km is not None
        expected = np.flatnonzero(metres / 1000 <= limit)
        run = prepared.child_slice(index)
        assert prepared.trip_unit[run].tolist() == expected.tolist()
        assert np.max(np.abs(prepared.trip_km[run] - metres[expected] / 1000), initial=0) < 1e-6
    assert narrower > 10
