"""Exact lexicographic min-cost flow with exact sparsification by dual prices.

The network: every free household has supply 1 and sends it either to a unit (a pair arc) or
straight to the sink (its *bypass*: left without a place); every unit passes at most 1 to the sink.

Tiers are solved one after another. After each tier, dual prices (node potentials) describe the
whole set of optimal flows exactly (complementary slackness): an arc with positive reduced cost
carries no flow in any optimal flow, an arc with negative reduced cost is full in every one, and
only zero-reduced-cost arcs are free. The next tier runs on that face only, so no amount of a
lower tier can buy any of a higher one — with every tier's costs kept small, unlike one big-M
objective, which overflows 64-bit cost scaling at a few thousand households.

Each tier runs on a small candidate subset of the pair arcs. Its potentials price every pair
that was left out; a pair with negative reduced cost could improve the optimum and is added, and
the tier is solved again, until no left-out pair prices negative. Then the flow is optimal over
all pairs (LP duality), and the dual bound printed per tier proves it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# OR-Tools' cost scaling multiplies costs by about the node count; stay well inside 64 bits.
_MAX_SCALED_COST = 2**62

_FREE, _REMOVED, _FORCED = 0, 1, 2


class FlowSolverError(RuntimeError):
    """The flow solver did not reach an optimum where one must exist (a bug, not bad input)."""


@dataclass(frozen=True)
class Tier:
    name: str
    # Integer cost of each pair arc, for an array of pair indices.
    pair_cost: Callable[[IntArray], IntArray]
    # Integer cost of leaving each household without a place.
    bypass_cost: IntArray


@dataclass(frozen=True)
class TierResult:
    name: str
    objective: int
    bound: int


@dataclass(frozen=True)
class LexicographicSolution:
    # For each household: the pair index it was placed on, or -1.
    pair_of_household: IntArray
    tiers: list[TierResult]
    candidate_pairs: int
    pricing_rounds: int


def solve_lexicographic(
    *,
    n_households: int,
    n_units: int,
    pair_household: IntArray,
    pair_unit: IntArray,
    tiers: Sequence[Tier],
    initial_candidates: BoolArray,
    added_per_household: int = 8,
) -> LexicographicSolution:
    """Optimise the tiers in strict order over all pairs; pairs must be sorted by household."""
    # Data
    sink = n_households + n_units
    n_nodes = sink + 1
    unit_node = n_households + pair_unit
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[:n_households] = 1
    supply[sink] = -n_households
    alive = np.arange(len(pair_household), dtype=np.int64)
    in_candidates = initial_candidates.copy()
    forced_pairs = np.zeros(0, dtype=np.int64)
    bypass_state = np.full(n_households, _FREE, dtype=np.int8)
    sink_state = np.full(n_units, _FREE, dtype=np.int8)
    results: list[TierResult] = []
    pricing_rounds = 0
    flow_pairs = np.zeros(0, dtype=np.int64)

    for tier in tiers:
        pair_cost = tier.pair_cost(alive)
        bypass_cost = tier.bypass_cost
        _check_cost_range(pair_cost, bypass_cost, n_nodes)
        # Arcs fixed by earlier tiers contribute a constant to this tier.
        constant = int(tier.pair_cost(forced_pairs).sum()) + int(
            bypass_cost[bypass_state == _FORCED].sum()
        )
        potential = np.zeros(n_nodes, dtype=np.int64)
        while True:
            pricing_rounds += 1
            # Variables: the candidate pair arcs, the free bypass arcs, the free unit→sink arcs.
            chosen = np.flatnonzero(in_candidates[alive])
            free_bypass = np.flatnonzero(bypass_state == _FREE)
            free_sink = np.flatnonzero(sink_state == _FREE)
            tails = np.concatenate(
                [pair_household[alive[chosen]], free_bypass, n_households + free_sink]
            )
            heads = np.concatenate(
                [
                    unit_node[alive[chosen]],
                    np.full(len(free_bypass), sink, dtype=np.int64),
                    np.full(len(free_sink), sink, dtype=np.int64),
                ]
            )
            costs = np.concatenate(
                [pair_cost[chosen], bypass_cost[free_bypass], np.zeros(len(free_sink), np.int64)]
            )
            # Constraints (flow conservation with these supplies) and objective, then solve.
            flows = _min_cost_flow(
                tails=tails, heads=heads, costs=costs, supply=supply, n_nodes=n_nodes
            )
            potential = _potentials(
                tails=tails, heads=heads, costs=costs, flows=flows, warm_start=potential
            )
            # Pricing: a left-out pair with negative reduced cost could still improve this tier.
            left_out = np.flatnonzero(~in_candidates[alive])
            reduced = (
                pair_cost[left_out]
                + potential[pair_household[alive[left_out]]]
                - potential[unit_node[alive[left_out]]]
            )
            negative = reduced < 0
            if not negative.any():
                break
            added = _most_negative_per_household(
                positions=left_out[negative],
                reduced=reduced[negative],
                household=pair_household[alive[left_out[negative]]],
                limit=added_per_household,
            )
            in_candidates[alive[added]] = True

        objective = constant + int((costs * flows).sum())
        arc_reduced = costs + potential[tails] - potential[heads]
        dual_bound = (
            constant - int((supply * potential).sum()) - int(np.maximum(0, -arc_reduced).sum())
        )
        results.append(TierResult(name=tier.name, objective=objective, bound=dual_bound))
        if dual_bound != objective:
            raise FlowSolverError(
                f"tier {tier.name}: dual bound {dual_bound} differs from objective {objective}"
            )
        flow_pairs = alive[chosen[flows[: len(chosen)] > 0]]

        # Restrict every arc to the optimal face of this tier (complementary slackness).
        reduced_all = pair_cost + potential[pair_household[alive]] - potential[unit_node[alive]]
        must_use = alive[reduced_all < 0]
        np.subtract.at(supply, pair_household[must_use], 1)
        np.add.at(supply, unit_node[must_use], 1)
        forced_pairs = np.concatenate([forced_pairs, must_use])
        alive = alive[reduced_all == 0]

        free_bypass = np.flatnonzero(bypass_state == _FREE)
        bypass_reduced = bypass_cost[free_bypass] + potential[free_bypass] - potential[sink]
        bypass_state[free_bypass[bypass_reduced > 0]] = _REMOVED
        forced_bypass = free_bypass[bypass_reduced < 0]
        bypass_state[forced_bypass] = _FORCED
        supply[forced_bypass] -= 1
        supply[sink] += len(forced_bypass)

        free_sink = np.flatnonzero(sink_state == _FREE)
        sink_reduced = potential[n_households + free_sink] - potential[sink]
        sink_state[free_sink[sink_reduced > 0]] = _REMOVED
        forced_sink = free_sink[sink_reduced < 0]
        sink_state[forced_sink] = _FORCED
        supply[n_households + forced_sink] -= 1
        supply[sink] += len(forced_sink)

        # A household with nothing left to send, or a unit that can take nothing more, keeps no
        # pair arcs: they could only carry zero flow.
        unit_room = np.where(sink_state == _FREE, 1, 0) - supply[n_households:sink]
        useful = (supply[pair_household[alive]] > 0) & (unit_room[pair_unit[alive]] > 0)
        alive = alive[useful]

    pair_of_household = np.full(n_households, -1, dtype=np.int64)
    placed = np.concatenate([forced_pairs, flow_pairs])
    pair_of_household[pair_household[placed]] = placed
    return LexicographicSolution(
        pair_of_household=pair_of_household,
        tiers=results,
        candidate_pairs=int(in_candidates.sum()),
        pricing_rounds=pricing_rounds,
    )


def _check_cost_range(pair_cost: IntArray, bypass_cost: IntArray, n_nodes: int) -> None:
    largest = max(int(np.abs(pair_cost).max(initial=0)), int(np.abs(bypass_cost).max(initial=0)), 1)
    if largest * (n_nodes + 1) >= _MAX_SCALED_COST:
        raise ValueError(
            f"scaled costs up to {largest} overflow 64-bit cost scaling with {n_nodes} nodes; "
            "choose a coarser score_resolution_points"
        )


def _min_cost_flow(
    *, tails: IntArray, heads: IntArray, costs: IntArray, supply: IntArray, n_nodes: int
) -> IntArray:
    solver = min_cost_flow.SimpleMinCostFlow()
    if len(tails):
        solver.add_arcs_with_capacity_and_unit_cost(
            tails, heads, np.ones(len(tails), dtype=np.int64), costs
        )
    # Nodes without arcs must still exist for their supply to be set.
    solver.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supply)
    if not len(tails):
        if supply.any():
            raise FlowSolverError("no arcs but non-zero supplies")
        return np.zeros(0, dtype=np.int64)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowSolverError(f"min-cost flow ended with status {status}")
    return np.asarray(solver.flows(np.arange(len(tails), dtype=np.int64)), dtype=np.int64)


def _potentials(
    *, tails: IntArray, heads: IntArray, costs: IntArray, flows: IntArray, warm_start: IntArray
) -> IntArray:
    """Node potentials with non-negative reduced cost on every residual arc.

    Label-correcting shortest paths (Bellman–Ford, vectorised) in the residual graph, from any
    start: without negative cycles — the flow is optimal — it ends in a feasible potential.
    """
    used = flows > 0
    residual_tail = np.where(used, heads, tails)
    residual_head = np.where(used, tails, heads)
    residual_cost = np.where(used, -costs, costs)
    order = np.argsort(residual_head, kind="stable")
    residual_tail = residual_tail[order]
    residual_head = residual_head[order]
    residual_cost = residual_cost[order]
    potential = warm_start.copy()
    if not len(order):
        return potential
    group_start = np.flatnonzero(np.r_[True, residual_head[1:] != residual_head[:-1]])
    group_head = residual_head[group_start]
    for _ in range(len(potential) + 1):
        best = np.minimum.reduceat(potential[residual_tail] + residual_cost, group_start)
        improved = best < potential[group_head]
        if not improved.any():
            return potential
        potential[group_head[improved]] = best[improved]
    raise FlowSolverError("negative cycle in the residual graph: the flow was not optimal")


def _most_negative_per_household(
    *, positions: IntArray, reduced: IntArray, household: IntArray, limit: int
) -> IntArray:
    # Households are sorted already; within each, take the most negative first.
    order = np.lexsort((reduced, household))
    household_sorted = household[order]
    group_first = np.searchsorted(household_sorted, household_sorted, side="left")
    rank = np.arange(len(order)) - group_first
    return positions[order[rank < limit]]
