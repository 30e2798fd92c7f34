from __future__ import annotations

import numpy as np
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


def test_class_arcs_stand_for_exactly_the_feasible_pairs_they_replace() -> None:
    from matching.candidates import feasible_pairs, prepare
    from matching.classes import class_arcs
    from matching.costs import TierCosts
    from matching.policies import DEFAULT_POLICY

    instance = generate_instance(households=200, units=180, seed=12)
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    pairs = feasible_pairs(prepared=prepared, policy=DEFAULT_POLICY)
    costs = TierCosts(prepared=prepared, pairs=pairs, policy=DEFAULT_POLICY)
    classes = class_arcs(pairs=pairs, costs=costs, policy=DEFAULT_POLICY)
    assert classes.n_classes > 0 and classes.implied_pairs.any()
    implied = set(
        zip(
            pairs.household[classes.implied_pairs].tolist(),
            pairs.unit[classes.implied_pairs].tolist(),
            strict=True,
        )
    )
    through_classes = {
        (household, unit)
        for household, klass in zip(classes.household.tolist(), classes.klass.tolist(), strict=True)
        for unit, unit_class in zip(classes.unit.tolist(), classes.unit_class.tolist(), strict=True)
        if unit_class == klass
    }
    assert implied == through_classes
    # Same costs on every path as on the pair itself, in every tier.
    index = np.flatnonzero(classes.implied_pairs)
    keys = zip(pairs.household[index].tolist(), pairs.unit[index].tolist(), strict=True)
    by_pair = dict(zip(keys, index.tolist(), strict=True))
    class_cost = {
        (household, klass): position
        for position, (household, klass) in enumerate(
            zip(classes.household.tolist(), classes.klass.tolist(), strict=True)
        )
    }
    # A unit may sit in several classes (one per kind of household), but each pair has exactly
    # one path household → class → unit.
    classes_of_unit: dict[int, list[int]] = {}
    for unit, klass in zip(classes.unit.tolist(), classes.unit_class.tolist(), strict=True):
        classes_of_unit.setdefault(unit, []).append(klass)
    assert any(len(of_unit) > 1 for of_unit in classes_of_unit.values())
    for tier in DEFAULT_POLICY.tiers:
        for (household, unit), pair in list(by_pair.items())[:2000]:
            (arc,) = [
                class_cost[(household, klass)]
                for klass in classes_of_unit[unit]
                if (household, klass) in class_cost
            ]
            assert costs.pair_cost(tier, np.asarray([pair]))[0] == classes.cost[tier][arc]


def test_explanations_rank_implied_pairs_by_their_class_arcs_exactly() -> None:
    from matching.candidates import feasible_pairs, prepare
    from matching.classes import class_arcs
    from matching.costs import TierCosts
    from matching.explain import Explainer
    from matching.policies import get_builtin_policy

    instance = generate_instance(households=200, units=180, seed=12)
    for policy_name in ("default", "school-first", "waiting-first"):
        policy = get_builtin_policy(policy_name)
        prepared = prepare(instance=instance, policy=policy)
        pairs = feasible_pairs(prepared=prepared, policy=policy)
        costs = TierCosts(prepared=prepared, pairs=pairs, policy=policy)
        classes = class_arcs(pairs=pairs, costs=costs, policy=policy)
        assert classes.implied_pairs.any()
        explicit = np.flatnonzero(~classes.implied_pairs)
        explicit_cost = {tier: costs.subset_cost(tier, explicit) for tier in policy.tiers}
        from_classes = Explainer(
            prepared=prepared,
            pairs=pairs,
            costs=costs,
            policy=policy,
            classes=classes,
            explicit_cost=explicit_cost,
        ).own_rank_key()
        from_every_pair = Explainer(
            prepared=prepared, pairs=pairs, costs=costs, policy=policy
        ).own_rank_key()
        assert np.array_equal(from_classes, from_every_pair)
