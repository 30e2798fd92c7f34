"""`solve(instance, policy)`: the one entry point of the matching engine."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.allocator import large_array_heap
from matching.candidates import (
    Pairs,
    Prepared,
    feasible_pairs,
    free_indices,
    prepare,
)
from matching.caps import broken_caps, cap_groups, full_groups_of_units, solve_with_caps
from matching.classes import ClassNodes, class_arc_costs, class_arcs, every_pair
from matching.costs import TierCosts, resolution_statement
from matching.explain import Assignment, Explainer
from matching.flow import ClassArcs, Tier, solve_lexicographic
from matching.instance import Instance
from matching.policies import DEFAULT_POLICY, Policy, TierName
from matching.result import (
    MatchingResult,
    Proposal,
    SolverReport,
    SolverStatus,
    Summary,
    TierOutcome,
    Timings,
    Unmatched,
)
from matching.segments import find_in_segments, sorted_by_group

IntArray = npt.NDArray[np.int64]
SOLVER_NAME = (
    "ortools.SimpleMinCostFlow, tier by tier, exact sparsification by dual prices; "
    "a placement-only tier by ortools.SimpleMaxFlow mended along alternating paths"
)
CAPPED_SOLVER_NAME = (
    "HiGHS MIP (highspy; LP relaxation warm-started between solves, branch and bound started "
    "from the best assignment so far), tier by tier over {pairs} candidate pairs with the "
    "policy's placement caps, after the min-cost flow's optimum without caps broke {broken} "
    "group cap(s)"
)


def solve(
    instance: Instance,
    policy: Policy = DEFAULT_POLICY,
    *,
    candidates_per_household: int = 2,
    class_nodes: bool = True,
) -> MatchingResult:
    """Propose placements: hard rules never broken, tiers optimised in strict order.

    Deterministic: households and units are processed in id order, so equal input gives equal
    output (apart from `timings`), and ties go to stable ids (with binding placement caps, the
    MIP's own deterministic choice among equals). `class_nodes=False` gives every
    feasible pair an arc of its own (same optimum, slower: for tests and comparison).
    """
    with large_array_heap():
        return _solve(
            instance,
            policy,
            candidates_per_household=candidates_per_household,
            class_nodes=class_nodes,
        )


def _solve(
    instance: Instance, policy: Policy, *, candidates_per_household: int, class_nodes: bool
) -> MatchingResult:
    started = time.perf_counter()
    started_cpu = time.process_time()
    # Data
    prepared = prepare(instance=instance, policy=policy)
    # Checked before any solving: a cap on a scope some unit lacks is an input error.
    groups = cap_groups(instance=instance, prepared=prepared, policy=policy)
    # Variables: households without children that are indifferent between the units of a class
    # reach them through one class node; every other pair is an arc of its own. The pairs a class
    # arc stands for are not listed at all.
    classes = class_arcs(prepared=prepared, policy=policy, enabled=class_nodes)
    pairs = feasible_pairs(prepared=prepared, policy=policy, implied_cells=classes.implied_cells)
    candidates_done = time.perf_counter()

    free_households, free_units = free_indices(prepared)
    local_household = np.full(prepared.n_households, -1, dtype=np.int64)
    local_household[free_households] = np.arange(len(free_households))
    local_unit = np.full(prepared.n_units, -1, dtype=np.int64)
    local_unit[free_units] = np.arange(len(free_units))
    costs = TierCosts(prepared=prepared, pairs=pairs, policy=policy)
    class_cost = class_arc_costs(classes=classes, costs=costs, policy=policy)
    # Each tier's cost of every listed pair, once (kept by `costs` for the explanations).
    pair_cost = {tier: costs.all_pairs_cost(tier) for tier in policy.tiers}
    tiers = [
        Tier(
            name=tier,
            pair_cost=lambda index, tier=tier: pair_cost[tier][index].astype(np.int64),  # type: ignore[misc]
            bypass_cost=costs.bypass_cost(tier, free_households),
        )
        for tier in policy.tiers
    ]
    solution = solve_lexicographic(
        n_households=len(free_households),
        n_units=len(free_units),
        pair_household=local_household[pairs.household],
        pair_unit=local_unit[pairs.unit],
        tiers=tiers,
        initial_candidates=np.concatenate(
            [
                _initial_candidates(
                    pairs=pairs,
                    pair_cost=pair_cost,
                    prepared=prepared,
                    policy=policy,
                    per_household=candidates_per_household,
                ),
                _initial_class_candidates(
                    classes=classes,
                    class_cost=class_cost,
                    prepared=prepared,
                    policy=policy,
                    per_kind=candidates_per_household,
                ),
            ]
        ),
        added_per_household=16,
        class_arcs=ClassArcs(
            n_classes=classes.n_classes,
            household=local_household[classes.household],
            klass=classes.klass,
            cost=class_cost,
            unit_class=classes.unit_class,
            unit=local_unit[classes.unit],
        ),
    )
    solve_done = time.perf_counter()

    unit_of_household = np.full(prepared.n_households, -1, dtype=np.int64)
    placed_pairs = solution.pair_of_household[solution.pair_of_household >= 0]
    unit_of_household[pairs.household[placed_pairs]] = pairs.unit[placed_pairs]
    by_class = np.flatnonzero(solution.unit_of_household_by_class >= 0)
    unit_of_household[free_households[by_class]] = free_units[
        solution.unit_of_household_by_class[by_class]
    ]
    unit_of_household[prepared.fixed_household] = prepared.fixed_unit
    household_of_unit = _household_of_unit(unit_of_household, n_units=prepared.n_units)
    solver_name = SOLVER_NAME
    solver_status: SolverStatus = "optimal"
    tier_outcomes = [
        TierOutcome(
            tier=t.name,
            objective=t.objective,
            bound=t.bound,
            status="optimal",
            solved_with=t.solved_with,
        )
        for t in solution.tiers
    ]
    candidate_pairs = solution.candidate_pairs
    cap_excess = 0
    broken = broken_caps(groups, household_of_unit, prepared.fixed_unit)
    if broken:
        # The flow's optimum breaks a cap: a MIP solves the tiers again with the caps, over
        # every pair (caps cut across classes: a pair of a class arc is a column of its own).
        all_pairs = every_pair(pairs=pairs, classes=classes, n_units=prepared.n_units)
        capped = solve_with_caps(
            pairs=all_pairs,
            costs=TierCosts(prepared=prepared, pairs=all_pairs, policy=policy),
            policy=policy,
            groups=groups,
            free_households=free_households,
            flow_pair_of_household=_pair_of_household(
                pairs=all_pairs,
                unit_of_household=unit_of_household,
                households=free_households,
            ),
        )
        unit_of_household = np.full(prepared.n_households, -1, dtype=np.int64)
        placed_households = np.flatnonzero(capped.pair_of_household >= 0)
        unit_of_household[placed_households] = all_pairs.unit[
            capped.pair_of_household[placed_households]
        ]
        unit_of_household[prepared.fixed_household] = prepared.fixed_unit
        household_of_unit = _household_of_unit(unit_of_household, n_units=prepared.n_units)
        solver_name = CAPPED_SOLVER_NAME.format(
            pairs=f"{capped.candidate_pairs:,}" + (" (all)" if capped.all_pairs else ""),
            broken=len(broken),
        )
        statuses = {t.status for t in capped.tiers} | (
            set() if capped.cap_excess_proven else {"feasible"}
        )
        solver_status = (
            "optimal"
            if statuses == {"optimal"}
            else ("time_limit" if "time_limit" in statuses else "feasible")
        )
        tier_outcomes = [
            TierOutcome(
                tier=t.name,
                objective=t.objective,
                bound=t.bound,
                status=t.status,
                solved_with=[t.name],
            )
            for t in capped.tiers
        ]
        candidate_pairs = capped.candidate_pairs
        cap_excess = capped.cap_excess
    fixed_household = np.zeros(prepared.n_households, dtype=bool)
    fixed_household[prepared.fixed_household] = True
    assignment = Assignment(
        unit_of_household=unit_of_household,
        household_of_unit=household_of_unit,
        fixed_household=fixed_household,
    )
    explainer = Explainer(
        prepared=prepared,
        pairs=pairs,
        costs=costs,
        policy=policy,
        classes=classes,
        class_cost=class_cost,
        cap_full=full_groups_of_units(groups, household_of_unit),
    )
    with _cyclic_gc_paused():
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
            name=solver_name,
            status=solver_status,
            tiers=tier_outcomes,
            feasible_pairs=len(pairs.household) + classes.implied_count,
            candidate_pairs=candidate_pairs,
            pricing_rounds=solution.pricing_rounds,
            flow_solves=solution.flow_solves,
            cap_excess=cap_excess,
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


def _household_of_unit(unit_of_household: IntArray, *, n_units: int) -> IntArray:
    household_of_unit = np.full(n_units, -1, dtype=np.int64)
    placed = np.flatnonzero(unit_of_household >= 0)
    household_of_unit[unit_of_household[placed]] = placed
    return household_of_unit


def _pair_of_household(
    *, pairs: Pairs, unit_of_household: IntArray, households: IntArray
) -> IntArray:
    """The feasible pair index of each of `households`' units (-1 where none), by household."""
    pair_of_household = np.full(len(unit_of_household), -1, dtype=np.int64)
    placed = households[unit_of_household[households] >= 0]
    # Pairs are sorted by household, then unit: a binary search in each household's run.
    pair_of_household[placed] = find_in_segments(
        pairs.unit,
        starts=np.searchsorted(pairs.household, placed, side="left"),
        stops=np.searchsorted(pairs.household, placed, side="right"),
        targets=unit_of_household[placed],
    )
    return pair_of_household


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the explanations are built.

    They are ~100 k small objects without cycles; allocating them triggers full collections
    that traverse every object of the instance as well (measured at 10,000: 0.73–0.90 CPU s with
    the collector, 0.37 s without). Reference counting still frees everything; the collector
    runs again afterwards. The switch is process-wide but held briefly; with two solves in
    parallel threads the collector may come back before the later one is done, which only costs
    it the time saved here.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _initial_candidates(
    *,
    pairs: Pairs,
    pair_cost: dict[TierName, npt.NDArray[np.signedinteger]],
    prepared: Prepared,
    policy: Policy,
    per_household: int,
) -> npt.NDArray[np.bool_]:
    """Each household's few best units by its own costs: a guess that pricing then makes exact.

    A mask over the listed pairs. Vectorised (but for the greedy placement): a few passes of
    scattered minima instead of a loop per household.
    """
    n_pairs = len(pairs.household)
    chosen = np.zeros(n_pairs, dtype=bool)
    if not n_pairs:
        return chosen
    pair_household = pairs.household
    pair_unit = pairs.unit
    secondary = [t for t in policy.tiers if t != "placement"]
    # Only for ranking the guess: the first tier after placement, fit breaking its ties, i.e.
    # the order of the float `rank_cost + fit_cost / 1000.0`. The integers
    # `(rank_cost - lowest) * 1000 + fit_cost` have exactly that order and those ties while fit
    # is 0..999 and rank costs stay far below 2**53 / 1000; otherwise the float's dense rank.
    rank_cost = pair_cost[secondary[0]]
    fit_cost = pair_cost["fit"]
    lowest, highest = int(rank_cost.min()), int(rank_cost.max())
    if int(fit_cost.min()) >= 0 and int(fit_cost.max()) < 1000 and max(-lowest, highest) < 2**30:
        # In place on one fresh array: at 10,000 every new array of the pairs costs its
        # 30 MB of page faults.
        rank = rank_cost.astype(np.int64)
        rank -= lowest
        rank *= 1000
        rank += fit_cost
    else:
        float_key = pair_cost[secondary[0]].astype(np.float64)
        float_key += pair_cost["fit"] / 1000.0
        rank = np.unique(float_key, return_inverse=True)[1].reshape(-1)
    # One int64 per pair, (rank, position): a minimum is then unique and names its pair, the
    # first (lowest unit id) of equals. Dense ranks if the two do not fit in 62 bits.
    position_bits = max(n_pairs - 1, 1).bit_length()
    position_mask = (1 << position_bits) - 1
    done = np.iinfo(np.int64).max
    if int(rank.max()).bit_length() + position_bits > 62:
        rank = np.unique(rank, return_inverse=True)[1].reshape(-1)
    by_rank = rank  # not needed again: packed in place
    by_rank <<= position_bits
    position = np.arange(n_pairs)
    by_rank |= position
    starts = np.flatnonzero(np.r_[True, pair_household[1:] != pair_household[:-1]])
    stops = np.r_[starts[1:], n_pairs]
    # The best few of every unit kind: waiting earns more on a transitional unit, so everyone's
    # very best are transitional units and competition decides who ends up on the others.
    # Minima per (household, kind) by scatter: a household's pairs are not sorted by kind.
    household_kind = pair_household * 3
    household_kind += prepared.kind_code[pair_unit]
    _mark_best(
        chosen=chosen,
        group=household_kind,
        n_groups=3 * prepared.n_households,
        packed=by_rank.copy(),
        position_mask=position_mask,
        rounds=per_household,
    )
    # Plus each unit's few best households (by the first tier alone): competition for a unit
    # shows from its side (a unit in nobody's guess would look free and price many pairs
    # negative). Minima per unit by scatter too: the pairs are sorted by household.
    remaining = rank_cost.astype(np.int64)
    remaining -= lowest
    if (highest - lowest).bit_length() + position_bits > 62:
        remaining = np.unique(remaining, return_inverse=True)[1].reshape(-1)
    remaining <<= position_bits
    remaining |= position
    _mark_best(
        chosen=chosen,
        group=pair_unit,
        n_groups=prepared.n_units,
        packed=remaining,
        position_mask=position_mask,
        rounds=per_household,
    )
    # Plus a maximum matching (Hopcroft–Karp), so the first flow can place everyone it may.
    matched_unit = maximum_bipartite_matching(
        csr_matrix(
            (np.ones(n_pairs, dtype=np.int8), pair_unit, np.r_[starts, n_pairs]),
            shape=(len(starts), prepared.n_units),
        ),
        perm_type="column",
    )
    has_unit = np.flatnonzero(matched_unit >= 0)
    chosen[
        find_in_segments(
            pair_unit,
            starts=starts[has_unit],
            stops=stops[has_unit],
            targets=matched_unit[has_unit],
        )
    ] = True
    # Plus a greedy placement (the most constrained household first takes its best free unit),
    # so the first flow already places nearly everyone and pricing only has to improve it.
    taken = np.zeros(prepared.n_units, dtype=bool)
    start_of = starts.tolist()
    stop_of = stops.tolist()
    for group in np.argsort(stops - starts, kind="stable").tolist():
        start, stop = start_of[group], stop_of[group]
        units = pair_unit[start:stop]
        free_rank = np.where(taken[units], done, by_rank[start:stop])
        best_free = int(free_rank.argmin())
        if free_rank[best_free] != done:
            chosen[start + best_free] = True
            taken[units[best_free]] = True
    return chosen


def _mark_best(
    *,
    chosen: npt.NDArray[np.bool_],
    group: IntArray,
    n_groups: int,
    packed: IntArray,
    position_mask: int,
    rounds: int,
) -> None:
    """Mark each group's `rounds` best pairs in `chosen`, by scattered minima.

    `packed` holds one (rank, position) int64 per pair, so a group's minimum is unique and names
    its pair; it is used up (marked pairs are set to the maximum).
    """
    done = np.iinfo(np.int64).max
    for _ in range(rounds):
        best = np.full(n_groups, done, dtype=np.int64)
        np.minimum.at(best, group, packed)
        best_pair = best[best != done] & position_mask
        if not len(best_pair):
            return
        chosen[best_pair] = True
        packed[best_pair] = done


def _initial_class_candidates(
    *,
    classes: ClassNodes,
    class_cost: dict[str, IntArray],
    prepared: Prepared,
    policy: Policy,
    per_kind: int,
) -> npt.NDArray[np.bool_]:
    """Each grouped household's few best classes of either kind (transitional or not)."""
    chosen = np.zeros(len(classes.household), dtype=bool)
    if not len(chosen):
        return chosen
    secondary = [t for t in policy.tiers if t != "placement"]
    key = class_cost[secondary[0]].astype(np.float64) + class_cost["fit"] / 1000.0
    kind = prepared.is_transitional[classes.representative[classes.klass]]
    # Rank within (household, kind) by key, then class: the first few of each group.
    household_kind = classes.household * 2 + kind
    arc_key = classes.household * max(classes.n_classes, 1) + classes.klass
    if len(arc_key) > 1 and bool((arc_key[1:] > arc_key[:-1]).all()):
        # Arcs sorted by household, then class (as class_arcs gives them): position breaks
        # ties as the class does, and the key's dense rank is an integer key in its order.
        key_rank = np.unique(key, return_inverse=True)[1].reshape(-1)
        order = sorted_by_group(group=household_kind, key=key_rank)
    else:
        order = np.lexsort((classes.klass, key, kind, classes.household))
    group = household_kind[order]
    first = np.searchsorted(group, group, side="left")
    rank = np.arange(len(order)) - first
    chosen[order[rank < per_kind]] = True
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
