"""Exact lexicographic min-cost flow with exact sparsification by dual prices.

The network: every free household has supply 1 and sends it either to a unit (a pair arc) or
straight to the sink (its *bypass*: left without a place); every unit passes at most 1 to the sink.

Tiers are solved one after another. After each tier, dual prices (node potentials) describe the
whole set of optimal flows exactly (complementary slackness): an arc with positive reduced cost
carries no flow in any optimal flow, an arc with negative reduced cost is full in every one, and
only zero-reduced-cost arcs are free. The next tier runs on that face only, so no amount of a
lower tier can buy any of a higher one — with every tier's costs kept small, unlike one big-M
objective, which overflows 64-bit cost scaling at a few thousand households. Adjacent tiers share
one solve only when integer weights derived from the face's bounds provably exceed the whole
range of the tiers below and the combined costs stay small (see `_MERGE_LIMIT`).

Each tier runs on a small candidate subset of the pair arcs. Its potentials price every pair
that was left out; a pair with negative reduced cost could improve the optimum and is added, and
the tier is solved again, until no left-out pair prices negative. Then the flow is optimal over
all pairs (LP duality): the dual bound, computed from the potentials, must equal the objective.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow, min_cost_flow
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from matching.segments import concatenated_ranges
from matching.threads import blocks, map_in_threads

_log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# OR-Tools' cost scaling multiplies costs by about the node count; stay well inside 64 bits.
_MAX_SCALED_COST = 2**62

_FREE, _REMOVED, _FORCED = 0, 1, 2
_UNREACHED = 2**60
# Tiers are merged into one solve only while the combined costs stay this small: cost scaling
# needs a phase per bit of cost range, so huge weights slow every solve down (measured: 2,000
# households, merged placement weights ~10^13 made each solve 2–4× slower than separate tiers).
_MERGE_LIMIT = 2**31
# Pricing rounds that add at most this many arcs first try to keep or mend the flow (see the
# loop), with at most this many relaxation passes and cancelled cycles before solving again.
_REPAIR_LIMIT = 2_000
_REPAIR_PASSES = 400
_ARCS_PER_CANCEL = 10_000
# Alternating paths a placement tier may be mended along before it is solved as usual.
_PLACEMENT_MENDS = 50


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
class ClassArcs:
    """Households that are indifferent between the units of a class, as a class node.

    A household without children has the same cost on every unit of a cost class, and when it
    is feasible on *every* unit of the class, its arcs to them are exactly the paths
    household → class → unit: one arc per (household, class) instead of one per unit. The
    network is equivalent (every flow splits into such paths and back), so its optimum, duals
    and tier faces are those of the explicit pairs; a left-out pair household → unit has the
    reduced cost of its path, the sum of the two arcs' reduced costs.
    """

    n_classes: int
    # household → class arcs (local household indices), with each tier's cost.
    household: IntArray
    klass: IntArray
    cost: dict[str, IntArray]
    # class → unit arcs (local unit indices), cost 0 in every tier.
    unit_class: IntArray
    unit: IntArray


@dataclass(frozen=True)
class TierResult:
    name: str
    objective: int
    bound: int
    # The tiers solved in the same flow, combined with weights that keep them in strict order.
    solved_with: list[str]


@dataclass(frozen=True)
class LexicographicSolution:
    # For each household: the pair index it was placed on, or -1.
    pair_of_household: IntArray
    # For each household placed through a class node: the unit it gets (-1 otherwise).
    unit_of_household_by_class: IntArray
    tiers: list[TierResult]
    candidate_pairs: int
    # Pricing passes over every pair, and the min-cost flow solves among them (the other
    # passes followed a repair of the last flow).
    pricing_rounds: int
    flow_solves: int


def solve_lexicographic(
    *,
    n_households: int,
    n_units: int,
    pair_household: IntArray,
    pair_unit: IntArray,
    tiers: Sequence[Tier],
    initial_candidates: BoolArray,
    added_per_household: int = 32,
    class_arcs: ClassArcs | None = None,
) -> LexicographicSolution:
    """Optimise the tiers in strict order over all pairs; pairs must be sorted by household.

    Arcs are the pairs (household → unit), then the class arcs (household → class node), then
    class → unit arcs; nodes are households, units, the sink, then class nodes.
    """
    # Data
    sink = n_households + n_units
    n_pairs = len(pair_household)
    if class_arcs is None:
        class_arcs = ClassArcs(
            n_classes=0,
            household=np.zeros(0, np.int64),
            klass=np.zeros(0, np.int64),
            cost={t.name: np.zeros(0, np.int64) for t in tiers},
            unit_class=np.zeros(0, np.int64),
            unit=np.zeros(0, np.int64),
        )
    first_class_node = sink + 1
    n_nodes = first_class_node + class_arcs.n_classes
    n_class_arcs = len(class_arcs.household)
    n_arcs = n_pairs + n_class_arcs + len(class_arcs.unit)
    # Node and arc indices in 32 bits where they fit: half the memory traffic of every pass.
    index_type = np.int32 if max(n_nodes, n_arcs) < 2**31 - 1 else np.int64
    pair_household = np.asarray(
        np.concatenate(
            [pair_household, class_arcs.household, first_class_node + class_arcs.unit_class]
        ),
        dtype=index_type,
    )
    unit_node: IntArray = np.asarray(
        np.concatenate(
            [
                n_households + pair_unit,
                first_class_node + class_arcs.klass,
                n_households + class_arcs.unit,
            ]
        ),
        dtype=index_type,
    )
    # Units at the head of each arc (-1 for class arcs), for the "room left" test.
    pair_unit = np.concatenate([pair_unit, np.full(n_class_arcs, -1), class_arcs.unit])
    tiers = [_with_class_arcs(t, class_arcs, n_pairs) for t in tiers]
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[:n_households] = 1
    supply[sink] = -n_households
    alive: IntArray = np.arange(len(pair_household), dtype=index_type)
    # `initial_candidates` covers the pairs, then optionally the household → class arcs; the
    # arcs after it (class → unit: one per unit) are always candidates.
    in_candidates = np.ones(n_arcs, dtype=bool)
    in_candidates[: len(initial_candidates)] = initial_candidates
    forced_pairs = np.zeros(0, dtype=np.int64)
    bypass_state = np.full(n_households, _FREE, dtype=np.int8)
    sink_state = np.full(n_units, _FREE, dtype=np.int8)
    results: list[TierResult] = []
    pricing_rounds = 0
    flow_solves = 0
    flow_pairs = np.zeros(0, dtype=np.int64)

    position = 0
    # The costs over `alive` of the tier that opens the next group, when the merge test below
    # already computed them (kept in step with `alive`).
    next_first_cost: IntArray | None = None
    while position < len(tiers):
        # Consecutive tiers share one solve when integer weights, derived from this face's
        # bounds, provably keep them lexicographic and the costs fit 64-bit cost scaling.
        group = [tiers[position]]
        pair_cost = group[0].pair_cost(alive) if next_first_cost is None else next_first_cost
        next_first_cost = None
        bypass_cost = group[0].bypass_cost.copy()
        tier_pair_costs = [pair_cost]
        alive_household = pair_household[alive]
        while position + len(group) < len(tiers):
            lower = tiers[position + len(group)]
            lower_pair_cost = lower.pair_cost(alive)
            weight = (
                _objective_range(
                    pair_cost=lower_pair_cost,
                    bypass_cost=lower.bypass_cost,
                    pair_household=alive_household,
                    bypass_free=bypass_state == _FREE,
                    first_class_arc=int(np.searchsorted(alive, n_pairs)),
                )
                + 1
            )
            largest = max(_largest(pair_cost), _largest(bypass_cost)) * weight + max(
                _largest(lower_pair_cost), _largest(lower.bypass_cost)
            )
            if largest >= _MERGE_LIMIT or largest * (n_nodes + 1) >= _MAX_SCALED_COST:
                next_first_cost = lower_pair_cost
                break
            pair_cost = pair_cost * weight + lower_pair_cost
            bypass_cost = bypass_cost * weight + lower.bypass_cost
            group.append(lower)
            tier_pair_costs.append(lower_pair_cost)
        position += len(group)
        _check_cost_range(pair_cost, bypass_cost, n_nodes)
        group_names = [t.name for t in group]

        placement: _Placement | None = None
        if not results and len(group) == 1:
            # A first tier that only counts who is placed needs no min-cost flow: a maximum
            # flow, mended by alternating paths over every arc, and potentials read off
            # reachability prove it (see `_place`).
            placement = _place(
                tails=pair_household[alive],
                heads=unit_node[alive],
                in_candidates=in_candidates[alive],
                pair_cost=pair_cost,
                bypass_cost=bypass_cost,
                n_households=n_households,
                n_nodes=n_nodes,
                sink=sink,
            )
            if placement is not None and placement.potential is None:
                placeable = placement.placeable
                objective = int(bypass_cost[~placeable].sum())
                results.append(TierResult(group[0].name, objective, objective, group_names))
                # The face: every household with an arc is placed in every optimum (its bypass
                # goes), the others never are; pair arcs cost nothing in this tier, so any
                # flow with those bypasses is optimal and every pair arc stays.
                bypass_state[placeable] = _REMOVED
                bypass_state[~placeable] = _FORCED
                supply[np.flatnonzero(~placeable)] -= 1
                supply[sink] += int((~placeable).sum())
                flow_pairs = alive[placement.arc_flow > 0].astype(np.int64)
                in_candidates[flow_pairs] = True
                _log.debug("tier %s proven by a covering maximum flow", group_names)
                continue

        alive_unit_node = unit_node[alive]
        # Reduced costs of every pair on the face, recomputed in place each round.
        reduced = np.empty(len(alive), dtype=np.int64)
        unit_price = np.empty(len(alive), dtype=np.int64)
        # Arcs fixed by earlier tiers contribute a constant to this tier.
        constants = [
            int(tier.pair_cost(forced_pairs).sum())
            + int(tier.bypass_cost[bypass_state == _FORCED].sum())
            for tier in group
        ]
        free_bypass = np.flatnonzero(bypass_state == _FREE)
        free_sink = np.flatnonzero(sink_state == _FREE)

        # The arcs besides the pairs: free bypass arcs, then free unit → sink arcs.
        other_tails, other_heads, other_costs = _other_arcs(
            free_bypass=free_bypass,
            bypass_costs=bypass_cost[free_bypass],
            free_sink=free_sink,
            n_households=n_households,
            sink=sink,
        )
        network = functools.partial(
            _network,
            pair_tails=alive_household,
            pair_heads=alive_unit_node,
            pair_costs=pair_cost,
            other_tails=other_tails,
            other_heads=other_heads,
            other_costs=other_costs,
        )

        potentials_of = functools.partial(
            _potentials, n_nodes=n_nodes, sink=sink, first_unit=n_households
        )
        solved = placement is not None
        last_potential: IntArray | None = None
        potential: IntArray | None = None
        # The final flow: on the chosen pair arcs (None: every pair arc), and on the other arcs.
        chosen: IntArray | None = None
        pair_flow: npt.NDArray[np.integer[Any]]
        other_flow: IntArray
        if placement is not None:
            # Every pair arc counts (`chosen` stays None); the mended flow and its potentials are
            # optimal over all of them, so no network of them is built.
            assert placement.potential is not None
            placed = np.zeros(n_households, dtype=bool)
            used_arc = placement.arc_flow > 0
            from_household = alive_household < n_households
            placed[alive_household[used_arc & from_household]] = True
            used_unit = np.zeros(n_units, dtype=bool)
            into_unit = (alive_unit_node >= n_households) & (alive_unit_node < sink)
            used_unit[alive_unit_node[used_arc & into_unit] - n_households] = True
            pair_flow = placement.arc_flow
            other_flow = np.concatenate(
                [(~placed[free_bypass]).astype(np.int64), used_unit[free_sink].astype(np.int64)]
            )
            potential = placement.potential
            _fill_reduced(
                potential=placement.potential,
                tails=alive_household,
                heads=alive_unit_node,
                costs=pair_cost,
                reduced=reduced,
                scratch=unit_price,
            )
            pricing_rounds += 1
            in_candidates[alive[used_arc]] = True
            _log.debug("tier %s proven by a mended maximum flow", group_names)
        while not solved:
            flow_solves += 1
            # Variables: the candidate pair arcs, the free bypass arcs, the free unit→sink arcs.
            chosen = np.flatnonzero(in_candidates[alive])
            tails, heads, costs = network(chosen=chosen)
            # Constraints (flow conservation with these supplies) and objective, then solve.
            flows = _min_cost_flow(
                tails=tails, heads=heads, costs=costs, supply=supply, n_nodes=n_nodes
            )
            # The last round's potentials are a good start: prices move little between rounds.
            fresh = potentials_of(
                tails=tails, heads=heads, costs=costs, flows=flows, start=last_potential
            )
            assert fresh is not None  # an optimal flow has no negative cycle
            potential = fresh[0]
            last_potential = potential
            while potential is not None:
                # Pricing: a left-out pair with negative reduced cost could still improve.
                pricing_rounds += 1
                _fill_reduced(
                    potential=potential,
                    tails=alive_household,
                    heads=alive_unit_node,
                    costs=pair_cost,
                    reduced=reduced,
                    scratch=unit_price,
                )
                improving = _negative_left_out(
                    reduced=reduced, alive=alive, in_candidates=in_candidates
                )
                _log.debug(
                    "tiers %s: %d pairs on the face, %d candidates, objective %d, "
                    "%d price negative",
                    group_names,
                    len(alive),
                    len(chosen),
                    int((costs * flows).sum()),
                    len(improving),
                )
                if not len(improving):
                    solved = True
                    break
                added = _most_negative_per_household(
                    positions=improving,
                    reduced=reduced[improving],
                    household=alive_household[improving],
                    limit=added_per_household,
                )
                in_candidates[alive[added]] = True
                if len(added) > _REPAIR_LIMIT:
                    break
                # Few new arcs: the flow is still optimal unless they close a negative cycle.
                # Then potentials for the larger network follow from the old ones by a few
                # relaxations, without solving again; otherwise (or if they take too long)
                # solve again.
                flow_by_position = np.zeros(len(alive), dtype=np.int64)
                flow_by_position[chosen] = flows[: len(chosen)]
                other_flows = flows[len(chosen) :]
                chosen = np.flatnonzero(in_candidates[alive])
                flows = np.concatenate([flow_by_position[chosen], other_flows])
                tails, heads, costs = network(chosen=chosen)
                repaired = potentials_of(
                    tails=tails,
                    heads=heads,
                    costs=costs,
                    flows=flows,
                    start=potential,
                    max_passes=_REPAIR_PASSES,
                    # A cancel costs about a relaxation of the whole network; a solve costs
                    # many, the more the larger the network.
                    max_cancels=max(2, len(tails) // _ARCS_PER_CANCEL),
                )
                _log.debug(
                    "repair with %d new arcs: %s",
                    len(added),
                    "flow kept or improved" if repaired is not None else "solve again",
                )
                if repaired is None:
                    potential = None
                else:
                    potential, flows = repaired
                    last_potential = potential
        assert potential is not None

        if chosen is not None:
            n_chosen = len(chosen)
            pair_flow, other_flow = flows[:n_chosen], flows[n_chosen:]
        carrying = pair_flow != 0
        used_pairs = np.flatnonzero(carrying) if chosen is None else chosen[carrying]
        # LP duality: the dual bound from the potentials equals the objective at an optimum. The
        # pair arcs' reduced costs are the last pricing pass's (the final potentials').
        combined_objective = int(
            (pair_cost[used_pairs] * pair_flow[carrying]).sum() + (other_costs * other_flow).sum()
        )
        pair_reduced = reduced if chosen is None else reduced[chosen]
        other_reduced = other_costs + potential[other_tails] - potential[other_heads]
        dual_bound = (
            -int((supply * potential).sum())
            + int(pair_reduced[pair_reduced < 0].sum())
            + int(other_reduced[other_reduced < 0].sum())
        )
        if dual_bound != combined_objective:
            raise FlowSolverError(
                f"tiers {group_names}: dual bound {dual_bound} differs from "
                f"objective {combined_objective}"
            )
        used_bypass = free_bypass[other_flow[: len(free_bypass)] > 0]
        for tier, tier_pair_cost, constant in zip(group, tier_pair_costs, constants, strict=True):
            objective = (
                constant
                + int(tier_pair_cost[used_pairs].sum())
                + int(tier.bypass_cost[used_bypass].sum())
            )
            # The weights make the combined optimum lexicographic, so each tier's objective is
            # its proven optimum given the tiers above.
            results.append(TierResult(tier.name, objective, objective, group_names))
        flow_pairs = alive[used_pairs].astype(np.int64)

        # Restrict every arc to the optimal face of this tier (complementary slackness); the
        # last round's reduced costs are those of the final potentials.
        del unit_price, alive_unit_node
        must_use = alive[reduced < 0].astype(np.int64)
        np.subtract.at(supply, pair_household[must_use], 1)
        np.add.at(supply, unit_node[must_use], 1)
        forced_pairs = np.concatenate([forced_pairs, must_use])
        on_face = reduced == 0
        alive = alive[on_face]
        if next_first_cost is not None:
            next_first_cost = next_first_cost[on_face]
        del reduced, pair_cost, tier_pair_costs, alive_household

        bypass_reduced = bypass_cost[free_bypass] + potential[free_bypass] - potential[sink]
        bypass_state[free_bypass[bypass_reduced > 0]] = _REMOVED
        forced_bypass = free_bypass[bypass_reduced < 0]
        bypass_state[forced_bypass] = _FORCED
        supply[forced_bypass] -= 1
        supply[sink] += len(forced_bypass)

        sink_reduced = potential[n_households + free_sink] - potential[sink]
        sink_state[free_sink[sink_reduced > 0]] = _REMOVED
        forced_sink = free_sink[sink_reduced < 0]
        sink_state[forced_sink] = _FORCED
        supply[n_households + forced_sink] -= 1
        supply[sink] += len(forced_sink)

        # A household with nothing left to send, or a unit that can take nothing more, keeps no
        # pair arcs: they could only carry zero flow.
        unit_room = np.where(sink_state == _FREE, 1, 0) - supply[n_households:sink]
        tail = pair_household[alive]
        head_unit = pair_unit[alive]
        # Class nodes pass flow on: only their arcs' other ends decide.
        useful = np.where(tail < n_households, supply[np.minimum(tail, sink)] > 0, True)
        useful &= np.where(head_unit >= 0, unit_room[np.maximum(head_unit, 0)] > 0, True)
        alive = alive[useful]
        if next_first_cost is not None:
            next_first_cost = next_first_cost[useful]

    pair_of_household = np.full(n_households, -1, dtype=np.int64)
    # The last tier's flow also runs over the arcs its own face forced: count each arc once.
    placed = np.unique(np.concatenate([forced_pairs, flow_pairs]))
    placed_pairs = placed[placed < n_pairs]
    pair_of_household[pair_household[placed_pairs]] = placed_pairs
    return LexicographicSolution(
        pair_of_household=pair_of_household,
        unit_of_household_by_class=_split_class_flow(
            placed=placed, n_pairs=n_pairs, n_households=n_households, class_arcs=class_arcs
        ),
        tiers=results,
        candidate_pairs=int(in_candidates.sum()),
        pricing_rounds=pricing_rounds,
        flow_solves=flow_solves,
    )


def _fill_reduced(
    *,
    potential: IntArray,
    tails: IntArray,
    heads: IntArray,
    costs: IntArray,
    reduced: IntArray,
    scratch: IntArray,
) -> None:
    """`reduced[:] = costs + potential[tails] - potential[heads]`, in blocks on every core.

    In place: at 10,000 households these are millions of arcs a round. `take` in "clip" mode
    writes straight into `out` (the default mode buffers); the indices are valid nodes anyway.
    """

    def fill(block: slice) -> None:
        np.take(potential, tails[block], out=reduced[block], mode="clip")
        np.take(potential, heads[block], out=scratch[block], mode="clip")
        reduced[block] -= scratch[block]
        reduced[block] += costs[block]

    map_in_threads(fill, blocks(len(reduced)))


def _negative_left_out(*, reduced: IntArray, alive: IntArray, in_candidates: BoolArray) -> IntArray:
    """Positions (in `alive`) of the arcs outside the candidates that price negative."""

    def find(block: slice) -> IntArray:
        negative = reduced[block] < 0
        negative &= ~in_candidates[alive[block]]
        found: IntArray = np.flatnonzero(negative) + block.start
        return found

    return np.concatenate(map_in_threads(find, blocks(len(reduced))))


def _other_arcs(
    *,
    free_bypass: IntArray,
    bypass_costs: IntArray,
    free_sink: IntArray,
    n_households: int,
    sink: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Arcs (tails, heads, costs) besides the pairs: free bypass arcs, then free sink arcs."""
    tails = np.concatenate([free_bypass, n_households + free_sink])
    heads = np.full(len(free_bypass) + len(free_sink), sink, dtype=np.int64)
    costs = np.concatenate([bypass_costs, np.zeros(len(free_sink), np.int64)])
    return tails, heads, costs


def _network(
    *,
    chosen: IntArray,
    pair_tails: IntArray,
    pair_heads: IntArray,
    pair_costs: IntArray,
    other_tails: IntArray,
    other_heads: IntArray,
    other_costs: IntArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Arcs (tails, heads, costs): the chosen pair arcs, then the other arcs."""
    return (
        np.concatenate([pair_tails[chosen], other_tails]),
        np.concatenate([pair_heads[chosen], other_heads]),
        np.concatenate([pair_costs[chosen], other_costs]),
    )


def _largest(costs: IntArray) -> int:
    return int(np.abs(costs).max(initial=0))


def _objective_range(
    *,
    pair_cost: IntArray,
    bypass_cost: IntArray,
    pair_household: IntArray,
    bypass_free: BoolArray,
    first_class_arc: int | None = None,
) -> int:
    """An upper bound on max − min of this tier's objective over every flow on the face.

    Each household sends its one unit over one of its arcs (a pair, a class arc or its bypass;
    class → unit arcs cost nothing), so the tier's objective varies by at most the sum over
    households of (largest − smallest arc cost). Arcs are sorted by household within the pairs
    (before `first_class_arc`) and within the class arcs.
    """
    n_households = len(bypass_cost)
    high = np.where(bypass_free, bypass_cost, np.iinfo(np.int64).min)
    low = np.where(bypass_free, bypass_cost, np.iinfo(np.int64).max)
    split = len(pair_household) if first_class_arc is None else first_class_arc
    for part in (slice(0, split), slice(split, len(pair_household))):
        tails = pair_household[part]
        costs = pair_cost[part]
        from_household = tails < n_households
        tails, costs = tails[from_household], costs[from_household]
        if not len(tails):
            continue
        starts = np.flatnonzero(np.r_[True, tails[1:] != tails[:-1]])
        households = tails[starts]
        high[households] = np.maximum(high[households], np.maximum.reduceat(costs, starts))
        low[households] = np.minimum(low[households], np.minimum.reduceat(costs, starts))
    has_arc = low <= high
    return int((high[has_arc] - low[has_arc]).sum()) if n_households else 0


def _with_class_arcs(tier: Tier, class_arcs: ClassArcs, n_pairs: int) -> Tier:
    """The tier's cost of every arc: pairs as given, class arcs from `class_arcs`, then 0."""
    class_cost = np.asarray(class_arcs.cost[tier.name], dtype=np.int64)
    n_class_arcs = len(class_cost)
    if n_class_arcs == 0 and len(class_arcs.unit) == 0:
        return tier

    def arc_cost(arcs: IntArray) -> IntArray:
        cost = np.zeros(len(arcs), dtype=np.int64)
        if len(arcs) < 2 or bool((arcs[1:] >= arcs[:-1]).all()):
            # Sorted (the face always is): pairs, class arcs, unit arcs are three slices, read
            # without masks or index copies (millions of arcs at 10,000).
            first_class, first_unit = np.searchsorted(arcs, [n_pairs, n_pairs + n_class_arcs])
            cost[:first_class] = tier.pair_cost(arcs[:first_class])
            cost[first_class:first_unit] = class_cost[arcs[first_class:first_unit] - n_pairs]
            return cost
        is_pair = arcs < n_pairs
        cost[is_pair] = tier.pair_cost(arcs[is_pair])
        is_class = ~is_pair & (arcs < n_pairs + n_class_arcs)
        cost[is_class] = class_cost[arcs[is_class] - n_pairs]
        return cost

    return Tier(name=tier.name, pair_cost=arc_cost, bypass_cost=tier.bypass_cost)


def _split_class_flow(
    *, placed: IntArray, n_pairs: int, n_households: int, class_arcs: ClassArcs
) -> IntArray:
    """Households sent through a class node, each given one of the units the class feeds.

    Every household of a class is feasible on every unit of it at the same cost, so any pairing
    is optimal; households and units are paired in index (id) order, for determinism.
    """
    unit_of_household = np.full(n_households, -1, dtype=np.int64)
    n_class_arcs = len(class_arcs.household)
    on_class_arc = placed[(placed >= n_pairs) & (placed < n_pairs + n_class_arcs)] - n_pairs
    on_unit_arc = placed[placed >= n_pairs + n_class_arcs] - n_pairs - n_class_arcs
    households = class_arcs.household[on_class_arc]
    household_class = class_arcs.klass[on_class_arc]
    units = class_arcs.unit[on_unit_arc]
    unit_class = class_arcs.unit_class[on_unit_arc]
    by_household = np.lexsort((households, household_class))
    by_unit = np.lexsort((units, unit_class))
    if not np.array_equal(household_class[by_household], unit_class[by_unit]):
        raise FlowSolverError("class flow does not balance: households and units differ")
    unit_of_household[households[by_household]] = units[by_unit]
    return unit_of_household


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
    *,
    tails: IntArray,
    heads: IntArray,
    costs: IntArray,
    flows: IntArray,
    n_nodes: int,
    sink: int,
    first_unit: int,
    start: IntArray | None = None,
    max_passes: int | None = None,
    max_cancels: int = 0,
) -> tuple[IntArray, IntArray] | None:
    """Node potentials with non-negative reduced cost on every residual arc, and the flow.

    Shortest-path distances from the sink in the residual graph (vectorised label-correcting
    Bellman–Ford; no negative cycles exist because the flow is optimal). Then every unit is
    lowered to the least potential its own arcs allow: any feasible potential is an optimal dual,
    and low unit prices keep left-out pairs from pricing negative without reason (a unit nobody
    wanted yet must not look expensive), so pricing needs fewer rounds.

    With `start` (potentials feasible for all but a few arcs), relaxation starts from them
    instead; it converges, to feasible potentials, exactly when the residual graph has no
    negative cycle, i.e. when the flow is optimal for these arcs. A negative cycle shows as a
    cycle among the arcs that last lowered each label; up to `max_cancels` of them are cancelled
    (flow sent round the cycle, which lowers the cost) and relaxation goes on. Returns None when
    more cycles remain or convergence takes more than `max_passes` passes per round: then the
    caller solves again. The flow returned is `flows`, or the improved copy.
    """
    if not len(tails):
        return np.zeros(n_nodes, dtype=np.int64), flows
    if start is None:
        potential = np.full(n_nodes, _UNREACHED, dtype=np.int64)
        potential[sink] = 0
        active = np.asarray([sink], dtype=np.int64)
    else:
        potential = start.copy()
        active = np.arange(n_nodes, dtype=np.int64)
    cancels = 0
    while True:
        residual = _Residual(tails=tails, heads=heads, costs=costs, flows=flows, n_nodes=n_nodes)
        outcome = residual.relax(potential=potential, active=active, max_passes=max_passes)
        if outcome is _Relaxed.CONVERGED:
            break
        if outcome is _Relaxed.CYCLE and cancels < max_cancels:
            # Every cycle among the parent arcs at once: they share no node, so cancelling
            # them together is a valid flow that gains each one's cost.
            cycle = residual.cycles()
            flows = flows.copy() if not cancels else flows
            flows[cycle] = 1 - flows[cycle]
            cancels += 1
            # Labels stay, but relaxation stopped half-way: look at every arc again.
            active = np.arange(n_nodes, dtype=np.int64)
            continue
        return None
    if start is None:
        unreached = potential >= _UNREACHED // 2
        if unreached.any():
            # Above every reached node by more than any arc cost: arcs into reached nodes hold.
            reached_max = int(potential[~unreached].max())
            potential[unreached] = reached_max + int(np.abs(residual.cost).max()) + 1
            if residual.relax(potential=potential, active=np.flatnonzero(unreached)) is not (
                _Relaxed.CONVERGED
            ):
                raise FlowSolverError("negative cycle in the residual graph")
    # Lower each unit, then each class node (whose arcs lead to units), to the largest
    # (head potential − cost) over its residual out-arcs.
    for lowered in (
        (residual.tail >= first_unit) & (residual.tail < sink),
        residual.tail > sink,
    ):
        lowest = np.full(n_nodes, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(
            lowest,
            residual.tail[lowered],
            potential[residual.head[lowered]] - residual.cost[lowered],
        )
        has_out = lowest > np.iinfo(np.int64).min
        potential[has_out] = np.minimum(potential[has_out], lowest[has_out])
    return potential, flows


class _Relaxed(enum.Enum):
    CONVERGED = "converged"
    CYCLE = "negative cycle"
    TOO_LONG = "too many passes"


class _Residual:
    """The residual graph of a 0/1 flow, its arcs sorted by tail (out-arcs as ranges)."""

    def __init__(
        self, *, tails: IntArray, heads: IntArray, costs: IntArray, flows: IntArray, n_nodes: int
    ) -> None:
        used = flows > 0
        tail = np.where(used, heads, tails)
        self.order = np.argsort(tail, kind="stable")
        self.tail = tail[self.order]
        self.head = np.where(used, tails, heads)[self.order]
        self.cost = np.where(used, -costs, costs)[self.order]
        self.out_start = np.searchsorted(self.tail, np.arange(n_nodes + 1))
        # The residual arc that last lowered each node's label (-1: none yet; kept only when a
        # pass limit is given, i.e. when a negative cycle is possible). Labels only fall
        # strictly, so a cycle among these arcs is a negative cycle.
        self.parent = np.full(n_nodes, -1, dtype=np.int64)

    def relax(
        self, *, potential: IntArray, active: IntArray, max_passes: int | None = None
    ) -> _Relaxed:
        """Label-correcting passes over the out-arcs of the nodes whose label just fell."""
        n_nodes = len(potential)
        fell = np.zeros(n_nodes, dtype=bool)
        passes = n_nodes + 2 if max_passes is None else max_passes
        for done in range(passes):
            first, stop = self.out_start[active], self.out_start[active + 1]
            count = stop - first
            total = int(count.sum())
            if not total:
                return _Relaxed.CONVERGED
            arcs = concatenated_ranges(first, count)
            offered = potential[self.tail[arcs]] + self.cost[arcs]
            head = self.head[arcs]
            better = offered < potential[head]
            if not better.any():
                return _Relaxed.CONVERGED
            head, offered = head[better], offered[better]
            np.minimum.at(potential, head, offered)
            fell[head] = True
            active = np.flatnonzero(fell)
            fell[active] = False
            if max_passes is None:
                # After an optimal solve no negative cycle exists: nothing to watch for.
                continue
            arcs = arcs[better]
            lowest = offered == potential[head]
            self.parent[head[lowest]] = arcs[lowest]
            if (done % 8 == 7 or done == passes - 1) and self._on_cycle() >= 0:
                return _Relaxed.CYCLE
        if max_passes is None:
            raise FlowSolverError("negative cycle in the residual graph: the flow was not optimal")
        return _Relaxed.TOO_LONG

    def _looping(self) -> IntArray:
        """For each node whose chain of parents never ends, a node on the cycle it runs into
        (pointer doubling: after more jumps than nodes every such chain is on its cycle)."""
        n = len(self.parent)
        # Node n is the end, pointing to itself.
        jump = np.append(np.where(self.parent >= 0, self.tail[np.maximum(self.parent, 0)], n), n)
        for _ in range(max(n, 1).bit_length() + 1):
            jump = jump[jump]
        found: IntArray = jump[:n][jump[:n] != n]
        return found

    def _on_cycle(self) -> int:
        """A node on a cycle of parent arcs, or -1."""
        looping = self._looping()
        return int(looping[0]) if len(looping) else -1

    def cycles(self) -> IntArray:
        """The original arcs of every cycle among the parent arcs (one must exist).

        Each node has one parent arc, so the cycles share no node (nor arc)."""
        on_cycle = np.unique(self._looping())
        done = np.zeros(len(self.parent), dtype=bool)
        arcs: list[int] = []
        for first in on_cycle.tolist():
            if done[first]:
                continue
            node = first
            while True:
                done[node] = True
                arc = int(self.parent[node])
                arcs.append(arc)
                node = int(self.tail[arc])
                if node == first:
                    break
        return np.asarray(self.order[arcs], dtype=np.int64)


@dataclass(frozen=True)
class _Placement:
    # Households with at least one arc.
    placeable: BoolArray
    # Flow (0/1) on each arc given.
    arc_flow: npt.NDArray[np.int8]
    # Optimal potentials, or None when the flow places every placeable household (then the
    # face needs none).
    potential: IntArray | None


def _place(
    *,
    tails: IntArray,
    heads: IntArray,
    in_candidates: BoolArray,
    pair_cost: IntArray,
    bypass_cost: IntArray,
    n_households: int,
    n_nodes: int,
    sink: int,
) -> _Placement | None:
    """Solve a tier that only counts who is placed without a min-cost flow, if it is one.

    When pair arcs cost nothing and bypasses cost a weight per household, a flow is optimal
    exactly when no alternating path in its residual graph leads from an unplaced household to
    a free unit (one more placed) or to a placed household of lower weight (a swap that gains).
    A maximum flow over the candidate arcs (much cheaper than a min-cost flow) is mended along
    such paths, found by breadth-first search over every arc, until none is left. If it places
    every household with an arc, nothing can be better. Otherwise the residual graph's
    distances from the sink, which only depend on which unplaced households reach a node, are
    the optimal potentials: minus the largest weight of an unplaced household that reaches it.
    Returns None when the tier is not of that kind or mending takes too many paths; then it is
    solved as usual.
    """
    if pair_cost.any() or (bypass_cost <= 0).any():
        return None
    from_household = tails < n_households
    placeable = np.zeros(n_households, dtype=bool)
    placeable[tails[from_household]] = True
    households = np.flatnonzero(placeable)
    # Max flow over the candidate arcs: source → household → ... → unit → sink.
    candidates = np.flatnonzero(in_candidates)
    source = n_nodes
    units = np.unique(heads[candidates])
    units = units[(units >= n_households) & (units < sink)]
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        np.concatenate([np.full(len(households), source), tails[candidates], units]),
        np.concatenate([households, heads[candidates], np.full(len(units), sink)]),
        np.ones(len(households) + len(candidates) + len(units), dtype=np.int64),
    )
    if solver.solve(source, sink) != solver.OPTIMAL:
        raise FlowSolverError("maximum flow did not finish")
    arc_flow = np.zeros(len(tails), dtype=np.int8)
    first = len(households)
    arc_flow[candidates] = np.asarray(
        solver.flows(np.arange(first, first + len(candidates))), dtype=np.int8
    )
    if solver.optimal_flow() == len(households):
        return _Placement(placeable=placeable, arc_flow=arc_flow, potential=None)
    # Each mending path places one more household or one more family, so it takes at most
    # twice as many paths as households are left out; with many left out (units scarce), a
    # min-cost flow is cheaper than a search per path.
    if 2 * (len(households) - solver.optimal_flow()) > _PLACEMENT_MENDS:
        return None
    is_unit = np.zeros(n_nodes + 1, dtype=bool)
    is_unit[n_households:sink] = True
    for _ in range(_PLACEMENT_MENDS):
        used = arc_flow > 0
        placed = np.zeros(n_households, dtype=bool)
        placed[tails[used & from_household]] = True
        used_unit = np.zeros(n_nodes + 1, dtype=bool)
        used_unit[heads[used]] = True
        # Households without arcs too: their bypass carries flow, so their potential is set.
        unplaced = ~placed
        # Residual arcs other than those at the sink: unused arcs forward, used ones back.
        residual_tail = np.where(used, heads, tails)
        residual_head = np.where(used, tails, heads)
        potential = np.zeros(n_nodes, dtype=np.int64)
        labelled = np.zeros(n_nodes, dtype=bool)
        gain: tuple[IntArray, int] | None = None
        for weight in sorted(set(bypass_cost[unplaced].tolist()), reverse=True):
            sources = np.flatnonzero(unplaced & (bypass_cost == weight))
            # Data: each arc's index + 1 (to walk the path back), built in the types csgraph
            # uses (float64 data, the arcs' own index type) so no step copies 4 M arcs again.
            graph = csr_matrix(
                (
                    np.concatenate(
                        [
                            np.arange(1, len(tails) + 1, dtype=np.float64),
                            np.ones(len(sources), dtype=np.float64),
                        ]
                    ),
                    (
                        np.concatenate(
                            [residual_tail, np.full(len(sources), source, dtype=tails.dtype)]
                        ),
                        np.concatenate([residual_head, sources.astype(heads.dtype)]),
                    ),
                ),
                shape=(n_nodes + 1, n_nodes + 1),
            )
            order, predecessor = breadth_first_order(
                graph, source, directed=True, return_predecessors=True
            )
            reached = order[order != source]
            free_unit = reached[is_unit[reached] & ~used_unit[reached]]
            reached_households = reached[reached < n_households]
            lighter = reached_households[
                placed[reached_households] & (bypass_cost[reached_households] < weight)
            ]
            end = free_unit[:1] if len(free_unit) else lighter[:1]
            if len(end):
                gain = predecessor, int(end[0])
                break
            new = reached[~labelled[reached]]
            potential[new] = -weight
            labelled[new] = True
        if gain is None:
            return _Placement(placeable=placeable, arc_flow=arc_flow, potential=potential)
        # Send one more unit along the path (flip each arc on it).
        predecessor, node = gain
        path: list[int] = []
        while predecessor[node] != source:
            before = int(predecessor[node])
            path.append(int(graph[before, node]) - 1)
            node = before
        arc_flow[path] = 1 - arc_flow[path]
    return None


def _most_negative_per_household(
    *, positions: IntArray, reduced: IntArray, household: IntArray, limit: int
) -> IntArray:
    # Households are sorted already; within each, take the most negative first. One integer
    # key (household, then reduced cost) sorts faster than a two-key lexsort.
    household = household.astype(np.int64)
    low = int(reduced.min(initial=0))
    spread = int(reduced.max(initial=0)) - low + 1
    if (int(household.max(initial=0)) + 1) * spread < 2**62:
        order = np.argsort(household * spread + (reduced - low), kind="stable")
    else:
        order = np.lexsort((reduced, household))
    household_sorted = household[order]
    group_first = np.searchsorted(household_sorted, household_sorted, side="left")
    rank = np.arange(len(order)) - group_first
    return positions[order[rank < limit]]
