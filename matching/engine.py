"""`solve(instance, policy)`: the one entry point of the matching engine."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, feasible_pairs, free_indices, prepare
from matching.classes import class_arcs
from matching.costs import TierCosts, resolution_statement
from matching.explain import Assignment, Explainer
from matching.flow import ClassArcs, Tier, solve_lexicographic
from matching.instance import Instance
from matching.policies import DEFAULT_POLICY, Policy
from matching.result import (
    MatchingResult,
    Proposal,
    SolverReport,
    Summary,
    TierOutcome,
    Timings,
    Unmatched,
)

IntArray = npt.NDArray[np.int64]
SOLVER_NAME = "ortools.SimpleMinCostFlow, tier by tier, exact sparsification by dual prices"


def solve(
    instance: Instance,
    policy: Policy = DEFAULT_POLICY,
    *,
    candidates_per_household: int = 8,
    class_nodes: bool = True,
) -> MatchingResult:
    """Propose placements: hard rules never broken, tiers optimised in strict order.

    Deterministic: households and units are processed in id order, so equal input gives equal
    output (apart from `timings`), and ties go to stable ids. `class_nodes=False` gives every
    feasible pair an arc of its own (same optimum, slower: for tests and comparison).
    """
    started = time.perf_counter()
    started_cpu = time.process_time()
    # Data
    prepared = prepare(instance=instance, policy=policy)
    pairs = feasible_pairs(prepared=prepared, policy=policy)
    candidates_done = time.perf_counter()

    free_households, free_units = free_indices(prepared)
    local_household = np.full(prepared.n_households, -1, dtype=np.int64)
    local_household[free_households] = np.arange(len(free_households))
    local_unit = np.full(prepared.n_units, -1, dtype=np.int64)
    local_unit[free_units] = np.arange(len(free_units))
    costs = TierCosts(prepared=prepared, pairs=pairs, policy=policy)
    # Variables: households without children that are indifferent between the units of a class
    # reach them through one class node; every other pair is an arc of its own.
    classes = class_arcs(pairs=pairs, costs=costs, policy=policy, enabled=class_nodes)
    explicit = np.flatnonzero(~classes.implied_pairs)
    tiers = [
        Tier(
            name=tier,
            pair_cost=lambda index, tier=tier: costs.pair_cost(tier, explicit[index]),  # type: ignore[misc]
            bypass_cost=costs.bypass_cost(tier, free_households),
        )
        for tier in policy.tiers
    ]
    solution = solve_lexicographic(
        n_households=len(free_households),
        n_units=len(free_units),
        pair_household=local_household[pairs.household[explicit]],
        pair_unit=local_unit[pairs.unit[explicit]],
        tiers=tiers,
        initial_candidates=_initial_candidates(
            pairs=pairs,
            pair_index=explicit,
            costs=costs,
            policy=policy,
            per_household=candidates_per_household,
        ),
        added_per_household=16 * candidates_per_household,
        class_arcs=ClassArcs(
            n_classes=classes.n_classes,
            household=local_household[classes.household],
            klass=classes.klass,
            cost=classes.cost,
            unit_class=classes.unit_class,
            unit=local_unit[classes.unit],
        ),
    )
    solve_done = time.perf_counter()

    unit_of_household = np.full(prepared.n_households, -1, dtype=np.int64)
    placed_pairs = explicit[solution.pair_of_household[solution.pair_of_household >= 0]]
    unit_of_household[pairs.household[placed_pairs]] = pairs.unit[placed_pairs]
    by_class = np.flatnonzero(solution.unit_of_household_by_class >= 0)
    unit_of_household[free_households[by_class]] = free_units[
        solution.unit_of_household_by_class[by_class]
    ]
    unit_of_household[prepared.fixed_household] = prepared.fixed_unit
    household_of_unit = np.full(prepared.n_units, -1, dtype=np.int64)
    placed = np.flatnonzero(unit_of_household >= 0)
    household_of_unit[unit_of_household[placed]] = placed
    fixed_household = np.zeros(prepared.n_households, dtype=bool)
    fixed_household[prepared.fixed_household] = True
    assignment = Assignment(
        unit_of_household=unit_of_household,
        household_of_unit=household_of_unit,
        fixed_household=fixed_household,
    )
    explainer = Explainer(prepared=prepared, pairs=pairs, costs=costs, policy=policy)
    proposals: list[Proposal] = explainer.proposals(assignment=assignment)
    unmatched: list[Unmatched] = [
        explainer.unmatched(household=household, assignment=assignment)
        for household in np.flatnonzero(unit_of_household < 0).tolist()
    ]
    explained = time.perf_counter()

    return MatchingResult(
        policy_name=policy.name,
        policy_version=policy.version,
        proposals=proposals,
        unmatched=unmatched,
        summary=_summary(instance=instance, proposals=proposals),
        solver=SolverReport(
            name=SOLVER_NAME,
            status="optimal",
            tiers=[
                TierOutcome(
                    tier=t.name,
                    objective=t.objective,
                    bound=t.bound,
                    status="optimal",
                    solved_with=t.solved_with,
                )
                for t in solution.tiers
            ],
            feasible_pairs=len(pairs.household),
            candidate_pairs=solution.candidate_pairs,
            pricing_rounds=solution.pricing_rounds,
        ),
        cost_resolution=resolution_statement(policy),
        timings=Timings(
            candidates_s=round(candidates_done - started, 4),
            solve_s=round(solve_done - candidates_done, 4),
            explanations_s=round(explained - solve_done, 4),
            total_s=round(explained - started, 4),
            total_cpu_s=round(time.process_time() - started_cpu, 4),
        ),
    )


def _initial_candidates(
    *, pairs: Pairs, pair_index: IntArray, costs: TierCosts, policy: Policy, per_household: int
) -> npt.NDArray[np.bool_]:
    """Each household's few best units by its own costs: a guess that pricing then makes exact.

    Over the pairs `pair_index` (sorted) only; the result is a mask over them.
    """
    n_pairs = len(pair_index)
    chosen = np.zeros(n_pairs, dtype=bool)
    if not n_pairs:
        return chosen
    pair_household = pairs.household[pair_index]
    pair_unit = pairs.unit[pair_index]
    secondary = [t for t in policy.tiers if t != "placement"]
    # Only for ranking the guess: the first tier after placement, fit breaking its ties.
    key = costs.pair_cost(secondary[0], pair_index).astype(np.float64)
    key += costs.pair_cost("fit", pair_index) / 1000.0
    # Among equals (a household without children is indifferent between many units), prefer
    # units few others can use, so the first guess leaves contested units to those who need them.
    demand = np.bincount(pair_unit, minlength=costs.prepared.n_units).astype(np.float64)
    key += demand[pair_unit] / (demand.max() + 1.0) / 1000.0
    bounds = np.flatnonzero(np.r_[True, pair_household[1:] != pair_household[:-1], True])
    starts, stops = bounds[:-1], bounds[1:]
    # The best few of every unit kind: waiting earns more on a transitional unit, so everyone's
    # very best are transitional units and competition decides who ends up on the others.
    kind_code = costs.prepared.kind_code
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        if stop - start <= per_household:
            chosen[start:stop] = True
            continue
        segment_key = key[start:stop]
        segment_kind = kind_code[pair_unit[start:stop]]
        for kind in range(3):
            of_kind = np.flatnonzero(segment_kind == kind)
            if len(of_kind) <= per_household:
                chosen[start + of_kind] = True
            else:
                best = np.argpartition(segment_key[of_kind], per_household)[:per_household]
                chosen[start + of_kind[best]] = True
    # Plus each unit's few best households: competition for a unit shows from its side.
    if pair_unit.max(initial=0) < 2**16:
        by_unit = np.argsort(pair_unit.astype(np.uint16), kind="stable")
    else:
        by_unit = np.argsort(pair_unit, kind="stable")
    unit_sorted = pair_unit[by_unit]
    unit_bounds = np.flatnonzero(np.r_[True, unit_sorted[1:] != unit_sorted[:-1], True])
    key_by_unit = key[by_unit]
    for start, stop in zip(unit_bounds[:-1].tolist(), unit_bounds[1:].tolist(), strict=True):
        if stop - start <= per_household:
            chosen[by_unit[start:stop]] = True
        else:
            best = np.argpartition(key_by_unit[start:stop], per_household)[:per_household]
            chosen[by_unit[start + best]] = True
    # Plus a greedy placement (the most constrained household first takes its best free unit),
    # so the first flow already places nearly everyone and pricing only has to improve it.
    taken = np.zeros(int(pair_unit.max()) + 1, dtype=bool)
    for group in np.argsort(stops - starts, kind="stable").tolist():
        start, stop = int(starts[group]), int(stops[group])
        free = ~taken[pair_unit[start:stop]]
        if free.any():
            best_free = start + int(np.argmin(np.where(free, key[start:stop], np.inf)))
            chosen[best_free] = True
            taken[pair_unit[best_free]] = True
    return chosen


def _summary(*, instance: Instance, proposals: list[Proposal]) -> Summary:
    households = {h.id: h for h in instance.households}
    placed = [households[p.household_id] for p in proposals]
    trips_km = [
        t.school_trip_km
        for p in proposals
        for t in p.figures.child_trips
        if t.school_trip_km is not None
    ]
    return Summary(
        households=len(instance.households),
        units=len(instance.units),
        households_placed=len(placed),
        families_with_children_placed=sum(1 for h in placed if h.children),
        children_placed=sum(len(h.children) for h in placed),
        mean_school_trip_km=round(float(np.mean(trips_km)), 3) if trips_km else None,
        max_school_trip_km=round(float(np.max(trips_km)), 3) if trips_km else None,
        mean_days_in_temporary_housing_placed=(
            round(float(np.mean([h.days_in_temporary_housing for h in placed])), 2)
            if placed
            else None
        ),
    )
