from __future__ import annotations

import numpy as np
from pyproj import Geod

from matching import solve
from matching.bench import generate_instance
from matching.geo import ecef_km, geodesic_km_short, pairs_within


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
