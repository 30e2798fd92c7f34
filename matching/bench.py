"""Benchmark: seeded synthetic instances, the engine against baselines on the same pairs.

Each size runs in its own process so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import csr_matrix, vstack
from scipy.spatial import cKDTree

from matching.candidates import Pairs, Prepared, feasible_pairs, prepare
from matching.costs import TierCosts, placement_weights
from matching.engine import solve
from matching.geo import ecef_km
from matching.greedy import nearest_free_unit_in_turn
from matching.instance import Child, Coordinates, Household, Instance, School, Unit
from matching.policies import DEFAULT_POLICY, PlacementCap, Policy
from matching.result import MatchingResult

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# (name, latitude, longitude, population in thousands): the larger Dutch municipalities.
NETHERLANDS: list[tuple[str, float, float, int]] = [
    ("Amsterdam", 52.370, 4.895, 930), ("Rotterdam", 51.922, 4.479, 660),
    ("Den Haag", 52.078, 4.288, 560), ("Utrecht", 52.091, 5.122, 370),
    ("Eindhoven", 51.441, 5.469, 240), ("Groningen", 53.219, 6.567, 240),
    ("Tilburg", 51.556, 5.091, 225), ("Almere", 52.350, 5.264, 220),
    ("Breda", 51.589, 4.776, 185), ("Nijmegen", 51.842, 5.853, 180),
    ("Apeldoorn", 52.211, 5.970, 165), ("Arnhem", 51.985, 5.899, 165),
    ("Haarlem", 52.387, 4.646, 165), ("Haarlemmermeer", 52.300, 4.690, 160),
    ("Enschede", 52.221, 6.894, 160), ("Amersfoort", 52.156, 5.387, 160),
    ("Zaanstad", 52.457, 4.751, 160), ("'s-Hertogenbosch", 51.697, 5.304, 160),
    ("Zwolle", 52.516, 6.083, 130), ("Leiden", 52.160, 4.497, 125),
    ("Maastricht", 50.851, 5.691, 122), ("Dordrecht", 51.813, 4.690, 120),
    ("Ede", 52.040, 5.665, 120), ("Zoetermeer", 52.057, 4.493, 125),
    ("Alphen aan den Rijn", 52.129, 4.656, 115), ("Alkmaar", 52.632, 4.748, 110),
    ("Leeuwarden", 53.201, 5.799, 125), ("Emmen", 52.779, 6.906, 107),
    ("Westland", 52.000, 4.220, 112), ("Delft", 52.012, 4.357, 105),
    ("Venlo", 51.370, 6.172, 102), ("Deventer", 52.255, 6.163, 101),
    ("Helmond", 51.480, 5.660, 93), ("Heerlen", 50.888, 5.980, 87),
    ("Hilversum", 52.223, 5.176, 92), ("Amstelveen", 52.303, 4.863, 92),
    ("Oss", 51.765, 5.518, 93), ("Purmerend", 52.505, 4.959, 93),
    ("Roosendaal", 51.531, 4.465, 78), ("Schiedam", 51.919, 4.400, 80),
    ("Lelystad", 52.518, 5.471, 80), ("Assen", 52.993, 6.562, 69),
    ("Middelburg", 51.499, 3.614, 49), ("Den Helder", 52.959, 4.760, 56),
    ("Hoorn", 52.643, 5.060, 74), ("Sittard-Geleen", 51.000, 5.870, 92),
    ("Heerenveen", 52.960, 5.920, 51), ("Smallingerland", 53.110, 6.100, 56),
    ("Terneuzen", 51.330, 3.830, 55), ("Doetinchem", 51.965, 6.290, 58),
    ("Hengelo", 52.265, 6.793, 81), ("Almelo", 52.357, 6.662, 73),
    ("Gouda", 52.017, 4.708, 74), ("Veenendaal", 52.028, 5.558, 67),
    ("Zeist", 52.090, 5.230, 66), ("Nieuwegein", 52.030, 5.090, 63),
    ("Kampen", 52.555, 5.910, 54), ("Hoogeveen", 52.720, 6.480, 55),
    ("Tiel", 51.886, 5.430, 42), ("Bergen op Zoom", 51.495, 4.290, 68),
    ("Weert", 51.250, 5.710, 50), ("Roermond", 51.190, 5.990, 58),
    ("Goes", 51.500, 3.890, 38), ("Winterswijk", 51.970, 6.720, 29),
    ("Sneek", 53.030, 5.660, 34), ("Stadskanaal", 52.990, 6.950, 31),
]  # fmt: skip
AMSTERDAM_REGION = {
    "Amsterdam", "Haarlem", "Haarlemmermeer", "Zaanstad", "Amstelveen", "Almere",
    "Purmerend", "Hilversum",
}  # fmt: skip
TODAY = date(2026, 3, 1)
NATIONAL_FROM = 5000


def _places(rng: np.random.Generator, n: int, *, national: bool) -> tuple[FloatArray, FloatArray]:
    """n points spread like the population: around towns, weighted by their size."""
    towns = [t for t in NETHERLANDS if national or t[0] in AMSTERDAM_REGION]
    weight = np.asarray([t[3] for t in towns], dtype=np.float64)
    town = rng.choice(len(towns), size=n, p=weight / weight.sum())
    spread_km = np.asarray([2.0 + math.sqrt(t[3]) / 5.0 for t in towns])[town]
    # A tenth lives in the countryside around a town.
    spread_km = np.where(rng.random(n) < 0.1, 12.0, spread_km)
    lat0 = np.asarray([t[1] for t in towns])[town]
    lon0 = np.asarray([t[2] for t in towns])[town]
    lat = lat0 + rng.normal(0, 1, n) * spread_km / 111.0
    lon = lon0 + rng.normal(0, 1, n) * spread_km / (111.0 * np.cos(np.radians(lat0)))
    return lat, lon


def generate_instance(*, households: int, units: int, seed: int) -> Instance:
    """A realistic synthetic instance: families live near their children's schools."""
    rng = np.random.default_rng(seed)
    national = households >= NATIONAL_FROM
    n_schools = max(30, households // 4)
    school_lat, school_lon = _places(rng, n_schools, national=national)
    school_level = rng.choice(
        ["primary", "secondary", "special"], size=n_schools, p=[0.6, 0.3, 0.1]
    )
    schools = [
        School(id=f"S{i:05d}", location=Coordinates(latitude=float(la), longitude=float(lo)))
        for i, (la, lo) in enumerate(zip(school_lat, school_lon, strict=True))
    ]
    school_xyz = ecef_km(latitude_deg=school_lat, longitude_deg=school_lon)
    trees = {
        level: (np.flatnonzero(school_level == level), cKDTree(school_xyz[school_level == level]))
        for level in ("primary", "secondary", "special")
    }
    home_lat, home_lon = _places(rng, households, national=national)
    home_xyz = ecef_km(latitude_deg=home_lat, longitude_deg=home_lon)
    children_count = rng.choice([0, 1, 2, 3, 4], size=households, p=[0.15, 0.35, 0.3, 0.15, 0.05])
    household_list: list[Household] = []
    for i in range(households):
        children = []
        for k in range(int(children_count[i])):
            level = str(rng.choice(["primary", "secondary", "special"], p=[0.6, 0.32, 0.08]))
            index, tree = trees[level]
            _, nearest = tree.query(home_xyz[i], k=min(3, len(index)))
            school = int(index[int(np.atleast_1d(nearest)[rng.integers(0, np.size(nearest))])])
            children.append(
                Child(
                    id=f"H{i:05d}-{k}",
                    school_id=schools[school].id,
                    school_level=level,
                    school_trip_limit_km=None if rng.random() < 0.97 else 10.0,
                )
            )
        needs = [
            need
            for need, share in (
                ("wheelchair", 0.04),
                ("ground_floor", 0.04),
                ("pets", 0.06),
                ("medical", 0.03),
            )
            if rng.random() < share
        ]
        household_list.append(
            Household(
                id=f"H{i:05d}",
                adults=int(rng.choice([1, 2], p=[0.55, 0.45])),
                children=children,
                bedrooms_needed=max(1, math.ceil(len(children) / 2)),
                needs=needs,
                days_in_temporary_housing=int(min(1500, rng.exponential(150))),
                needed_from=TODAY + timedelta(days=int(rng.integers(0, 30))),
                expected_stay_days=int(rng.integers(30, 365)),
            )
        )
    unit_lat, unit_lon = _places(rng, units, national=national)
    unit_list: list[Unit] = []
    for j in range(units):
        bedrooms = int(rng.choice([1, 2, 3, 4, 5], p=[0.2, 0.3, 0.3, 0.15, 0.05]))
        kind = str(rng.choice(["emergency", "transitional", "other"], p=[0.4, 0.45, 0.15]))
        unit_list.append(
            Unit(
                id=f"U{j:05d}",
                kind=kind,
                bedrooms=bedrooms,
                max_occupants=2 * bedrooms + 1,
                features=[
                    need
                    for need, share in (
                        ("wheelchair", 0.15),
                        ("ground_floor", 0.3),
                        ("pets", 0.4),
                        ("medical", 0.1),
                    )
                    if rng.random() < share
                ],
                available_from=TODAY - timedelta(days=int(rng.integers(-10, 90))),
                available_until=(
                    None
                    if rng.random() < 0.6
                    else TODAY + timedelta(days=int(rng.integers(60, 900)))
                ),
                max_stay_days=180 if kind == "emergency" and rng.random() < 0.5 else None,
                location=Coordinates(latitude=float(unit_lat[j]), longitude=float(unit_lon[j])),
                # For placement caps; no random draws, so the rest of the instance is unchanged.
                # Buildings: cells of about 300 m; neighbourhoods: about 2 km; 5 corporations.
                building=f"B{round(unit_lat[j] * 360)}_{round(unit_lon[j] * 220)}",
                neighbourhood=f"N{round(unit_lat[j] * 50)}_{round(unit_lon[j] * 30)}",
                corporation=f"C{j % 5}",
            )
        )
    return Instance(households=household_list, units=unit_list, schools=schools)


@dataclass(frozen=True)
class Outcome:
    method: str
    seconds: float
    cpu_seconds: float
    households_placed: int
    families_placed: int
    children_placed: int
    mean_school_trip_km: float | None
    max_school_trip_km: float | None
    mean_days_placed: float | None
    note: str = ""


def _outcome(
    *,
    method: str,
    seconds: float,
    cpu_seconds: float,
    prepared: Prepared,
    unit_of_household: IntArray,
    note: str = "",
) -> Outcome:
    placed = np.flatnonzero(unit_of_household >= 0)
    trips: list[float] = []
    for child in np.flatnonzero(unit_of_household[prepared.child_household] >= 0).tolist():
        unit = int(unit_of_household[prepared.child_household[child]])
        child_slice = prepared.child_slice(child)
        at = int(np.searchsorted(prepared.trip_unit[child_slice], unit))
        trips.append(float(prepared.trip_km[child_slice][at]))
    families = prepared.children_count[placed] > 0
    return Outcome(
        method=method,
        seconds=round(seconds, 3),
        cpu_seconds=round(cpu_seconds, 3),
        households_placed=len(placed),
        families_placed=int(families.sum()),
        children_placed=int(prepared.children_count[placed].sum()),
        mean_school_trip_km=round(float(np.mean(trips)), 2) if trips else None,
        max_school_trip_km=round(float(np.max(trips)), 2) if trips else None,
        mean_days_placed=(
            round(float(prepared.days_in_temporary_housing[placed].mean()), 1)
            if len(placed)
            else None
        ),
        note=note,
    )


def _single_score(costs: TierCosts, pairs: Pairs) -> tuple[IntArray, int]:
    """The baselines' one objective: place as many as possible, then the default tier-2 score."""
    score = costs.pair_cost("school_and_waiting", np.arange(len(pairs.household)))
    placement_bonus = 2 * int(np.abs(score).max(initial=0)) + 1
    return score, placement_bonus


def bare_flow(*, prepared: Prepared, pairs: Pairs, costs: TierCosts) -> tuple[IntArray, float]:
    """One OR-Tools min-cost flow over all pairs: the floor today."""
    started = time.perf_counter()
    score, bonus = _single_score(costs, pairs)
    n_h, n_u = prepared.n_households, prepared.n_units
    sink = n_h + n_u
    solver = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([pairs.household, np.arange(n_h), n_h + np.arange(n_u)])
    heads = np.concatenate([n_h + pairs.unit, np.full(n_h, sink), np.full(n_u, sink)])
    arc_costs = np.concatenate([score, np.full(n_h, bonus), np.zeros(n_u, np.int64)])
    solver.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(tails), np.int64), arc_costs
    )
    supply = np.zeros(sink + 1, np.int64)
    supply[:n_h] = 1
    supply[sink] = -n_h
    solver.set_nodes_supplies(np.arange(sink + 1), supply)
    if solver.solve() != solver.OPTIMAL:
        raise RuntimeError("bare flow not optimal")
    flows = solver.flows(np.arange(len(pairs.household)))
    unit_of_household = np.full(n_h, -1, np.int64)
    used = flows > 0
    unit_of_household[pairs.household[used]] = pairs.unit[used]
    return unit_of_household, time.perf_counter() - started


def scipy_assignment(
    *, prepared: Prepared, pairs: Pairs, costs: TierCosts
) -> tuple[IntArray, float]:
    """SciPy's dense linear_sum_assignment on the same scores (infeasible pairs cost 0)."""
    started = time.perf_counter()
    score, bonus = _single_score(costs, pairs)
    matrix = np.zeros((prepared.n_households, prepared.n_units), dtype=np.float64)
    matrix[pairs.household, pairs.unit] = score - bonus
    rows, cols = linear_sum_assignment(matrix)
    unit_of_household = np.full(prepared.n_households, -1, np.int64)
    real = matrix[rows, cols] < 0
    unit_of_household[rows[real]] = cols[real]
    return unit_of_household, time.perf_counter() - started


def greedy(*, prepared: Prepared, pairs: Pairs) -> tuple[IntArray, float]:
    """How desks work by hand: the longest-waiting household takes the unit nearest its schools."""
    started = time.perf_counter()
    order = np.lexsort((np.arange(prepared.n_households), -prepared.days_in_temporary_housing))
    unit_of_household = nearest_free_unit_in_turn(prepared=prepared, pairs=pairs, order=order)
    return unit_of_household, time.perf_counter() - started


def independent_lp_check(
    *, prepared: Prepared, pairs: Pairs, costs: TierCosts, policy: Policy, engine_tiers: list[int]
) -> tuple[bool, float, str]:
    """Tier by tier with HiGHS (SciPy's `linprog`) over all pairs: independent code, same optimum?

    The assignment LP is integral. After each tier, HiGHS's own reduced costs fix the face of
    optimal solutions (complementary slackness: positive → 0, negative → 1), so the next LP is an
    assignment LP again, integral, without an objective row that could make it fractional; rows
    with a non-zero price become equalities.
    """
    started = time.perf_counter()
    n_pairs = len(pairs.household)
    pair_index = np.arange(n_pairs)
    matrix = vstack(
        [
            csr_matrix(
                (np.ones(n_pairs), (pairs.household, pair_index)),
                shape=(prepared.n_households, n_pairs),
            ),
            csr_matrix(
                (np.ones(n_pairs), (pairs.unit, pair_index)), shape=(prepared.n_units, n_pairs)
            ),
        ]
    ).tocsr()
    upper = np.ones(prepared.n_households + prepared.n_units)
    tight = np.zeros(len(upper), dtype=bool)
    lower_bound = np.zeros(n_pairs)
    upper_bound = np.ones(n_pairs)
    weights = placement_weights(prepared.children_count > 0)
    messages = []
    agree = True
    for tier, engine_value in zip(policy.tiers, engine_tiers, strict=True):
        if tier == "placement":
            # Unplaced weight = total weight − placed weight.
            objective = -weights[pairs.household].astype(np.float64)
            offset = float(weights.sum())
        else:
            objective = costs.pair_cost(tier, pair_index).astype(np.float64)
            offset = 0.0
        lp = linprog(
            objective,
            A_ub=matrix[~tight] if (~tight).any() else None,
            b_ub=upper[~tight] if (~tight).any() else None,
            A_eq=matrix[tight] if tight.any() else None,
            b_eq=upper[tight] if tight.any() else None,
            bounds=np.column_stack([lower_bound, upper_bound]),
            method="highs-ds",
        )
        if lp.status != 0:
            return False, time.perf_counter() - started, f"{tier}: HiGHS status {lp.status}"
        value = lp.fun + offset
        same = abs(value - engine_value) < 0.5
        agree &= same
        messages.append(f"{tier} {value:.0f}{'=' if same else '≠'}{engine_value}")
        # Row prices y and reduced costs c − Aᵀy; integral for this integral LP. A row with a
        # non-zero price must stay tight in every optimal solution.
        prices = np.zeros(len(upper))
        if (~tight).any():
            prices[~tight] = lp.ineqlin.marginals
        if tight.any():
            prices[tight] = lp.eqlin.marginals
        tight = tight | (np.abs(prices) > 0.5)
        reduced = objective - matrix.T @ prices
        # Only still-free variables: a fixed one's reduced cost says nothing about the face.
        free = lower_bound < upper_bound
        lower_bound = np.where(free & (reduced < -0.5), 1.0, lower_bound)
        upper_bound = np.where(free & (reduced > 0.5), 0.0, upper_bound)
    return agree, time.perf_counter() - started, "; ".join(messages)


# The capped run: at most one household placed per building (a cell of about 300 m here).
CAPPED_POLICY = DEFAULT_POLICY.model_copy(
    update={
        "name": "bench-capped",
        "placement_caps": [PlacementCap(scope="building", max_households=1)],
    }
)


def _timed_solve(instance: Instance, policy: Policy) -> tuple[MatchingResult, float, float]:
    """The engine's result, wall s and CPU s of the whole call, timed from outside: the
    result's own timings leave out the allocator's trim at the end."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = solve(instance, policy)
    return result, time.perf_counter() - started, time.process_time() - started_cpu


def run_size(
    *, size: int, seed: int, scipy_max: int, check_max: int, caps_max: int = 2000
) -> dict[str, Any]:
    """Everything for one size, in this process (call it in a fresh one for honest memory)."""
    instance = generate_instance(households=size, units=size, seed=seed)
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result, engine_s, engine_cpu_s = _timed_solve(instance, DEFAULT_POLICY)
    rss_engine_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    pairs = feasible_pairs(prepared=prepared, policy=DEFAULT_POLICY, with_trip_km=True)
    costs = TierCosts(prepared=prepared, pairs=pairs, policy=DEFAULT_POLICY)
    index = {h: i for i, h in enumerate(prepared.household_ids)}
    unit_index = {u: j for j, u in enumerate(prepared.unit_ids)}
    engine_units = np.full(prepared.n_households, -1, np.int64)
    for proposal in result.proposals:
        engine_units[index[proposal.household_id]] = unit_index[proposal.unit_id]
    outcomes = [
        _outcome(
            method="engine",
            seconds=engine_s,
            cpu_seconds=engine_cpu_s,
            prepared=prepared,
            unit_of_household=engine_units,
        )
    ]
    baselines: list[tuple[str, Callable[[], tuple[IntArray, float]]]] = [
        ("bare flow", lambda: bare_flow(prepared=prepared, pairs=pairs, costs=costs)),
    ]
    if size <= scipy_max:
        baselines.append(
            ("scipy LSA", lambda: scipy_assignment(prepared=prepared, pairs=pairs, costs=costs))
        )
    baselines.append(("greedy", lambda: greedy(prepared=prepared, pairs=pairs)))
    capped: dict[str, Any] | None = None
    if size <= caps_max:
        capped_result, capped_s, capped_cpu_s = _timed_solve(instance, CAPPED_POLICY)
        capped_units = np.full(prepared.n_households, -1, np.int64)
        for proposal in capped_result.proposals:
            capped_units[index[proposal.household_id]] = unit_index[proposal.unit_id]
        outcomes.append(
            _outcome(
                method="engine, caps",
                seconds=capped_s,
                cpu_seconds=capped_cpu_s,
                prepared=prepared,
                unit_of_household=capped_units,
            )
        )
        capped = {
            "status": capped_result.solver.status,
            "candidate_pairs": capped_result.solver.candidate_pairs,
            "tiers": [t.model_dump() for t in capped_result.solver.tiers],
            "cap_reached": sum(1 for u in capped_result.unmatched if u.reason == "cap_reached"),
            "cap_excess": capped_result.solver.cap_excess,
        }
    for method, run_baseline in baselines:
        cpu_started = time.process_time()
        units_of, seconds = run_baseline()
        outcomes.append(
            _outcome(
                method=method,
                seconds=seconds,
                cpu_seconds=time.process_time() - cpu_started,
                prepared=prepared,
                unit_of_household=units_of,
            )
        )
    check: dict[str, Any] | None = None
    if size <= check_max:
        agree, check_s, detail = independent_lp_check(
            prepared=prepared,
            pairs=pairs,
            costs=costs,
            policy=DEFAULT_POLICY,
            engine_tiers=[t.objective for t in result.solver.tiers],
        )
        check = {"agree": agree, "seconds": round(check_s, 2), "detail": detail}
    return {
        "size": size,
        "seed": seed,
        "feasible_pairs": result.solver.feasible_pairs,
        "candidate_pairs": result.solver.candidate_pairs,
        "pricing_rounds": result.solver.pricing_rounds,
        "flow_solves": result.solver.flow_solves,
        "timings": result.timings.model_dump(),
        "engine_s": round(engine_s, 3),
        "engine_cpu_s": round(engine_cpu_s, 3),
        "rss_before_solve_mb": round(rss_before_mb),
        "rss_peak_mb": round(rss_engine_mb),
        "tiers": [t.model_dump() for t in result.solver.tiers],
        "outcomes": [asdict(o) for o in outcomes],
        "independent_check": check,
        "capped": capped,
    }


def engine_only(*, size: int, seed: int) -> dict[str, Any]:
    """The engine alone on one size's instance, in this process: a repeat of its measurement."""
    instance = generate_instance(households=size, units=size, seed=seed)
    result, engine_s, engine_cpu_s = _timed_solve(instance, DEFAULT_POLICY)
    return {
        "engine_s": round(engine_s, 3),
        "engine_cpu_s": round(engine_cpu_s, 3),
        "tiers": [t.objective for t in result.solver.tiers],
    }


def run(
    *,
    sizes: list[int],
    seed: int,
    scipy_max: int,
    check_max: int,
    caps_max: int = 2000,
    engine_repeats: int = 2,
) -> list[dict[str, Any]]:
    """Each size in a fresh process, then the engine alone `engine_repeats` more times, each
    in a fresh process too: on a shared machine one timing spreads by ±20 %."""
    rows = []
    for size in sizes:
        row = _run_child(
            "--size", str(size), "--seed", str(seed), "--scipy-max", str(scipy_max),
            "--check-max", str(check_max), "--caps-max", str(caps_max),
        )  # fmt: skip
        row["engine_repeats"] = [
            _run_child("--size", str(size), "--seed", str(seed), "--engine-only")
            for _ in range(engine_repeats)
        ]
        rows.append(row)
    return rows


def _run_child(*arguments: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "matching.bench", *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    row: dict[str, Any] = json.loads(completed.stdout)
    return row


def render_table(rows: list[dict[str, Any]]) -> str:
    load_1min = os.getloadavg()[0]
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
        f"({platform.processor() or platform.machine()}, {_cpu_count()} cores, "
        f"Python {platform.python_version()}); load average at the end {load_1min:.1f}.",
        "",
        "| size | feasible pairs | candidate pairs | rounds (solves) | candidates s | solve s | "
        "explanations s | engine total s (CPU s) | engine s, all runs: min / median / max | "
        "peak RSS MB (before solve) | independent check |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        t = row["timings"]
        check = row["independent_check"]
        if check is None:
            check_text = "not run"
        else:
            verdict = "same optimum" if check["agree"] else "DIFFERENT"
            check_text = f"{verdict} ({check['detail']}; {check['seconds']} s)"
        lines.append(
            f"| {row['size']:,} | {row['feasible_pairs']:,} | {row['candidate_pairs']:,} | "
            f"{row['pricing_rounds']} ({row['flow_solves']}) | {t['candidates_s']:.2f} | "
            f"{t['solve_s']:.2f} | "
            f"{t['explanations_s']:.2f} | {row['engine_s']:.2f} ({row['engine_cpu_s']:.2f}) | "
            f"{_spread(row)} | {row['rss_peak_mb']} ({row['rss_before_solve_mb']}) | "
            f"{check_text} |"
        )
    lines += [
        "",
        # Wall s over the bare flow's in the same run: the one comparison the shared machine's
        # changing speed leaves standing.
        "| size | method | wall s | ÷ bare flow | CPU s | households placed | families placed | "
        "children placed | mean trip km | max trip km | mean days placed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        bare = [o["seconds"] for o in row["outcomes"] if o["method"] == "bare flow"]
        for o in row["outcomes"]:
            ratio = f"{o['seconds'] / bare[0]:.2f}×" if bare and bare[0] > 0 else "—"
            lines.append(
                f"| {row['size']:,} | {o['method']} | {o['seconds']:.2f} | {ratio} | "
                f"{o['cpu_seconds']:.2f} | "
                f"{o['households_placed']} | "
                f"{o['families_placed']} | {o['children_placed']} | {o['mean_school_trip_km']} | "
                f"{o['max_school_trip_km']} | {o['mean_days_placed']} |"
            )
    capped_rows = [row for row in rows if row.get("capped")]
    if capped_rows:
        lines += [
            "",
            "With placement caps (at most one household per building, a cell of about 300 m; "
            "*engine, caps* above):",
            "",
            "| size | status | columns | left out by a cap | cap excess | "
            "tiers: objective (bound, status) |",
            "|---|---|---|---|---|---|",
        ]
        for row in capped_rows:
            c = row["capped"]
            tiers = "; ".join(
                f"{t['tier']} {t['objective']} ({t['bound']}, {t['status']})" for t in c["tiers"]
            )
            lines.append(
                f"| {row['size']:,} | {c['status']} | {c['candidate_pairs']:,} | "
                f"{c['cap_reached']} | {c['cap_excess']} | {tiers} |"
            )
    return "\n".join(lines) + "\n"


def _spread(row: dict[str, Any]) -> str:
    """Min / median / max wall seconds over the size's engine runs (each in its own process),
    flagging a repeat that reached other tier objectives."""
    repeats = row.get("engine_repeats", [])
    seconds = sorted([row["engine_s"], *(r["engine_s"] for r in repeats)])
    tiers = [t["objective"] for t in row["tiers"]]
    differs = any(r["tiers"] != tiers for r in repeats)
    text = (
        f"{seconds[0]:.2f} / {statistics.median(seconds):.2f} / {seconds[-1]:.2f} ({len(seconds)})"
    )
    return text + (" DIFFERENT OBJECTIVES" if differs else "")


def _cpu_count() -> int:
    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m matching.bench")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scipy-max", type=int, default=2000)
    parser.add_argument("--check-max", type=int, default=2000)
    parser.add_argument("--caps-max", type=int, default=2000)
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args(argv)
    if args.engine_only:
        print(json.dumps(engine_only(size=args.size, seed=args.seed)))
        return 0
    row = run_size(
        size=args.size,
        seed=args.seed,
        scipy_max=args.scipy_max,
        check_max=args.check_max,
        caps_max=args.caps_max,
    )
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
