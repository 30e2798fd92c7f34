"""Placement caps: at most so many households placed in a building, neighbourhood or corporation.

A cap counts placements over a group of units, and a unit sits in a group of every scope at
once (its building, its neighbourhood, its corporation), so caps break the assignment structure
the min-cost flow relies on. The engine therefore solves the flow first: when its optimum keeps
every cap, it is also optimal with the caps (they only remove solutions). When it breaks one,
the tiers are solved again, in the same strict order, as a mixed-integer program by HiGHS
(`highspy`): one 0/1 variable per candidate pair, each tier minimised with a zero gap and
then kept at its value for the tiers below. One HiGHS instance holds the LP relaxation from
the first stage to the last, so each solve starts from the last basis (primal simplex) as
columns join, objectives change and pairs are fixed; branch and bound, when the LP's vertex is
fractional, starts from the best assignment so far: the flow's, with the excess households
counted, then each stage's. That assignment is also the solution to fall back on should time
run out.
(A straightforward CP-SAT model was tried first: at 500 households it proved nothing in 195 s;
HiGHS with the columns below proves every tier in 0.4 s.)

Up to `ALL_PAIRS_LIMIT` feasible pairs every pair is a column. Above that, columns are
generated from the LP relaxation's duals (its value plus each household's most negative reduced
cost bounds the tier over *all* pairs), so a MIP value that reaches the bound is proven optimal
over all pairs; one that does not reports "feasible", one stopped by the time limit
"time_limit", each with the bound. Between tiers, reduced-cost fixing keeps the optimal face,
as between the flow's tiers. matching/README.md has the details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
from highspy import _core
from scipy.sparse import csc_matrix

from matching.candidates import Pairs, Prepared
from matching.costs import TierCosts
from matching.instance import Instance
from matching.policies import Policy, TierName
from matching.result import SolverStatus
from matching.segments import concatenated_ranges, sorted_by_group
from matching.threads import blocks, map_in_threads

IntArray = npt.NDArray[np.int64]

# Feasible pairs up to which the MIP sees every pair (one 0/1 variable each): exact optimum.
ALL_PAIRS_LIMIT = 20_000
# Above it: first each household's best units per unit kind, by the tiers in order; then pairs
# priced negative by the LP relaxation's duals, at most this many per household and round.
BEST_PER_KIND = 4
ADDED_PER_HOUSEHOLD = 8
# HiGHS's time limit per tier (wall-clock seconds).
TIME_LIMIT_PER_TIER_S = 20.0


@dataclass(frozen=True)
class CapGroup:
    # "building B-12": how explanations name it.
    label: str
    units: IntArray
    max_households: int
    # Households held there by fixed pairs (offers out or accepted): they count.
    fixed_households: int
    # Households in the group's units outside the instance (`Instance.held_elsewhere`).
    held_elsewhere: int = 0

    @property
    def room(self) -> int:
        """New placements the cap still allows in the group."""
        return max(0, self.max_households - self.fixed_households - self.held_elsewhere)


def cap_groups(*, instance: Instance, prepared: Prepared, policy: Policy) -> list[CapGroup]:
    """The groups the policy's caps apply to; a clear error when units lack a capped scope."""
    if not policy.placement_caps:
        return []
    unit_by_id = {unit.id: unit for unit in instance.units}
    units_in_order = [unit_by_id[unit_id] for unit_id in prepared.unit_ids]
    fixed_units = set(prepared.fixed_unit.tolist())
    held_elsewhere = {(h.scope, h.group): h.households for h in instance.held_elsewhere}
    groups: list[CapGroup] = []
    for cap in policy.placement_caps:
        members: dict[str, list[int]] = defaultdict(list)
        missing = []
        for index, unit in enumerate(units_in_order):
            value = getattr(unit, cap.scope)
            if value is None:
                missing.append(unit.id)
            elif cap.group is None or value == cap.group:
                members[value].append(index)
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            raise ValueError(
                f"policy caps placements per {cap.scope}, but unit(s) {shown} have no "
                f"`{cap.scope}`; give it on every unit or drop the cap"
            )
        for value in sorted(members):
            units = np.asarray(members[value], dtype=np.int64)
            groups.append(
                CapGroup(
                    label=f"{cap.scope} {value}",
                    units=units,
                    max_households=cap.max_households,
                    fixed_households=sum(1 for u in units.tolist() if u in fixed_units),
                    held_elsewhere=held_elsewhere.get((cap.scope, value), 0),
                )
            )
    return groups


def broken_caps(groups: list[CapGroup], household_of_unit: IntArray, fixed: IntArray) -> list[int]:
    """Indices of the groups where more households are placed than the cap allows.

    `household_of_unit` covers every placement (fixed ones too); only new placements beyond
    the room count as breaking a cap: fixed pairs stay as they are.
    """
    is_fixed = np.zeros(len(household_of_unit), dtype=bool)
    is_fixed[fixed] = True
    return [
        index
        for index, group in enumerate(groups)
        if int(((household_of_unit[group.units] >= 0) & ~is_fixed[group.units]).sum()) > group.room
    ]


def full_groups_of_units(
    groups: list[CapGroup], household_of_unit: IntArray
) -> dict[int, CapGroup]:
    """Each unit that is free but sits in a group already at its cap → that group (the first)."""
    blocked: dict[int, CapGroup] = {}
    for group in groups:
        placed = int((household_of_unit[group.units] >= 0).sum()) + group.held_elsewhere
        if placed >= group.max_households:
            for unit in group.units[household_of_unit[group.units] < 0].tolist():
                blocked.setdefault(unit, group)
    return blocked


@dataclass(frozen=True)
class CappedTier:
    name: TierName
    objective: int
    bound: int
    status: SolverStatus


@dataclass(frozen=True)
class CappedSolution:
    # Pair index (into `pairs`) per household, or -1.
    pair_of_household: IntArray
    tiers: list[CappedTier]
    candidate_pairs: int
    all_pairs: bool
    # Households placed beyond a cap, each only so that no family with children is left
    # without a place (the least such excess), and whether that least is proven.
    cap_excess: int
    cap_excess_proven: bool


def solve_with_caps(
    *,
    pairs: Pairs,
    costs: TierCosts,
    policy: Policy,
    groups: list[CapGroup],
    free_households: IntArray,
    flow_pair_of_household: IntArray,
    time_limit_per_tier_s: float = TIME_LIMIT_PER_TIER_S,
) -> CappedSolution:
    """Every tier in order by a MIP (HiGHS) over the candidate pairs, keeping the caps.

    A cap never leaves a family with children without a place: as many families are placed as
    in the flow's optimum without caps (`flow_pair_of_household`: pair index per household, or
    -1), and a group may exceed its cap only for that; the excess is minimised first, before
    the policy's tiers. The flow's assignment, so counted, is also the solution to fall back on
    should time run out.
    """
    prepared = costs.prepared
    n_pairs = len(pairs.household)
    n_h, n_u = prepared.n_households, prepared.n_units
    all_pairs = n_pairs <= ALL_PAIRS_LIMIT
    flow_pairs = flow_pair_of_household[flow_pair_of_household >= 0]
    in_columns = np.zeros(n_pairs, dtype=bool)
    if all_pairs:
        in_columns[:] = True
    else:
        in_columns[_best_per_kind(pairs=pairs, costs=costs, policy=policy, hint=flow_pairs)] = True
    in_columns[flow_pairs] = True
    is_family_pair = prepared.children_count[pairs.household] > 0
    families_placed = int(is_family_pair[flow_pairs].sum())
    # Groups whose cap can bind (more units than room), and their units.
    binding = [g for g in groups if len(g.units) > g.room]
    room = np.asarray([g.room for g in binding], dtype=np.int64)
    n_groups = len(binding)
    # Rows: households, units, groups, the families row; then one per stage kept densely.
    n_fixed_rows = n_h + n_u + n_groups + 1
    # Group membership as (unit, group row) entries: a unit sits in one group per scope.
    group_unit = np.concatenate([g.units for g in binding] + [np.zeros(0, dtype=np.int64)])
    group_row = np.repeat(np.arange(n_groups), [len(g.units) for g in binding]).astype(np.int64)
    model = _RelaxedModel(
        n_households=n_h,
        n_units=n_u,
        room=room,
        families_placed=families_placed,
        group_unit=group_unit,
        group_row=group_row,
        pair_household=pairs.household,
        pair_unit=pairs.unit,
        is_family_pair=is_family_pair,
    )

    def excess_of(chosen: npt.NDArray[np.bool_]) -> IntArray:
        placed = np.zeros(n_u, dtype=np.int64)
        placed[pairs.unit[chosen]] = 1
        counts = np.bincount(group_row, weights=placed[group_unit], minlength=n_groups)
        return np.asarray(np.maximum(0, counts.astype(np.int64) - room), dtype=np.int64)

    def stage_costs(tier: TierName | None) -> tuple[IntArray, IntArray, int]:
        """The pairs' and the excess variables' coefficients and the constant of a stage:
        the least cap excess (`None`), or a tier."""
        if tier is None:
            return np.zeros(n_pairs, dtype=np.int64), np.ones(n_groups, dtype=np.int64), 0
        # The pairs' costs plus the bypass cost of every household left out, i.e. a constant
        # (everyone left out) plus (pair cost − the household's bypass cost) per pair.
        bypass = costs.bypass_cost(tier, free_households)
        bypass_of_household = np.zeros(n_h, dtype=np.int64)
        bypass_of_household[free_households] = bypass
        coefficient = costs.all_pairs_cost(tier).astype(np.int64)
        coefficient -= bypass_of_household[pairs.household]
        return coefficient, np.zeros(n_groups, dtype=np.int64), int(bypass.sum())

    tiers: list[CappedTier] = []
    earlier: list[tuple[IntArray, IntArray, int]] = []
    # The optimal face of the stages so far: pairs that may still be used, and the fixed rows
    # (households, units, groups, families) that must stay tight.
    allowed = np.ones(n_pairs, dtype=bool)
    tight = np.zeros(n_fixed_rows, dtype=bool)
    # Excess variables fixed at 0 by an earlier stage.
    excess_closed = np.zeros(n_groups, dtype=bool)
    selected = np.zeros(n_pairs, dtype=bool)
    selected[flow_pairs] = True
    selected_excess = excess_of(selected)
    cap_excess, cap_excess_proven = 0, True
    # Each stage's costs are built when it starts (a 115 MB array per stage at 10,000); only
    # those whose value row stays (`earlier`) are kept.
    stage_tiers: list[TierName | None] = [None, *policy.tiers]
    for tier in stage_tiers:
        stage = "cap excess" if tier is None else tier
        coefficient, excess_coefficient, constant = stage_costs(tier)
        model.set_objective(pair_cost=coefficient, excess_cost=excess_coefficient)
        # Column generation on the LP relaxation: its duals price every pair left out; pairs
        # with negative reduced cost join, until none does or none could raise the bound.
        # HiGHS keeps its basis as columns join: each solve starts where the last ended.
        while True:
            model.add_pairs(np.flatnonzero(in_columns & ~model.has_pair))
            relaxed_value, dual = model.solve_relaxation(stage)
            unit_dual = dual[n_h : n_h + n_u].copy()
            np.add.at(unit_dual, group_unit, dual[n_h + n_u + group_row])
            reduced = _reduced_costs(
                pairs=pairs,
                coefficient=coefficient,
                household_dual=dual[:n_h],
                unit_dual=unit_dual,
                family_dual=dual[n_h + n_u + n_groups],
                is_family_pair=is_family_pair,
                value_rows=[
                    (dual[n_fixed_rows + index], coefficient_all)
                    for index, (coefficient_all, _, _) in enumerate(earlier)
                ],
            )
            # A lower bound over every allowed pair, priced out or not (Lagrangian): a household
            # takes at most one pair, so its most negative reduced cost is all it can add.
            most_negative = np.zeros(n_h)
            for chunk in blocks(n_pairs, largest=_CHUNK_PAIRS):
                keep = allowed[chunk]
                np.minimum.at(most_negative, pairs.household[chunk][keep], reduced[chunk][keep])
            lagrangian = relaxed_value + float(most_negative.sum())
            improving = np.flatnonzero((reduced < -_TOLERANCE) & ~in_columns & allowed)
            # Stop when no pair prices negative, or when no pair could raise the bound's
            # integer (a tail of tiny reduced costs then only costs LP solves).
            if all_pairs or not len(improving) or _ceil(lagrangian) >= _ceil(relaxed_value):
                break
            in_columns[_most_negative_per_household(improving, reduced, pairs.household)] = True
        lower_bound = _ceil(lagrangian)
        # The LP's vertex is often integral already (the rows are nearly a network): then it
        # is the MIP's optimum over these columns and no branching is needed. Otherwise the
        # MIP starts from the best solution so far (the flow's, then each stage's).
        found_pairs, found_excess, optimal = model.solve_integer(
            start_pairs=selected,
            start_excess=selected_excess,
            time_limit_s=time_limit_per_tier_s,
        )
        if found_pairs is not None and found_excess is not None:
            # Checked in integers, not HiGHS's tolerances: every row, every earlier value.
            if model.keeps_rows(found_pairs, found_excess):
                selected, selected_excess = found_pairs, found_excess
            elif optimal:
                raise RuntimeError(f"HiGHS's optimum of {stage} breaks a constraint")
        # Otherwise (time ran out first) the last stage's solution stands: it keeps every row.
        value = int(coefficient[selected].sum()) + int(excess_coefficient @ selected_excess)
        # The bound is over every pair (all of them, or all priced out): reaching it proves
        # the value optimal over all pairs.
        reaches_bound = value == lower_bound
        proven = reaches_bound or (all_pairs and optimal)
        if tier is None:
            cap_excess, cap_excess_proven = value, proven
        else:
            tiers.append(
                CappedTier(
                    name=tier,
                    objective=constant + value,
                    bound=constant + (value if proven else lower_bound),
                    status="optimal" if proven else ("feasible" if optimal else "time_limit"),
                )
            )
        # Reduced-cost fixing for the stages below, which keep this one at `value` or better:
        # every solution costs at least the bound plus each used pair's excess (its reduced
        # cost over its household's most negative one) plus |dual| for each unit of slack in a
        # row. Pairs, or slack, costing more than the gap cannot be in any such solution.
        gap = value - lagrangian + _tolerance(lagrangian)
        for chunk in blocks(n_pairs, largest=_CHUNK_PAIRS):
            allowed[chunk] &= reduced[chunk] - most_negative[pairs.household[chunk]] <= gap
        in_columns &= allowed
        model.close_pairs(~allowed)
        tight |= dual[:n_fixed_rows] < -gap
        model.tighten_rows(np.flatnonzero(tight))
        # An excess variable (always a column) is fixed the same way, by its own reduced cost.
        excess_reduced = excess_coefficient + dual[n_h + n_u : n_h + n_u + n_groups]
        for index, (_, earlier_excess, _) in enumerate(earlier):
            excess_reduced -= dual[n_fixed_rows + index] * earlier_excess
        excess_closed |= excess_reduced > gap
        model.close_excess(excess_closed)
        # The fixings alone do not keep the value (several small excesses could add up), and
        # excess variables are not fixed: the stage's own row, dense, does. At a gap of zero
        # on pairs alone they do, as between the flow's tiers (complementary slackness), and
        # the next MIP stays sparse and easy.
        if gap > 2 * _tolerance(lagrangian) or excess_coefficient.any():
            earlier.append((coefficient, excess_coefficient, value))
            model.add_value_row(pair_cost=coefficient, excess_cost=excess_coefficient, value=value)

    pair_of_household = np.full(n_h, -1, dtype=np.int64)
    chosen = np.flatnonzero(selected)
    pair_of_household[pairs.household[chosen]] = chosen
    return CappedSolution(
        pair_of_household=pair_of_household,
        tiers=tiers,
        candidate_pairs=int(model.has_pair.sum()),
        all_pairs=all_pairs,
        cap_excess=cap_excess,
        cap_excess_proven=cap_excess_proven,
    )


# Reduced costs above −_TOLERANCE count as non-negative (HiGHS works in floating point).
_TOLERANCE = 1e-6


def _tolerance(value: float) -> float:
    """HiGHS's objective values are floats: allow for their rounding at this magnitude."""
    return _TOLERANCE + 1e-9 * abs(value)


def _ceil(value: float) -> int:
    """The least integer objective a solution can have at this float bound."""
    return int(np.ceil(value - _tolerance(value)))


# Pairs per chunk of the passes over every pair: at 10,000 with caps there are 14.4 M, and
# whole-array temporaries of them (115 MB each) set the run's peak memory.
_CHUNK_PAIRS = 1 << 20


def _reduced_costs(
    *,
    pairs: Pairs,
    coefficient: IntArray,
    household_dual: npt.NDArray[np.float64],
    unit_dual: npt.NDArray[np.float64],
    family_dual: float,
    is_family_pair: npt.NDArray[np.bool_],
    value_rows: list[tuple[float, IntArray]],
) -> npt.NDArray[np.float64]:
    """Every pair's reduced cost under the LP's duals, chunk by chunk on every core.

    The same operations in the same order for each pair as whole-array arithmetic, so the same
    floats, without its temporaries.
    """
    reduced = np.empty(len(pairs.household))

    def fill(chunk: slice) -> None:
        part = coefficient[chunk] - household_dual[pairs.household[chunk]]
        part -= unit_dual[pairs.unit[chunk]]
        part += family_dual * is_family_pair[chunk]
        for value_dual, value_coefficient in value_rows:
            part -= value_dual * value_coefficient[chunk]
        reduced[chunk] = part

    map_in_threads(fill, blocks(len(reduced), largest=_CHUNK_PAIRS))
    return reduced


def _most_negative_per_household(
    improving: IntArray, reduced: npt.NDArray[np.float64], household: IntArray
) -> IntArray:
    order = improving[np.lexsort((reduced[improving], household[improving]))]
    owner = household[order]
    rank = np.arange(len(order)) - np.searchsorted(owner, owner, side="left")
    return order[rank < ADDED_PER_HOUSEHOLD]


def _new_highs() -> Any:
    """A HiGHS instance that writes nothing.

    The raw binding, quiet from the start: highspy's `Highs` wrapper prints a banner to stdout
    when constructed, before any option can be set (ERGO-Code/HiGHS#1702), and stdout carries
    `onderdak match`'s JSON.
    """
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    return highs


class _RelaxedModel:
    """The stages' LP relaxation in one HiGHS instance, kept from solve to solve.

    Columns: one excess variable per binding group, then the pairs as they join (never
    removed: a pair ruled out is fixed at 0), so HiGHS keeps its basis and each solve starts
    where the last ended. Rows: households (≤ 1), units (≤ 1), groups (placed − excess ≤ room),
    families (− placed ≤ − families_placed), then one row per stage value kept densely.
    """

    def __init__(
        self,
        *,
        n_households: int,
        n_units: int,
        room: IntArray,
        families_placed: int,
        group_unit: IntArray,
        group_row: IntArray,
        pair_household: IntArray,
        pair_unit: IntArray,
        is_family_pair: npt.NDArray[np.bool_],
    ) -> None:
        self.highs = _new_highs()
        # Primal simplex: new columns and a new objective leave the last basis primal feasible,
        # so it goes on from there (at 2,000 households 16 → 5 s against HiGHS's dual default).
        self.highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        self.n_h, self.n_u, self.n_groups = n_households, n_units, len(room)
        self.families_row = n_households + n_units + self.n_groups
        self.n_fixed_rows = self.families_row + 1
        self.pair_household, self.pair_unit = pair_household, pair_unit
        self.is_family_pair = is_family_pair
        # Each unit's group rows, as ranges by unit.
        order = np.argsort(group_unit, kind="stable")
        self.unit_group_start = np.searchsorted(group_unit[order], np.arange(n_units + 1))
        self.unit_group_row = group_row[order]
        n_pairs = len(pair_household)
        self.has_pair = np.zeros(n_pairs, dtype=bool)
        self.column_of_pair = np.full(n_pairs, -1, dtype=np.int64)
        self.pair_of_column = np.zeros(0, dtype=np.int64)
        self.closed_pair = np.zeros(n_pairs, dtype=bool)
        self.closed_excess = np.zeros(self.n_groups, dtype=bool)
        self.tight = np.zeros(self.n_fixed_rows, dtype=bool)
        self.value_rows: list[tuple[IntArray, IntArray]] = []
        self.pair_cost = np.zeros(n_pairs, dtype=np.int64)
        self.excess_cost = np.zeros(self.n_groups, dtype=np.int64)
        self.vertex = np.zeros(self.n_groups)
        upper = np.concatenate([np.ones(n_households + n_units), room, [-families_placed]])
        self.fixed_row_upper = upper.astype(float)
        self.highs.addRows(
            self.n_fixed_rows,
            np.full(self.n_fixed_rows, -highspy.kHighsInf),
            upper.astype(float),
            0,
            np.zeros(self.n_fixed_rows, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        groups = np.arange(self.n_groups, dtype=np.int32)
        self.highs.addCols(
            self.n_groups,
            np.zeros(self.n_groups),
            np.zeros(self.n_groups),
            np.full(self.n_groups, highspy.kHighsInf),
            self.n_groups,
            groups,
            (n_households + n_units + groups).astype(np.int32),
            -np.ones(self.n_groups),
        )

    @property
    def n_columns(self) -> int:
        return self.n_groups + len(self.pair_of_column)

    def add_pairs(self, new: IntArray) -> None:
        """Columns for the pairs `new` (sorted), with their entries in every row."""
        if not len(new):
            return
        position = np.arange(len(new))
        unit = self.pair_unit[new]
        group_count = self.unit_group_start[unit + 1] - self.unit_group_start[unit]
        group_entry = concatenated_ranges(self.unit_group_start[unit], group_count)
        family = np.flatnonzero(self.is_family_pair[new])
        columns = [position, position, np.repeat(position, group_count), family]
        rows = [
            self.pair_household[new],
            self.n_h + unit,
            self.n_h + self.n_u + self.unit_group_row[group_entry],
            np.full(len(family), self.families_row),
        ]
        values = [
            np.ones(len(new)),
            np.ones(len(new)),
            np.ones(len(group_entry)),
            -np.ones(len(family)),
        ]
        for index, (pair_cost, _) in enumerate(self.value_rows):
            cost = pair_cost[new]
            nonzero = np.flatnonzero(cost)
            columns.append(nonzero)
            rows.append(np.full(len(nonzero), self.n_fixed_rows + index))
            values.append(cost[nonzero].astype(float))
        column = np.concatenate(columns)
        row = np.concatenate(rows)
        value = np.concatenate(values)
        order = np.lexsort((row, column))
        column, row, value = column[order], row[order], value[order]
        self.highs.addCols(
            len(new),
            self.pair_cost[new].astype(float),
            np.zeros(len(new)),
            # No upper bound of 1: the household rows keep it, and a column at a bound of its
            # own would take part of the row duals, which price the pairs left out.
            np.full(len(new), highspy.kHighsInf),
            len(row),
            np.searchsorted(column, position).astype(np.int32),
            row.astype(np.int32),
            value,
        )
        self.column_of_pair[new] = self.n_columns + position
        self.pair_of_column = np.concatenate([self.pair_of_column, new])
        self.has_pair[new] = True

    def set_objective(self, *, pair_cost: IntArray, excess_cost: IntArray) -> None:
        self.pair_cost, self.excess_cost = pair_cost, excess_cost
        cost = np.concatenate([excess_cost, pair_cost[self.pair_of_column]]).astype(float)
        self.highs.changeColsCost(self.n_columns, np.arange(self.n_columns, dtype=np.int32), cost)

    def solve_relaxation(self, stage: str) -> tuple[float, npt.NDArray[np.float64]]:
        """The LP's value and its row duals (≤ 0 on a ≤ row, as SciPy's marginals)."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: LP relaxation of {stage}: {status}")
        solution = self.highs.getSolution()
        self.vertex = np.asarray(solution.col_value, dtype=float)
        value = float(self.highs.getInfo().objective_function_value)
        return value, np.asarray(solution.row_dual, dtype=float)

    def solve_integer(
        self, *, start_pairs: npt.NDArray[np.bool_], start_excess: IntArray, time_limit_s: float
    ) -> tuple[npt.NDArray[np.bool_] | None, IntArray | None, bool]:
        """The MIP over the columns: (pairs chosen, excess, proven optimal over the columns).

        The LP's vertex when it is integral (its optimum then), else HiGHS's branch and bound
        on a copy of the model, with a zero gap, started from `start_pairs` / `start_excess`.
        """
        values = self.vertex
        optimal = True
        if not np.all(np.abs(values - np.rint(values)) <= 1e-7):
            mip = _new_highs()
            mip.passModel(self.highs.getModel())
            mip.changeColsIntegrality(
                self.n_columns,
                np.arange(self.n_columns, dtype=np.int32),
                np.full(self.n_columns, highspy.HighsVarType.kInteger),
            )
            mip.setOptionValue("time_limit", float(time_limit_s))
            # Proven optimal, not within the default 0.01 %.
            mip.setOptionValue("mip_rel_gap", 0.0)
            # HiGHS 1.16 with presolve returned a feasible start solution as "optimal" with
            # objective 0 where it cost 4 and the optimum was 1 (a brute-force sweep found it);
            # without presolve it solves correctly. These MIPs are rare and small.
            mip.setOptionValue("presolve", "off")
            start = highspy.HighsSolution()
            start_values = np.zeros(self.n_columns)
            start_values[: self.n_groups] = start_excess
            in_model = np.flatnonzero(start_pairs & self.has_pair)
            start_values[self.column_of_pair[in_model]] = 1.0
            start.col_value = start_values.tolist()
            mip.setSolution(start)
            mip.run()
            optimal = mip.getModelStatus() == highspy.HighsModelStatus.kOptimal
            info = mip.getInfo()
            if info.primal_solution_status != _SOLUTION_FEASIBLE:
                return None, None, optimal
            values = np.asarray(mip.getSolution().col_value, dtype=float)
            # An optimum is only claimed when HiGHS's objective is its solution's cost.
            cost = np.asarray(mip.getModel().lp_.col_cost_, dtype=float)
            claimed = float(info.objective_function_value)
            optimal &= abs(float(cost @ np.rint(values)) - claimed) <= _tolerance(claimed)
        found = np.zeros(len(self.has_pair), dtype=bool)
        found[self.pair_of_column[values[self.n_groups :] > 0.5]] = True
        return found, np.rint(values[: self.n_groups]).astype(np.int64), optimal

    def keeps_rows(self, chosen: npt.NDArray[np.bool_], excess: IntArray) -> bool:
        """Every row holds for this 0/1 choice (tight ones exactly), in integer arithmetic."""
        lp = self.highs.getModel().lp_
        matrix = csc_matrix(
            (
                np.asarray(lp.a_matrix_.value_, dtype=np.int64),
                np.asarray(lp.a_matrix_.index_),
                np.asarray(lp.a_matrix_.start_),
            ),
            shape=(lp.num_row_, lp.num_col_),
        )
        x = np.concatenate([excess, chosen[self.pair_of_column].astype(np.int64)])
        if (chosen & ~self.has_pair).any():
            return False
        activity = matrix @ x
        lower = np.asarray(lp.row_lower_, dtype=float)
        upper = np.asarray(lp.row_upper_, dtype=float)
        return bool(np.all(activity <= upper) and np.all(activity >= lower))

    def close_pairs(self, ruled_out: npt.NDArray[np.bool_]) -> None:
        """Fix the columns of pairs ruled out at 0 (kept, so the basis stays whole)."""
        new = np.flatnonzero(ruled_out & self.has_pair & ~self.closed_pair)
        self.closed_pair[new] = True
        self._fix_columns(self.column_of_pair[new])

    def close_excess(self, closed: npt.NDArray[np.bool_]) -> None:
        new = np.flatnonzero(closed & ~self.closed_excess)
        self.closed_excess[new] = True
        self._fix_columns(new)

    def _fix_columns(self, columns: IntArray) -> None:
        if len(columns):
            self.highs.changeColsBounds(
                len(columns),
                columns.astype(np.int32),
                np.zeros(len(columns)),
                np.zeros(len(columns)),
            )

    def tighten_rows(self, rows: IntArray) -> None:
        """These fixed rows must hold with equality from now on."""
        new = rows[~self.tight[rows]]
        if not len(new):
            return
        self.tight[new] = True
        upper = self.fixed_row_upper[new]
        self.highs.changeRowsBounds(len(new), new.astype(np.int32), upper, upper)

    def add_value_row(self, *, pair_cost: IntArray, excess_cost: IntArray, value: int) -> None:
        """A stage's objective kept at its value or better, over every column so far."""
        self.value_rows.append((pair_cost, excess_cost))
        coefficient = np.concatenate([excess_cost, pair_cost[self.pair_of_column]])
        nonzero = np.flatnonzero(coefficient)
        self.highs.addRow(
            -highspy.kHighsInf,
            float(value),
            len(nonzero),
            nonzero.astype(np.int32),
            coefficient[nonzero].astype(float),
        )


# HiGHS's solution status "feasible" (kSolutionStatusFeasible) and its primal simplex
# strategy (kSimplexStrategyPrimal).
_SOLUTION_FEASIBLE = 2
_PRIMAL_SIMPLEX = 4


def _best_per_kind(*, pairs: Pairs, costs: TierCosts, policy: Policy, hint: IntArray) -> IntArray:
    """Each household's best `BEST_PER_KIND` units of each kind (tiers in order), plus the hint."""
    secondary = [t for t in policy.tiers if t != "placement"]
    costs_in_order = [costs.all_pairs_cost(t) for t in secondary]
    household_kind = pairs.household * 3 + costs.prepared.kind_code[pairs.unit]
    # One packed sort instead of a five-key lexsort when the tiers fit one key (10,000
    # households with caps: the lexsort took most of this function's 7.7 CPU s).
    key = _one_key(costs_in_order)
    if key is None:
        order = np.lexsort((*reversed(costs_in_order), household_kind))
    else:
        order = sorted_by_group(group=household_kind, key=key)
    group = household_kind[order]
    first = np.searchsorted(group, group, side="left")
    rank = np.arange(len(order)) - first
    chosen = np.zeros(len(pairs.household), dtype=bool)
    chosen[order[rank < BEST_PER_KIND]] = True
    chosen[hint[hint >= 0]] = True
    return np.flatnonzero(chosen).astype(np.int64)


def _one_key(costs_in_order: list[npt.NDArray[np.signedinteger]]) -> IntArray | None:
    """The tiers in order as one integer key (each lower tier shifted to 0 and scaled past the
    range of those below), or None when their ranges multiply past 2**40."""
    key = np.zeros(len(costs_in_order[0]) if costs_in_order else 0, dtype=np.int64)
    span = 1
    for cost in costs_in_order:
        low = int(cost.min(initial=0))
        spread = int(cost.max(initial=0)) - low + 1
        span *= spread
        if span >= 2**40:
            return None
        key *= spread
        key += np.subtract(cost, low, dtype=np.int64)
    return key
